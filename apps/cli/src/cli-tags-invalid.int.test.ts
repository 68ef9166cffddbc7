/**
 * `regatta tags` against a registry that lists names that are no tag (`-rf`, `*`, `a b`): a script's
 * `for t in $(regatta tags R)` would hand them on as options or globs, so they are dropped with a note on stderr,
 * as completion drops them.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

describe("regatta tags, of a registry listing names that are no tag", () => {
  let server: Server;
  let host: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const body =
        request.url === "/v2/"
          ? {}
          : request.url?.startsWith("/v2/odd/tags/list")
            ? { name: "odd", tags: ["1.0", "-rf", "*", "a b", "--help", "latest"] }
            : request.url?.startsWith("/v2/huge/tags/list")
              ? { name: "huge", tags: ["1.0", `-${"x".repeat(1024 * 1024)}`] }
              : undefined;
      response.writeHead(body ? 200 : 404, { "content-type": "application/json" });
      response.end(JSON.stringify(body ?? { errors: [{ code: "NAME_UNKNOWN" }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it("prints the valid tags only, and names the others on stderr", async () => {
    const out = await regatta(["tags", `${host}/odd`, "--sort", "none"]);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("1.0\nlatest\n");
    expect(out.stderr).toContain(
      'note: 4 names the registry listed are not a valid tag, not printed: "-rf", "*", "a b", "--help"',
    );
  });

  it("quotes at most 80 characters of each, so a name of megabytes does not flood the terminal", async () => {
    const out = await regatta(["tags", `${host}/huge`]);
    expect(out).toMatchObject({ code: 0, stdout: "1.0\n" });
    expect(out.stderr).toBe(
      `note: 1 name the registry listed is not a valid tag, not printed: "-${"x".repeat(79)}"… (1048577 characters)\n`,
    );
  });

  it("leaves them out of --json and --full-ref too", async () => {
    const json = await regatta(["tags", `${host}/odd`, "--json"]);
    expect(JSON.parse(json.stdout).tags).toEqual(["1.0", "latest"]);
    const full = await regatta(["tags", `${host}/odd`, "--full-ref"]);
    expect(full.stdout).toBe(`${host}/odd:1.0\n${host}/odd:latest\n`);
  });
});
