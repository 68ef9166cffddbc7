/**
 * A refusal of a request whose credentials the origin rules withheld (docs/security.md, "Origins"): a blob GET the
 * registry redirected to another host, which sent it back, and a chunked upload whose Location went through another
 * host. Back on the registry the request goes without credentials, so its 401 must say that, not "refused the
 * credentials of alice given with -u/-p" (nothing was sent) nor "pass -u/-p" (they were given). Exit 4 either way.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "./exit-codes.js";
import { regatta } from "./test-cli.js";

const PASSWORD = "pw-withheld-cli";
const BASIC = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString("base64")}`;
const DIGEST = `sha256:${"b".repeat(64)}`;
const servers: Server[] = [];

async function serve(address: string, handle: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(async (req, res) => {
    for await (const _ of req) {
      // drained
    }
    handle(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, address, r));
  return `${address}:${(server.address() as AddressInfo).port}`;
}

describe("regatta when the origin rules withheld the credentials", () => {
  let registry = "";
  let foreign = "";

  beforeAll(async () => {
    foreign = await serve("127.0.0.2", (req, res) => {
      // A blob GET goes back to the registry; an upload PATCH is sent back to the registry's uploads.
      if (req.method === "GET")
        return void res.writeHead(307, { location: `http://${registry}/v2/base/img/blobs/back` }).end();
      res
        .writeHead(202, { location: `http://${registry}/v2/base/img/blobs/uploads/u2`, range: "0-999" })
        .end();
    });
    registry = await serve("127.0.0.1", (req, res) => {
      if (req.headers.authorization !== BASIC)
        return void res.writeHead(401, { "www-authenticate": 'Basic realm="r"' }).end();
      if (req.url === "/v2/")
        return void res.writeHead(200, { "docker-distribution-api-version": "registry/2.0" }).end();
      if (req.method === "GET")
        return void res.writeHead(307, { location: `http://${foreign}/storage/blob` }).end();
      if (req.method === "HEAD") return void res.writeHead(404).end();
      if (req.method === "POST")
        return void res.writeHead(202, { location: `http://${foreign}/up/u1` }).end();
      res.writeHead(500).end();
    });
  });

  afterAll(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
  });

  const withheld = () =>
    `credentials are not sent on a request that came back from another host (${foreign}, where ${registry} sent it), so those given with -u/-p were not sent: a registry that needs credentials must keep its redirects and upload Locations on its own host`;

  it("blob: a redirect chain back to the registry", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "withheld-")), "out.bin");
    const run = await regatta([
      "-u",
      "alice",
      "-p",
      PASSWORD,
      "blob",
      `${registry}/base/img`,
      DIGEST,
      "-o",
      out,
    ]);
    expect(run.stderr).toContain(withheld());
    expect(run.stderr).not.toMatch(/refused the credentials|check them/);
    expect(run.code).toBe(EXIT.auth);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });

  it("put-blob --chunk-size: an upload Location through another host", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "withheld-")), "blob.bin");
    writeFileSync(file, Buffer.alloc(3000, 7));
    const run = await regatta([
      "-u",
      "alice",
      "-p",
      PASSWORD,
      "put-blob",
      "--chunk-size",
      "1000",
      `${registry}/base/img`,
      file,
    ]);
    expect(run.stderr).toContain(withheld());
    expect(run.stderr).not.toMatch(/pass -u\/-p|no credentials were sent/);
    expect(run.code).toBe(EXIT.auth);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });
});
