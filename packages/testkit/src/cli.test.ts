import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

function run(args: string[]) {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: run \`pnpm --filter @regatta/testkit build\` first`);
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const firstLine = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`cli exited ${code}: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, firstLine, exited };
}

describe("testkit CLI", () => {
  it("start-registry prints JSON, serves, and cleans up on SIGTERM", async () => {
    const { child, firstLine, exited } = run(["start-registry", "--auth", "token"]);
    try {
      const info = JSON.parse(await firstLine) as {
        url: string;
        dataDir: string;
        tokenServer: { realm: string };
      };
      expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${info.url}/v2/`);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain(info.tokenServer.realm);

      const push = run([
        "push-generated",
        "--url",
        info.url,
        "--repository",
        "demo/cli",
        "--tag",
        "v1",
        "--platforms",
        "linux/amd64,linux/arm64",
        "--username",
        "regatta",
        "--password",
        "regatta-secret",
      ]);
      const pushed = JSON.parse(await push.firstLine) as { digest: string; mediaType: string };
      expect(pushed.mediaType).toBe("application/vnd.oci.image.index.v1+json");
      expect(await push.exited).toBe(0);

      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(existsSync(info.dataDir)).toBe(false);
      await expect(fetch(`${info.url}/v2/`)).rejects.toThrow();
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("fails with a message on an unknown command", async () => {
    const { firstLine, exited } = run(["nope"]);
    await expect(firstLine).rejects.toThrow(/unknown command "nope"/);
    expect(await exited).toBe(1);
  });
});
