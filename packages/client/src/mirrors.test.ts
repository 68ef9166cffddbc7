/**
 * Registry mirrors (`hosts[registry].mirrors`, mirrors.ts): reads of a registry's manifests and blobs ask its
 * mirrors first, in order, then the registry itself; a mirror that is down, answers an error, lacks the content or
 * serves bytes that do not match their digest hands over to the next; an abort stops; tag lists and writes go to
 * the registry only; a mirror never sees the registry's credentials (containerd's hosts.toml mirrors,
 * https://github.com/containerd/containerd/blob/main/docs/hosts.md, and docker's registry-mirrors).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AbortError, NotFoundError, UsageError } from "@regatta/errors";
import { computeDigest, OCI_MANIFEST } from "@regatta/manifest";
import { type GeneratedImage, generateImage } from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "./connect.js";
import type { ClientContext } from "./context.js";
import type { HostSettings } from "./hosts.js";
import { readThroughMirrors } from "./mirrors.js";
import type { RegistryClient } from "./registry-client.js";
import {
  type Answer,
  type AnsweringRegistry,
  answeringRegistry,
  json,
  rejection,
  type SeenRequest,
} from "./test-answering-registry.js";

let image: GeneratedImage;
let manifest: Uint8Array;
let manifestDigest: string;
let otherManifest: Uint8Array;
/** The image's config and layers, and one more blob, by digest. */
const blobs = new Map<string, Uint8Array>();
const blob = new TextEncoder().encode("the layer's bytes");
const blobDigest = computeDigest(blob);

let servers: AnsweringRegistry[] = [];
let reg: RegistryClient | undefined;
let release: (() => void) | undefined;
beforeAll(async () => {
  image = await generateImage({ layers: [16], seed: "mirrors" });
  manifest = image.manifest.bytes;
  manifestDigest = computeDigest(manifest);
  otherManifest = (await generateImage({ layers: [16], seed: "mirrors-other" })).manifest.bytes;
  blobs.set(image.config.digest, image.config.bytes);
  for (const layer of image.layers) blobs.set(layer.digest, layer.bytes);
  blobs.set(blobDigest, blob);
  expect(manifestDigest).not.toBe(blobDigest);
});
afterEach(async () => {
  release?.();
  await reg?.close();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  reg = undefined;
});

interface Serving {
  /** Basic credentials required of every request. */
  login?: { username: string; password: string };
  /** Other bytes under the same digests. */
  wrong?: boolean;
}

/** The answer of a registry holding team/app:v1 (the manifest) and the blob. */
function content({ login, wrong }: Serving = {}) {
  return (request: SeenRequest): Answer => {
    if (login) {
      const basic = `Basic ${Buffer.from(`${login.username}:${login.password}`).toString("base64")}`;
      if (request.headers.authorization !== basic) {
        return json({ errors: [{ code: "UNAUTHORIZED" }] }, { "www-authenticate": 'Basic realm="r"' }, 401);
      }
    }
    const path = request.path.replace(/\?.*/, "");
    if (path === "/v2/") return json({});
    if (request.method === "PUT")
      return { status: 201, headers: { "docker-content-digest": manifestDigest } };
    if (path === "/v2/team/app/tags/list") return json({ name: "team/app", tags: ["v1"] });
    if (path === "/v2/team/app/manifests/v1" || path === `/v2/team/app/manifests/${manifestDigest}`) {
      // Wrong: another image's manifest, valid, so only its digest gives it away.
      const body = wrong ? otherManifest : manifest;
      return {
        headers: {
          "content-type": OCI_MANIFEST,
          "content-length": String(body.byteLength),
          ...(wrong ? {} : { "docker-content-digest": manifestDigest }),
        },
        ...(request.method === "HEAD" ? {} : { body }),
      };
    }
    const held = blobs.get(path.slice("/v2/team/app/blobs/".length));
    if (path.startsWith("/v2/team/app/blobs/") && held) {
      // Wrong: as many bytes, each changed, so only the digest at the end gives them away.
      const body = wrong ? held.map((b) => b ^ 1) : held;
      return {
        headers: { "content-length": String(body.byteLength) },
        ...(request.method === "HEAD" ? {} : { body }),
      };
    }
    return json({ errors: [{ code: "MANIFEST_UNKNOWN" }] }, {}, 404);
  };
}

async function serve(answer: (request: SeenRequest) => Answer | Promise<Answer>) {
  const server = await answeringRegistry(answer);
  servers.push(server);
  return server;
}

