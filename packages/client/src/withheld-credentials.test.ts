/**
 * A refusal of a request whose credentials the origin rules withheld (docs/security.md, "Origins"): a redirect chain
 * or an upload session that left the registry's origin goes on without credentials, even back on the registry. When
 * the registry then answers 401, the error must say so (`access.withheldAfter`), not that the credentials given were
 * refused (nothing was sent) nor that none were given (they were).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AuthenticationError } from "@regatta/errors";
import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "./connect.js";

const PASSWORD = "s3cret-withheld";
const BASIC = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString("base64")}`;
const DIGEST = `sha256:${"a".repeat(64)}`;
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A server on `address` answering with `handle`, recording whether each request carried credentials. */
async function serve(address: string, handle: (req: IncomingMessage, res: ServerResponse) => void) {
  const authorized: boolean[] = [];
  const server = createServer(async (req, res) => {
    for await (const _ of req) {
      // drained
    }
    authorized.push(req.headers.authorization !== undefined);
    handle(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, address, r));
  const port = (server.address() as AddressInfo).port;
  return { authorized, host: `${address}:${port}`, origin: `http://${address}:${port}` };
}

/** A registry asking for Basic credentials; `route` answers the requests that carry them. */
async function registryWith(route: (req: IncomingMessage, res: ServerResponse, origin: string) => void) {
  let origin = "";
  const registry = await serve("127.0.0.1", (req, res) => {
    if (req.headers.authorization !== BASIC)
      return void res.writeHead(401, { "www-authenticate": 'Basic realm="r"' }).end();
    if (req.url === "/v2/")
      return void res.writeHead(200, { "docker-distribution-api-version": "registry/2.0" }).end();
    route(req, res, origin);
  });
  origin = registry.origin;
  return registry;
}

function client(host: string) {
  return createClient(host, { username: "alice", password: PASSWORD, env: {}, retry: { attempts: 0 } });
}

function expectWithheld(error: unknown, registry: string, foreign: string) {
  expect(error).toBeInstanceOf(AuthenticationError);
  const e = error as AuthenticationError;
  expect(e.access).toMatchObject({ registry, credentials: "none", withheldAfter: foreign });
  expect(e.hint).toBe(
    `credentials are not sent on a request that came back from another host (${foreign}, where ${registry} sent it): a registry that needs credentials must keep its redirects and upload Locations on its own host`,
  );
  expect(`${e.message} ${e.hint}`).not.toContain(PASSWORD);
}

describe("credentials withheld by the origin rules", () => {
  it("a blob GET redirected to another host and back: the registry's 401 says they were withheld", async () => {
    let registryOrigin = "";
    const foreign = await serve("127.0.0.2", (_, res) =>
      res.writeHead(307, { location: `${registryOrigin}/v2/base/img/blobs/back` }).end(),
    );
    const registry = await registryWith((_, res) =>
      res.writeHead(307, { location: `${foreign.origin}/storage/blob` }).end(),
    );
    registryOrigin = registry.origin;
    const error = await client(registry.host)
      .blob("base/img", DIGEST)
      .bytes()
      .catch((e: unknown) => e);
    expectWithheld(error, registry.host, foreign.host);
    // Nothing went to the other host, and the hop back went without credentials.
    expect(foreign.authorized).toEqual([false]);
    expect(registry.authorized.at(-1)).toBe(false);
  });

  it("an upload session whose Location went through another host: the registry's 401 says they were withheld", async () => {
    let registryOrigin = "";
    const foreign = await serve("127.0.0.2", (_, res) => {
      res
        .writeHead(202, { location: `${registryOrigin}/v2/base/img/blobs/uploads/u2`, range: "0-999" })
        .end();
    });
    const registry = await registryWith((req, res) => {
      if (req.method === "HEAD") return void res.writeHead(404).end();
      if (req.method === "POST")
        return void res.writeHead(202, { location: `${foreign.origin}/up/u1` }).end();
      res.writeHead(500).end();
    });
    registryOrigin = registry.origin;
    const error = await client(registry.host)
      .pushBlob("base/img", Buffer.alloc(3000, 7), { chunkSize: 1000 })
      .catch((e: unknown) => e);
    expectWithheld(error, registry.host, foreign.host);
    expect(error).toMatchObject({ access: { operation: "push", repository: "base/img" } });
  });
});
