/**
 * A registry that answers 429 with `Retry-After: 2` makes regatta wait two seconds before it tries again. Without -v
 * that wait used to be silent: a command that pauses must say why (docker prints "Retrying in N seconds"), on
 * stderr, once per wait, with the request redacted; with -v the log's retry line says it instead.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

describe("regatta waiting for a registry's Retry-After", () => {
  let server: Server;
  let host: string;
  const seen = new Map<string, number>();

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === "/v2/") {
        response.writeHead(200, { "content-type": "application/json" });
        response.end("{}");
        return;
      }
      // Each repository is refused once, then served: one wait per command.
      const path = request.url ?? "";
      const count = (seen.get(path) ?? 0) + 1;
      seen.set(path, count);
      if (count === 1) {
        response.writeHead(429, { "content-type": "application/json", "retry-after": "2" });
        response.end(JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS", message: "slow down" }] }));
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      // The repository asked (a tag list naming another one is refused).
      const name = path.replace(/^\/v2\//, "").replace(/\/tags\/list.*$/, "");
      response.end(JSON.stringify({ name, tags: ["1"] }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("says on stderr what it waits for and why, then succeeds", async () => {
    const out = await regatta(["tags", `${host}/quiet/app`]);
    expect(out).toMatchObject({ code: 0, stdout: "1\n" });
    expect(out.stderr).toBe(
      `regatta: waiting 2 s before retrying GET http://${host}/v2/quiet/app/tags/list (1/3): 429 Too Many Requests, as its Retry-After asks\n`,
    );
  });

  it("with -v the retry line of the log says it, and no second notice is printed", async () => {
    const out = await regatta(["tags", "-v", `${host}/verbose/app`]);
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/~ retry 1\/3 in 2000ms: 429 Too Many Requests/);
    expect(out.stderr).not.toContain("regatta: waiting");
  });
});
