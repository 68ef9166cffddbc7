/** Proxy settings as the CLI reads them (the rules themselves: transport's proxy.ts and its tests). */
import { startServer } from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

describe("proxies", () => {
  let registry: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    registry = await startServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end('{"name":"r","tags":["a"]}');
    });
  });
  afterAll(() => registry.close());

  it("never sends a loopback registry through the proxy: a dead proxy in HTTP_PROXY or --proxy does not matter", async () => {
    const viaEnv = await regatta(["tags", `${registry.host}/r`], {
      env: { HTTP_PROXY: "http://127.0.0.1:9", HTTPS_PROXY: "http://127.0.0.1:9" },
    });
    expect([viaEnv.code, viaEnv.stdout.trim()]).toEqual([0, "a"]);
    const viaFlag = await regatta(["--proxy", "http://127.0.0.1:9", "tags", `${registry.host}/r`]);
    expect([viaFlag.code, viaFlag.stdout.trim()]).toEqual([0, "a"]);
  });

  it.each([
    ["http://pu:Pr0xy-pw@127.0.0.1:99999", "invalid proxy URL in --proxy: http://***@127.0.0.1:99999"],
    [
      "socks5://pu:Pr0xy-pw@127.0.0.1:1080",
      "unsupported proxy in --proxy: socks5: proxies are not supported",
    ],
  ])(
    "a malformed or SOCKS --proxy (%s) is a usage error (exit 2) naming the flag, without the password",
    async (proxy, message) => {
      const run = await regatta(["--proxy", proxy, "tags", `${registry.host}/r`]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stderr + run.stdout).not.toContain("Pr0xy-pw");
      expect(run.stderr).not.toContain("ExperimentalWarning");
    },
  );
});
