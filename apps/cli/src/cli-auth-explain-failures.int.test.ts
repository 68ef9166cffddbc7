/**
 * `regatta auth explain` when a step cannot be carried out (QA: it aborted with one error line instead): a token realm
 * nobody listens on, a token service answering 500, a challenge that does not parse, a registry nobody listens on.
 * Each time the whole report is printed, the failed step says "failed:" with the error, its code and status, the
 * steps after it go on, and the exit status is 1 with the failed steps named on stderr.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse, port: number) => void) {
  const server = createServer((req, res) => handler(req, res, (server.address() as AddressInfo).port));
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return (server.address() as AddressInfo).port;
}

/** A port on 127.0.0.1 that nothing listens on: listened on once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

/** A registry whose every answer is a 401 with `challenge(port)`, and whose `/token` answers 500. */
function challenging(challenge: (port: number) => string) {
  return serve((req, res, port) => {
    if (req.url?.startsWith("/token")) {
      res.writeHead(500, { "content-type": "text/plain" }).end("token service down");
      return;
    }
    res
      .writeHead(401, {
        "content-type": "application/json",
        "docker-distribution-api-version": "registry/2.0",
        "www-authenticate": challenge(port),
      })
      .end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
  });
}

const TITLES = ["1. challenge", "2. credentials", "3. token", "4. grants", "5. probe: pull"];

/** Explains `host/team/app:1.0`; the report must be whole, and the step lines of `failed` must say "failed:". */
async function explain(host: string, json = false) {
  const result = await regatta(["auth", "explain", `${host}/team/app:1.0`, ...(json ? ["--json"] : [])], {
    killAfter: 60_000,
  });
  return result;
}

function stepLines(stdout: string, title: string): string {
  const lines = stdout.split("\n");
  const start = lines.indexOf(title);
  const end = lines.findIndex((l, i) => i > start && /^(\d+\. |verdict: )/.test(l));
  return lines.slice(start + 1, end).join("\n");
}

describe("regatta auth explain when a step fails", () => {
  it("a token realm nobody listens on: the token step failed, the report goes on to the verdict, exit 5 (unreachable)", async () => {
    const realmPort = await closedPort();
    const port = await challenging(() => `Bearer realm="http://127.0.0.1:${realmPort}/token",service="reg"`);
    const result = await explain(`127.0.0.1:${port}`);
    expect(result.code, result.stderr).toBe(5);
    expect(result.stdout.split("\n").filter((l) => /^\d+\. /.test(l))).toEqual(TITLES);
    expect(stepLines(result.stdout, "1. challenge")).toContain(
      `WWW-Authenticate: Bearer realm http://127.0.0.1:${realmPort}/token`,
    );
    expect(stepLines(result.stdout, "3. token")).toMatch(/no token: the request failed: .*\[\w+\]/);
    expect(result.stdout).toMatch(/\nverdict: .*\n$/);
    expect(result.stderr).toMatch(/^regatta: auth explain could not carry out steps? .*3\. token/m);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("a token service answering 500: the token step says failed with status 500", async () => {
    const port = await challenging((p) => `Bearer realm="http://127.0.0.1:${p}/token",service="reg"`);
    const result = await explain(`127.0.0.1:${port}`);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout.split("\n").filter((l) => /^\d+\. /.test(l))).toEqual(TITLES);
    expect(stepLines(result.stdout, "3. token")).toMatch(/no token: the request failed: .*, status 500\]/);
    expect(stepLines(result.stdout, "5. probe: pull")).toMatch(/HEAD \S+ failed: .*, status 500\]/);
    expect(result.stderr).toContain("steps 3. token, 5. probe: pull");
  });

  it("a challenge that does not parse: the challenge step and the probe failed, the rest is reported", async () => {
    const port = await challenging(() => 'Bearer realm="http://unterminated');
    const result = await explain(`127.0.0.1:${port}`);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout.split("\n").filter((l) => /^\d+\. /.test(l))).toEqual(TITLES);
    expect(stepLines(result.stdout, "1. challenge")).toMatch(
      /GET \/v2\/ failed: malformed WWW-Authenticate header: unterminated quoted string .*\[PROTOCOL\]/,
    );
    expect(stepLines(result.stdout, "2. credentials")).toContain("from: none found: anonymous");
    expect(stepLines(result.stdout, "3. token")).toContain("not asked: the challenge step failed");
    expect(stepLines(result.stdout, "5. probe: pull")).toMatch(
      /HEAD \/v2\/team\/app\/manifests\/1\.0 failed: /,
    );
    expect(result.stderr).toMatch(/1\. challenge, 5\. probe: pull/);
  });

  it("a registry nobody listens on: every step is reported, the ping and the probe failed, exit 5 as a pull's; --json says which", async () => {
    const host = `127.0.0.1:${await closedPort()}`;
    const result = await explain(host);
    expect(result.code, result.stderr).toBe(5);
    expect(result.stdout.split("\n").filter((l) => /^\d+\. /.test(l))).toEqual(TITLES);
    expect(stepLines(result.stdout, "1. challenge")).toMatch(/GET \/v2\/ failed: .*\[\w+\]/);
    expect(result.stdout).toMatch(/\nverdict: .*\n$/);
    const json = await explain(host, true);
    expect(json.code).toBe(5);
    const report = JSON.parse(json.stdout);
    expect(report.failed).toEqual(["1. challenge", "5. probe: pull"]);
    expect(report.steps[0].failure).toMatchObject({ code: expect.any(String), unreachable: true });
    expect(report.steps[0].failure.message).toMatch(/127\.0\.0\.1/);
  });
});
