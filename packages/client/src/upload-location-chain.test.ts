/**
 * An upload session's Locations (docs/security.md, "Origins"; upload-session.ts UploadLocations). The spec makes a
 * Location opaque and lets it point at another host (object storage, a CDN), which gets no credentials. That host
 * must not be able to send the session back to the registry with the user's credentials (a confused deputy): once a
 * Location left the registry's origin, the rest of the session goes without credentials, and a Location on the
 * registry's own origin must be an upload of the same repository, or nothing at all is sent there (no PATCH, no PUT,
 * no GET, no cancelling DELETE).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ProtocolError } from "@regatta/errors";
import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "./connect.js";

const PASSWORD = "s3cret-upload-chain";
const BASIC = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString("base64")}`;
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

interface Seen {
  method: string;
  url: string;
  authorization?: string;
}

/** A server on 127.0.0.1 that reads each body, records the request and answers with `handle`. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = createServer(async (req, res) => {
    for await (const _ of req) {
      // drained
    }
    seen.push({
      method: req.method ?? "",
      url: req.url ?? "",
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    handle(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return { seen, host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` };
}

/**
 * A registry that asks for Basic credentials and opens sessions at `opened(origin)`, and a foreign host whose PATCH
 * answers `back(registryOrigin)`; both accept everything else with the answer an upload wants.
 */
async function scene(
  opened: (registry: string, foreign: string) => string,
  back?: (registry: string) => string,
) {
  let registryOrigin = "";
  const answer = (req: IncomingMessage, res: ServerResponse, next: () => string) => {
    if (req.method === "PATCH") return void res.writeHead(202, { location: next(), range: "0-0" }).end();
    if (req.method === "PUT") return void res.writeHead(201, { location: "/v2/prod/blobs/sha256:x" }).end();
    if (req.method === "GET") return void res.writeHead(204, { location: next(), range: "0-0" }).end();
    res.writeHead(204).end();
  };
  const foreign = await serve((req, res) =>
    answer(req, res, () => (back ? back(registryOrigin) : `${req.url?.split("?")[0]}?n=2`)),
  );
  const registry = await serve((req, res) => {
    if (req.headers.authorization !== BASIC)
      return void res.writeHead(401, { "www-authenticate": 'Basic realm="r"' }).end();
    if (req.url === "/v2/")
      return void res.writeHead(200, { "docker-distribution-api-version": "registry/2.0" }).end();
    if (req.method === "HEAD") return void res.writeHead(404).end(); // no such blob yet
    if (req.method === "POST")
      return void res.writeHead(202, { location: opened(registryOrigin, foreign.origin) }).end();
    answer(req, res, () => `${req.url?.split("?")[0]}?n=2`);
  });
  registryOrigin = registry.origin;
  const reg = createClient(registry.host, {
    username: "alice",
    password: PASSWORD,
    env: {},
    retry: { attempts: 2 },
  });
  return { registry, foreign, reg };
}

const BYTES = Buffer.alloc(3000, 7);

describe("an upload Location chain", () => {
  it("that came back to the registry's origin after another host goes on without credentials", async () => {
    const { registry, foreign, reg } = await scene(
      (_, f) => `${f}/up/u1`,
      (r) => `${r}/v2/prod/blobs/uploads/u2?_state=x`,
    );
    await reg.pushBlob("prod", BYTES, { chunkSize: 1024 }).catch(() => undefined);
    expect(foreign.seen.filter((s) => s.authorization)).toEqual([]);
    const back = registry.seen.filter((s) => s.url.startsWith("/v2/prod/blobs/uploads/u2"));
    expect(back.length).toBeGreaterThan(0);
    expect(back.filter((s) => s.authorization)).toEqual([]);
  });

  it("is refused when the other host sends it to a manifest on the registry: nothing is sent there", async () => {
    const manifest =
      "/v2/prod/manifests/sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const { registry, foreign, reg } = await scene(
      (_, f) => `${f}/up/u1`,
      (r) => `${r}${manifest}`,
    );
    const error = await reg.pushBlob("prod", BYTES, { chunkSize: 1024 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe("BAD_LOCATION");
    expect((error as Error).message).toContain(
      `${registry.host} answered an upload Location on its own origin`,
    );
    expect((error as Error).message).toContain('"/v2/prod/manifests/sha256:1111');
    expect(registry.seen.filter((s) => s.url.includes("/manifests/"))).toEqual([]);
    // The session is cancelled where it last legitimately was, without credentials.
    expect(foreign.seen.map((s) => `${s.method} ${s.url}`)).toEqual(["PATCH /up/u1", "DELETE /up/u1"]);
    expect(foreign.seen.filter((s) => s.authorization)).toEqual([]);
  });

  const refused: [string, string][] = [
    ["a manifest", "/v2/prod/manifests/latest"],
    ["another repository's uploads", "/v2/other/blobs/uploads/u1"],
    ["a longer repository name", "/v2/prod2/blobs/uploads/u1"],
    ["the API root", "/v2/"],
    ["tags", "/v2/prod/tags/list"],
    ["dot segments", "/v2/prod/blobs/uploads/../../manifests/latest"],
    ["encoded dot segments", "/v2/prod/blobs/uploads/%2e%2e/%2E%2E/manifests/latest"],
    ["an encoded slash", "/v2/prod/blobs/uploads/..%2f..%2fmanifests/latest"],
    ["an encoded backslash", "/v2/prod/blobs/uploads/..%5c..%5cmanifests"],
    ["an encoding that does not decode", "/v2/prod/blobs/uploads/%zz"],
    // Tomcat and Jetty (Artifactory, Nexus) drop a segment's `;parameters` before they resolve dot segments: `..;`
    // climbs there, while a URL parser keeps it as a name (QA: the PUT and the cancelling DELETE went to a manifest).
    ["dot segments with path parameters", "/v2/prod/blobs/uploads/..;/..;/..;/victim/manifests/latest"],
    ["a dot segment with an empty parameter", "/v2/prod/blobs/uploads/.;x/..;jsessionid=1/manifests/latest"],
    ["encoded dot segments with path parameters", "/v2/prod/blobs/uploads/%2e%2e;/%2E%2E;/manifests/latest"],
    ["an encoded semicolon after dots", "/v2/prod/blobs/uploads/..%3b/..%3B/manifests/latest"],
  ];
  it.each(refused)("on the registry's own origin is refused when it names %s", async (_, path) => {
    const { registry, reg } = await scene((r) => `${r}${path}`);
    const error = await reg.pushBlob("prod", BYTES, { chunkSize: 1024 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe("BAD_LOCATION");
    // The POST and nothing after it: no PATCH, no PUT, no GET of the session, no cancelling DELETE.
    const session = registry.seen.filter((s) => s.method !== "HEAD" && s.url !== "/v2/");
    expect(session.map((s) => `${s.method} ${s.url.split("?")[0]}`)).toEqual([
      "POST /v2/prod/blobs/uploads/",
    ]);
  });

  it("on the registry's own origin goes on with credentials when it is an upload of the same repository", async () => {
    const { registry, reg } = await scene((r) => `${r}/v2/%70rod/blobs/uploads/u1?_state=a`);
    await reg.pushBlob("prod", BYTES, { chunkSize: 1024 });
    const session = registry.seen.filter((s) => s.method === "PATCH" || s.method === "PUT");
    expect(session.map((s) => s.method)).toEqual(["PATCH", "PATCH", "PATCH", "PUT"]);
    expect(session.every((s) => s.authorization === BASIC)).toBe(true);
  });
});
