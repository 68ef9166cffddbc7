/**
 * The /v2/ ping's error reads its answer as every request's error does (transport status.ts answerFacts): a
 * text/plain 403 is shown after the status in the CLI's one line, scrubbed of the secrets sent; a body of another
 * type (text/html) is not shown.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const PASSWORD = "Sekrit-Pw-9911";
let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A registry whose every answer (its /v2/ included) is a 403 of `contentType` with `body`. */
async function refusing(contentType: string, body: string): Promise<string> {
  server = createServer((_req, res) => {
    res.writeHead(403, { "content-type": contentType, "docker-distribution-api-version": "registry/2.0" });
    res.end(body);
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("regatta login: the ping's refusal", () => {
  it("a text/plain 403 from /v2/ is shown in the one-line error, the echoed password scrubbed", async () => {
    const host = await refusing(
      "text/plain; charset=utf-8",
      `registry disabled for maintenance (${PASSWORD})\n`,
    );
    const run = await regatta(["login", host, "-u", "me", "--password-stdin"], { input: PASSWORD });
    expect(run.code).not.toBe(0);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`ping ${host}: 403 Forbidden: registry disabled for maintenance (REDACTED)`);
    expect(run.stderr).not.toContain(PASSWORD);
  });

  it("a text/html 403 from /v2/ is not shown, as for any request", async () => {
    const host = await refusing("text/html", "registry disabled for maintenance");
    const run = await regatta(["login", host, "-u", "me", "--password-stdin"], { input: PASSWORD });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`ping ${host}: 403 Forbidden (GET http://${host}/v2/)`);
    expect(run.stderr).not.toContain("maintenance");
  });
});
