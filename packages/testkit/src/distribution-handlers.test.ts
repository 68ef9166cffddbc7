import { createHash } from "node:crypto";
import { request } from "undici";
import { beforeAll, describe, expect, it } from "vitest";
import { fakeRepository } from "./fake-store.js";
import { distributionHandlers } from "./flavours/distribution.js";
import { type GeneratedImage, type GeneratedIndex, generateImage, generateIndex } from "./generate-image.js";
import { MEDIA_TYPES } from "./media-types.js";
import { createMswDispatcher } from "./msw-dispatcher.js";

const R = "https://registry.test";
const sha256 = (bytes: Uint8Array | string) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;

let image: GeneratedImage;
let dockerIndex: GeneratedIndex;
beforeAll(async () => {
  image = await generateImage({ layers: [300], mediaTypes: "oci" });
  dockerIndex = await generateIndex({ mediaTypes: "docker", platforms: ["linux/arm64/v8", "linux/amd64"] });
});

function setup(options: Parameters<typeof distributionHandlers>[0] = {}) {
  const handlers = distributionHandlers({
    host: "registry.test",
    repos: { "demo/app": fakeRepository({ v1: image, list: dockerIndex }) },
    ...options,
  });
  const dispatcher = createMswDispatcher(handlers);
  const call = async (
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
  ) => {
    const res = await request(`${R}${path}`, {
      dispatcher,
      method: (init.method ?? "GET") as "GET",
      headers: init.headers ?? {},
      body: init.body ?? null,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
  };
  return { handlers, dispatcher, call };
}

describe("distributionHandlers (anonymous)", () => {
  it("answers the ping, tags and catalog like distribution", async () => {
    const { call } = setup({
      repos: { "b/two": fakeRepository({ v1: image }), "a/one": fakeRepository({ v2: image, v1: image }) },
    });
    const ping = await call("/v2/");
    expect(ping).toMatchObject({ status: 200, text: "{}" });
    expect(ping.headers).toMatchObject({
      "docker-distribution-api-version": "registry/2.0",
      "content-type": "application/json; charset=utf-8",
      "content-length": "2",
    });
    expect((await call("/v2/a/one/tags/list?n=1")).text).toBe('{"name":"a/one","tags":["v1","v2"]}\n');
    const page = await call("/v2/_catalog?n=1");
    expect(page.json()).toEqual({ repositories: ["a/one"] });
    expect(page.headers.link).toBe('</v2/_catalog?last=a%2Fone&n=1>; rel="next"');
    expect((await call("/v2/_catalog?n=1&last=a/one")).headers.link).toBeUndefined();
  });

  it("uses distribution's error codes, messages and details", async () => {
    const { call } = setup();
    expect((await call("/v2/nope/tags/list")).text).toBe(
      '{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry","detail":{"name":"nope"}}]}\n',
    );
    expect((await call("/v2/demo/app/manifests/latest")).json()).toEqual({
      errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown", detail: { Tag: "latest" } }],
    });
    const digest = `sha256:${"0".repeat(64)}`;
    const blob = await call(`/v2/demo/app/blobs/${digest}`);
    expect(blob.status).toBe(404);
    expect(blob.json()).toEqual({
      errors: [{ code: "BLOB_UNKNOWN", message: "blob unknown to registry", detail: digest }],
    });
    const head = await call(`/v2/demo/app/blobs/${digest}`, { method: "HEAD" });
    expect(head).toMatchObject({ status: 404, text: "" });
    expect(head.headers["content-length"]).toBe("157");
    const upper = await call("/v2/Demo/tags/list");
    expect(upper).toMatchObject({ status: 404, text: "404 page not found\n" });
  });

  it("negotiates manifests by Accept as 2.8.2 does", async () => {
    const { call } = setup();
    const noAccept = await call("/v2/demo/app/manifests/v1");
    expect(noAccept.json()).toEqual({
      errors: [
        {
          code: "MANIFEST_UNKNOWN",
          message: "OCI manifest found, but accept header does not support OCI manifests",
        },
      ],
    });
    const ok = await call("/v2/demo/app/manifests/v1", { headers: { accept: MEDIA_TYPES.oci.manifest } });
    expect(ok.status).toBe(200);
    expect(ok.headers).toMatchObject({
      "content-type": MEDIA_TYPES.oci.manifest,
      "docker-content-digest": image.manifest.digest,
      etag: `"${image.manifest.digest}"`,
    });
    expect(sha256(ok.text)).toBe(image.manifest.digest);
    // A manifest list asked for by tag without its media type: the linux/amd64 child is served instead.
    const amd64 = dockerIndex.children.find((c) => c.platform.architecture === "amd64")!;
    const fallback = await call("/v2/demo/app/manifests/list", {
      headers: { accept: MEDIA_TYPES.docker.manifest },
    });
    expect(fallback.headers["docker-content-digest"]).toBe(amd64.manifest.digest);
    const list = await call("/v2/demo/app/manifests/list", { headers: { accept: MEDIA_TYPES.docker.index } });
    expect(list.headers["docker-content-digest"]).toBe(dockerIndex.index.digest);
    const notModified = await call("/v2/demo/app/manifests/v1", {
      headers: { accept: MEDIA_TYPES.oci.manifest, "if-none-match": `"${image.manifest.digest}"` },
    });
    expect(notModified).toMatchObject({ status: 304, text: "" });
  });

  it("serves blobs with ranges", async () => {
    const { call } = setup();
    const layer = image.layers[0]!;
    const full = await call(`/v2/demo/app/blobs/${layer.digest}`);
    expect(full.headers).toMatchObject({
      "accept-ranges": "bytes",
      "cache-control": "max-age=31536000",
      "content-type": "application/octet-stream",
      "docker-content-digest": layer.digest,
    });
    const part = await request(`${R}/v2/demo/app/blobs/${layer.digest}`, {
      dispatcher: setup().dispatcher,
      headers: { range: "bytes=10-19" },
    });
    expect(part.statusCode).toBe(206);
    expect(part.headers["content-range"]).toBe(`bytes 10-19/${layer.bytes.length}`);
    expect(Buffer.from(await part.body.arrayBuffer()).equals(layer.bytes.subarray(10, 20))).toBe(true);
    expect(
      (await call(`/v2/demo/app/blobs/${layer.digest}`, { headers: { range: "bytes=999999-" } })).status,
    ).toBe(416);
  });

  it("accepts a chunked upload, a manifest, a mount and deletes", async () => {
    const { call, handlers } = setup();
    const start = await call("/v2/new/repo/blobs/uploads/", { method: "POST" });
    expect(start.status).toBe(202);
    expect(start.headers.range).toBe("0-0");
    const location = new URL(start.headers.location as string);
    expect(location.searchParams.get("_state")).toBeTruthy();
    // As distribution 2.8 does, the fake refuses a chunk sent as text/plain (a string body's default type).
    const plain = await call(`${location.pathname}${location.search}`, { method: "PATCH", body: "hel" });
    expect(plain).toMatchObject({ status: 500 });
    const patch = await call(`${location.pathname}${location.search}`, {
      method: "PATCH",
      headers: { "content-type": "application/octet-stream" },
      body: "hel",
    });
    expect(patch).toMatchObject({ status: 202 });
    expect(patch.headers.range).toBe("0-2");
    const next = new URL(patch.headers.location as string);
    const bad = await call(`${next.pathname}${next.search}&digest=${sha256("nope")}`, {
      method: "PUT",
      body: "lo",
    });
    expect(bad.json()).toMatchObject({
      errors: [{ code: "DIGEST_INVALID", message: "provided digest did not match uploaded content" }],
    });

    const again = new URL(
      (await call("/v2/new/repo/blobs/uploads/", { method: "POST" })).headers.location as string,
    );
    const put = await call(`${again.pathname}${again.search}&digest=${sha256("hello")}`, {
      method: "PUT",
      body: "hello",
    });
    expect(put.status).toBe(201);
    expect(put.headers["docker-content-digest"]).toBe(sha256("hello"));
    expect(handlers.store.repository("new/repo")?.blobs.get(sha256("hello"))?.toString()).toBe("hello");

    const config = image.config;
    const mount = await call(`/v2/new/repo/blobs/uploads/?mount=${config.digest}&from=demo/app`, {
      method: "POST",
    });
    expect(mount.status).toBe(201);
    const missing = await call(`/v2/new/repo/manifests/v1`, {
      method: "PUT",
      headers: { "content-type": image.manifest.mediaType },
      body: image.manifest.bytes,
    });
    expect(missing.json()).toEqual({
      errors: [
        {
          code: "MANIFEST_BLOB_UNKNOWN",
          message: "blob unknown to registry",
          detail: image.layers[0]!.digest,
        },
      ],
    });
    await call(`/v2/new/repo/blobs/uploads/?mount=${image.layers[0]!.digest}&from=demo/app`, {
      method: "POST",
    });
    const manifest = await call(`/v2/new/repo/manifests/v1`, {
      method: "PUT",
      headers: { "content-type": image.manifest.mediaType },
      body: image.manifest.bytes,
    });
    expect(manifest.status).toBe(201);
    expect(manifest.headers["docker-content-digest"]).toBe(image.manifest.digest);

    expect((await call("/v2/new/repo/manifests/v1", { method: "DELETE" })).json()).toEqual({
      errors: [{ code: "DIGEST_INVALID", message: "provided digest did not match uploaded content" }],
    });
    expect((await call(`/v2/new/repo/manifests/${image.manifest.digest}`, { method: "DELETE" })).status).toBe(
      202,
    );
    expect((await call("/v2/new/repo/tags/list")).text).toBe('{"name":"new/repo","tags":null}\n');
  });

  it("refuses deletes when deleteEnabled is false", async () => {
    const { call } = setup({ deleteEnabled: false });
    const res = await call(`/v2/demo/app/manifests/${image.manifest.digest}`, { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.json()).toEqual({
      errors: [{ code: "UNSUPPORTED", message: "The operation is unsupported." }],
    });
  });
});

describe("distributionHandlers with basic auth", () => {
  it("challenges like htpasswd auth and accepts the user", async () => {
    const { call } = setup({ auth: { type: "basic" } });
    const ping = await call("/v2/");
    expect(ping.status).toBe(401);
    expect(ping.headers["www-authenticate"]).toBe('Basic realm="Registry Realm"');
    expect(ping.text).toBe(
      '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]}\n',
    );
    const tags = await call("/v2/demo/app/tags/list");
    expect(tags.json()).toEqual({
      errors: [
        {
          code: "UNAUTHORIZED",
          message: "authentication required",
          detail: [{ Type: "repository", Class: "", Name: "demo/app", Action: "pull" }],
        },
      ],
    });
    expect(
      (await call("/v2/", { headers: { authorization: basic("regatta", "regatta-secret") } })).status,
    ).toBe(200);
  });
});

describe("distributionHandlers with bearer auth", () => {
  it("runs the whole token dance in process", async () => {
    const { call, handlers } = setup({ auth: { type: "bearer" } });
    const challenge = await call("/v2/demo/app/tags/list");
    expect(challenge.status).toBe(401);
    expect(challenge.headers["www-authenticate"]).toBe(
      `Bearer realm="${R}/token",service="regatta-registry",scope="repository:demo/app:pull"`,
    );
    const tokenRes = await call("/token?service=regatta-registry&scope=repository:demo/app:pull", {
      headers: { authorization: basic("regatta", "regatta-secret") },
    });
    const { token } = tokenRes.json() as { token: string };
    const tags = await call("/v2/demo/app/tags/list", { headers: { authorization: `Bearer ${token}` } });
    expect(tags.json()).toEqual({ name: "demo/app", tags: ["list", "v1"] });
    const push = await call("/v2/demo/app/blobs/uploads/", {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(push.status).toBe(401);
    expect(push.headers["www-authenticate"]).toBe(
      `Bearer realm="${R}/token",service="regatta-registry",scope="repository:demo/app:pull,push",error="insufficient_scope"`,
    );
    const forged = await handlers.tokenEndpoint!.issuer.sign({ ttlSeconds: 60, signer: "foreign-key" });
    const invalid = await call("/v2/", { headers: { authorization: `Bearer ${forged}` } });
    expect(invalid.headers["www-authenticate"]).toBe(
      `Bearer realm="${R}/token",service="regatta-registry",error="invalid_token"`,
    );
    expect(handlers.tokenRequests).toEqual([
      {
        method: "GET",
        scopes: ["repository:demo/app:pull"],
        user: "regatta",
        service: "regatta-registry",
        status: 200,
      },
    ]);
    expect(handlers.requests.map((r) => `${r.method} ${r.path} ${r.status} ${r.authorized}`)).toEqual([
      "GET /v2/demo/app/tags/list 401 false",
      "GET /v2/demo/app/tags/list 200 true",
      "POST /v2/demo/app/blobs/uploads/ 401 true",
      "GET /v2/ 401 true",
    ]);
  });
});
