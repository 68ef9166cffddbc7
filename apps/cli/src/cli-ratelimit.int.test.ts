/**
 * `regatta ratelimit` once the quota is used up: Docker Hub then refuses the manifest request with 429 and the
 * quota headers (`ratelimit-remaining: 0;w=21600`). That is the answer the user asked for, not a failure: limit and
 * remaining are printed from the refusal, exit 0, as `regctl image ratelimit` reports them.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

describe("regatta ratelimit, of a registry whose quota is used up", () => {
  let server: Server;
  let host: string;
  let manifestRequests = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === "/v2/") {
        response.writeHead(200, { "content-type": "application/json" });
        response.end("{}");
        return;
      }
      manifestRequests++;
      response.writeHead(429, {
        "content-type": "application/json",
        "retry-after": "3600",
        ...(request.url?.startsWith("/v2/hub/")
          ? { "ratelimit-limit": "100;w=21600", "ratelimit-remaining": "0;w=21600" }
          : {}),
      });
      response.end(JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS", message: "pull rate limit" }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("prints limit and remaining from the 429, says the quota is used up, exit 0; --json too", async () => {
    const out = await regatta(["ratelimit", `${host}/hub/app:1`]);
    expect(out).toMatchObject({ code: 0 });
    expect(out.stdout).toContain("limit: 100 per 21600 s (6 h)\nremaining: 0\n");
    expect(out.stdout).toContain("429 Too Many Requests");
    const json = await regatta(["ratelimit", `${host}/hub/app:1`, "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ set: true, limit: 100, remaining: 0, exhausted: true });
    expect(manifestRequests).toBeGreaterThan(0);
  });

  it("a 429 without quota headers is still the error (exit non-zero, one line)", async () => {
    const out = await regatta(["ratelimit", `${host}/other/app:1`]);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/^regatta: .*429|^regatta: .*rate limit/m);
  });
});