/** A loopback address nothing listens on. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

/** A client of `host` whose mirrors are `mirrors`, with `more` hosts settings. */
function client(host: AnsweringRegistry, mirrors: string[], own: HostSettings = {}, more = {}) {
  reg = createClient(host.url, {
    retry: { attempts: 0 },
    hosts: { [host.host]: { ...own, mirrors }, ...more },
  });
  return reg;
}

const paths = (server: AnsweringRegistry) =>
  server.seen.map((r) => `${r.method} ${r.path.replace(/\?.*/, "")}`);
const reads = (server: AnsweringRegistry) => paths(server).filter((p) => !p.endsWith("/v2/"));

describe("reads through mirrors", () => {
  it("takes manifests (GET and HEAD) and blobs from the first mirror that has them; the registry is not asked", async () => {
    const host = await serve(content());
    const empty = await serve(() => json({ errors: [{ code: "BLOB_UNKNOWN" }] }, {}, 404));
    const mirror = await serve(content());
    const r = client(host, [empty.host, mirror.host]);
    const got = await r.manifest(`${host.host}/team/app:v1`);
    expect(got.digest).toBe(manifestDigest);
    expect(got.reference.registry).toBe(host.host);
    expect(await r.digest(`${host.host}/team/app:v1`)).toBe(manifestDigest);
    expect(await r.blob(`${host.host}/team/app`, blobDigest).bytes()).toEqual(Buffer.from(blob));
    expect(reads(mirror)).toEqual([
      "GET /v2/team/app/manifests/v1",
      "HEAD /v2/team/app/manifests/v1",
      `GET /v2/team/app/blobs/${blobDigest}`,
    ]);
    expect(reads(empty)).toHaveLength(3);
    expect(host.seen).toEqual([]);
  });

  it("falls back to the registry from a mirror that is down, answers 500 or 404", async () => {
    const host = await serve(content());
    const failing = await serve(() => json({ errors: [{ code: "UNAVAILABLE" }] }, {}, 500));
    const missing = await serve(() => json({ errors: [{ code: "MANIFEST_UNKNOWN" }] }, {}, 404));
    const r = client(host, [await closedPort(), failing.host, missing.host]);
    const got = await r.manifest(`${host.host}/team/app@${manifestDigest}`);
    expect(Buffer.from(got.bytes)).toEqual(Buffer.from(manifest));
    expect(await r.blob(`${host.host}/team/app`, blobDigest).text()).toBe("the layer's bytes");
    expect(reads(failing)).toEqual([
      `GET /v2/team/app/manifests/${manifestDigest}`,
      `GET /v2/team/app/blobs/${blobDigest}`,
    ]);
    expect(reads(missing)).toEqual(reads(failing));
    expect(reads(host)).toEqual(reads(failing));
  });

  it("uses a mirror's own credentials, and never sends it the registry's", async () => {
    const upstream = { username: "up", password: "up-secret" };
    const own = { username: "mirror", password: "mirror-secret" };
    const host = await serve(content({ login: upstream }));
    const mirror = await serve(content({ login: own }));
    const r = client(host, [mirror.host], upstream, { [mirror.host]: own });
    expect((await r.manifest(`${host.host}/team/app:v1`)).digest).toBe(manifestDigest);
    expect(reads(host)).toEqual([]);
    const sent = mirror.seen.map((s) => s.headers.authorization).filter(Boolean);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.join(" ")).not.toContain(Buffer.from("up:up-secret").toString("base64"));
  });

  it("falls back from a mirror that refuses (401) without the registry's credentials reaching it", async () => {
    const upstream = { username: "up", password: "up-secret" };
    const host = await serve(content({ login: upstream }));
    const mirror = await serve(content({ login: { username: "someone", password: "else" } }));
    const r = client(host, [mirror.host], upstream);
    expect((await r.manifest(`${host.host}/team/app:v1`)).digest).toBe(manifestDigest);
    expect(reads(mirror).length).toBeGreaterThan(0);
    expect(mirror.seen.every((s) => s.headers.authorization === undefined)).toBe(true);
    expect(reads(host)).toEqual(["GET /v2/team/app/manifests/v1", "GET /v2/team/app/manifests/v1"]);
  });

  it("falls back from a mirror whose bytes do not match the digest, and returns the registry's", async () => {
    const host = await serve(content());
    const liar = await serve(content({ wrong: true }));
    const r = client(host, [liar.host]);
    const got = await r.manifest(`${host.host}/team/app@${manifestDigest}`);
    expect(Buffer.from(got.bytes)).toEqual(Buffer.from(manifest));
    expect(await r.blob(`${host.host}/team/app`, blobDigest).bytes()).toEqual(Buffer.from(blob));
    expect(reads(liar)).toEqual([
      `GET /v2/team/app/manifests/${manifestDigest}`,
      `GET /v2/team/app/blobs/${blobDigest}`,
    ]);
    expect(reads(host)).toEqual(reads(liar));
    const dir = mkdtempSync(join(tmpdir(), "regatta-mirrors-file-"));
    try {
      const saved = await r.blob(`${host.host}/team/app`, blobDigest).toFile(join(dir, "blob"));
      expect(readFileSync(saved.path)).toEqual(Buffer.from(blob));
      expect(reads(liar).filter((p) => p.includes("/blobs/"))).toHaveLength(2);
      expect(reads(host).filter((p) => p.includes("/blobs/"))).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("throws the registry's own error when everything fails, noting what each mirror answered", async () => {
    const host = await serve(() => json({ errors: [{ code: "MANIFEST_UNKNOWN" }] }, {}, 404));
    const failing = await serve(() => json({ errors: [{ code: "UNAVAILABLE" }] }, {}, 503));
    const down = await closedPort();
    const r = client(host, [failing.host, down]);
    const error = await rejection(r.manifest(`${host.host}/team/app:v1`), NotFoundError);
    expect(error.request?.url).toContain(host.host);
    expect(error.message).toContain(`mirrors tried first: ${failing.host} (RegistryError 503), ${down} (`);
    expect(error.message).not.toContain("\n");
  });

  it("stops at an abort: no fallback to the next mirror or the registry", async () => {
    const host = await serve(content());
    const controller = new AbortController();
    const waiting = new Promise<void>((resolve) => {
      release = resolve;
    });
    const hanging = await serve(async () => {
      controller.abort();
      await waiting;
      return json({}, {}, 500);
    });
    const next = await serve(content());
    const r = client(host, [hanging.host, next.host]);
    await rejection(r.manifest(`${host.host}/team/app:v1`, { signal: controller.signal }), AbortError);
    expect(reads(hanging)).toEqual(["GET /v2/team/app/manifests/v1"]);
    expect(next.seen).toEqual([]);
    expect(host.seen).toEqual([]);
  });
});

describe("pull and copy through mirrors", () => {
  const blobPaths = () =>
    [image.config.digest, ...image.layers.map((l) => l.digest)]
      .map((d) => `GET /v2/team/app/blobs/${d}`)
      .sort();
  const blobGets = (server: AnsweringRegistry) =>
    reads(server)
      .filter((p) => p.includes("/blobs/"))
      .sort();

  it("pulls from a mirror; wrong blob bytes from a mirror are fetched again from the registry", async () => {
    const dir = mkdtempSync(join(tmpdir(), "regatta-mirrors-pull-"));
    try {
      const host = await serve(content());
      const mirror = await serve(content());
      const r = client(host, [mirror.host]);
      await r.pull(`${host.host}/team/app:v1`, join(dir, "one.tar"));
      expect(blobGets(mirror)).toEqual(blobPaths());
      expect(host.seen).toEqual([]);
      const liar = await serve(content({ wrong: true }));
      const other = client(host, [liar.host]);
      await other.pull(`${host.host}/team/app@${manifestDigest}`, join(dir, "two.tar"));
      expect(blobGets(host)).toEqual(blobPaths());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("copies with the source's blobs from its mirror, and writes only to the target", async () => {
    const host = await serve(content());
    const mirror = await serve(content());
    const target = await serve((request) => {
      const path = request.path.replace(/\?.*/, "");
      if (path === "/v2/") return json({});
      if (request.method === "HEAD") return json({ errors: [{ code: "BLOB_UNKNOWN" }] }, {}, 404);
      if (request.method === "POST")
        return { status: 202, headers: { location: "/v2/team/app/blobs/uploads/u" } };
      const digest = /digest=([^&]+)/.exec(request.path)?.[1];
      const named = digest ? decodeURIComponent(digest) : computeDigest(request.body);
      return { status: 201, headers: { "docker-content-digest": named } };
    });
    const r = client(host, [mirror.host], {}, { [target.host]: { mirrors: [mirror.host] } });
    await r.copy(`${host.host}/team/app:v1`, `${target.host}/team/app:v1`);
    expect(blobGets(mirror)).toEqual(blobPaths());
    expect(reads(mirror)).toContain("GET /v2/team/app/manifests/v1");
    expect(host.seen).toEqual([]);
    // The target's own mirror is never asked whether the target holds something.
    expect(mirror.seen.filter((s) => s.method === "HEAD")).toEqual([]);
    expect(reads(target)).toContain("PUT /v2/team/app/manifests/v1");
  });
});

describe("readThroughMirrors", () => {
  const ctx = {
    mirrors: new Map([["up.example", ["one.example", "two.example"]]]),
  } as unknown as ClientContext;

  it.each([
    ["an AbortError from a mirror", AbortError],
    ["a caller's mistake, which every registry would refuse alike", UsageError],
  ])("stops at %s, asking nothing else", async (_what, Kind) => {
    const asked: string[] = [];
    const attempt = async (registry: string) => {
      asked.push(registry);
      throw new Kind("stop");
    };
    await rejection(readThroughMirrors(ctx, "up.example", attempt), Kind);
    expect(asked).toEqual(["one.example"]);
  });

  it("asks the mirrors in order, then the registry", async () => {
    const asked: string[] = [];
    const attempt = async (registry: string) => {
      asked.push(registry);
      if (registry !== "up.example") throw new Error("not here");
      return registry;
    };
    expect(await readThroughMirrors(ctx, "up.example", attempt)).toBe("up.example");
    expect(asked).toEqual(["one.example", "two.example", "up.example"]);
  });
});

describe("what never goes to a mirror", () => {
  it("tag lists and writes go to the registry only", async () => {
    const host = await serve(content());
    const mirror = await serve(content());
    const r = client(host, [mirror.host]);
    expect((await r.tags(`${host.host}/team/app`)).tags).toEqual(["v1"]);
    await r.putManifest(`${host.host}/team/app:v2`, manifest, { mediaType: OCI_MANIFEST });
    expect(mirror.seen).toEqual([]);
    expect(reads(host)).toEqual(["GET /v2/team/app/tags/list", "PUT /v2/team/app/manifests/v2"]);
    // The same client does read through the mirror: what stayed away from it above did so by rule.
    await r.manifest(`${host.host}/team/app:v1`);
    expect(reads(mirror)).toEqual(["GET /v2/team/app/manifests/v1"]);
  });

  it("a delete resolves its tag at the registry, not at a mirror", async () => {
    const host = await serve((request) =>
      request.method === "DELETE" ? { status: 202 } : content()(request),
    );
    const mirror = await serve(content());
    const r = client(host, [mirror.host]);
    await r.deleteManifest(`${host.host}/team/app:v1`, { force: true });
    expect(mirror.seen).toEqual([]);
    await r.digest(`${host.host}/team/app:v1`);
    expect(reads(mirror)).toEqual(["HEAD /v2/team/app/manifests/v1"]);
    expect(reads(host)).toContain(`DELETE /v2/team/app/manifests/${manifestDigest}`);
  });
});

describe("hosts[registry].mirrors", () => {
  it("is read from the Regatta config file, and checked there", async () => {
    const home = mkdtempSync(join(tmpdir(), "regatta-mirrors-"));
    try {
      mkdirSync(join(home, ".config", "regatta"), { recursive: true });
      const file = join(home, ".config", "regatta", "config.json");
      const host = await serve(content());
      const mirror = await serve(content());
      writeFileSync(file, JSON.stringify({ hosts: { [host.host]: { mirrors: [mirror.host] } } }));
      reg = createClient(host.url, { retry: { attempts: 0 }, env: { HOME: home } });
      expect((await reg.manifest(`${host.host}/team/app:v1`)).digest).toBe(manifestDigest);
      expect(reads(mirror)).toEqual(["GET /v2/team/app/manifests/v1"]);
      expect(host.seen).toEqual([]);
      writeFileSync(file, JSON.stringify({ hosts: { [host.host]: { mirrors: [host.host] } } }));
      expect(() => createClient(host.url, { env: { HOME: home } })).toThrow(/cannot be its own mirror/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("refuses a registry as its own mirror, and a mirror that is no registry name", () => {
    expect(() =>
      createClient("registry.example", { hosts: { "docker.io": { mirrors: ["index.docker.io"] } } }),
    ).toThrow(UsageError);
    expect(() =>
      createClient("registry.example", { hosts: { "docker.io": { mirrors: ["bad host!"] } } }),
    ).toThrow(/mirrors\[0\]: expected a registry name/);
    expect(() =>
      createClient("registry.example", { hosts: { "docker.io": { mirrors: "mirror.example" as never } } }),
    ).toThrow(/mirrors: expected a list of registry names/);
  });
});
