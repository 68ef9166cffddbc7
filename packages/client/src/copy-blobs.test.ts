/**
 * What copy does with each blob (module comment of copy.ts; the blob API is
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs): skipped when the target has
 * it, mounted within one registry, streamed from the source into the target otherwise, and never copied when it is
 * a Docker foreign layer that lives elsewhere. `force` sends everything again; `verify: false` leaves the digest to
 * the target. Progress events tell a display all of it.
 */
import { DigestMismatchError, RegistryError } from "@regatta/errors";
import {
  computeDigest,
  DOCKER_FOREIGN_LAYER,
  DOCKER_LAYER,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
} from "@regatta/manifest";
import {
  createMswDispatcher,
  distributionHandlers,
  fakeRepository,
  type GeneratedImage,
  generateImage,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "./connect.js";
import type { RegistryClient } from "./registry-client.js";
import { fakeRegistries } from "./test-answering-registry.js";
import type { TransferEvent } from "./transfer-events.js";

let image: GeneratedImage;
let docker: GeneratedImage;
let reg: RegistryClient | undefined;

beforeAll(async () => {
  image = await generateImage({ layers: [16, 32], seed: "copy-blobs" });
  docker = await generateImage({ layers: [16], seed: "copy-foreign", mediaTypes: "docker" });
});
afterEach(async () => {
  await reg?.close();
  reg = undefined;
});

const blobsOf = (i: GeneratedImage) => [i.config.descriptor, ...i.layers.map((l) => l.descriptor)];
const sizeOf = (i: GeneratedImage) => blobsOf(i).reduce((n, b) => n + b.size, 0);
const byDigest = <T extends { digest: string }>(list: T[]) =>
  [...list].sort((a, b) => a.digest.localeCompare(b.digest));

function open(dst: Parameters<typeof fakeRegistries>[0][string] = {}) {
  const opened = fakeRegistries({
    "src.test": { "team/app": fakeRepository({ v1: image }) },
    "dst.test": dst,
  });
  reg = opened.reg;
  return opened.handlers;
}
const blobRequests = (requests: { method: string; path: string }[]) =>
  requests.filter((r) => r.path.includes("/blobs/")).map((r) => `${r.method} ${r.path.replace(/\?.*/, "")}`);

describe("copy to another registry", () => {
  it("streams every blob from the source into the target, counting the bytes, and tells each step", async () => {
    const handlers = open();
    const events: TransferEvent[] = [];
    const result = await reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1", {
      onProgress: (e) => events.push(e),
    });
    const blobs = blobsOf(image);
    expect(byDigest(result.blobs)).toEqual(
      byDigest(blobs.map((b) => ({ digest: b.digest, size: b.size, outcome: "uploaded" }))),
    );
    expect(result.bytesUploaded).toBe(sizeOf(image));
    expect(result).toMatchObject({
      source: "src.test/team/app:v1",
      target: `dst.test/team/app:v1@${image.manifest.digest}`,
      digest: image.manifest.digest,
      sourceDigest: image.manifest.digest,
      mediaType: image.manifest.mediaType,
      rewritten: false,
      upToDate: false,
      manifests: [{ digest: image.manifest.digest, mediaType: image.manifest.mediaType, outcome: "pushed" }],
    });
    const stored = handlers["dst.test"].store.repository("team/app")!;
    expect(stored.tags!.get("v1")).toBe(image.manifest.digest);
    // Across registries there is nothing to mount from.
    const posts = handlers["dst.test"].requests.filter((r) => r.method === "POST");
    expect(posts).toHaveLength(3);
    for (const post of posts) expect(post.path).not.toContain("mount=");
    for (const b of blobs) expect(stored.blobs.has(b.digest)).toBe(true);

    const described = blobs.map((b) => ({ digest: b.digest, size: b.size, mediaType: b.mediaType }));
    expect(events[0]).toEqual({ type: "plan", blobs: described, bytes: sizeOf(image), manifests: 1 });
    for (const b of described) {
      const states = events.filter((e) => e.type === "blob" && e.digest === b.digest);
      expect(states.map((e) => (e as { state: string }).state)).toEqual([
        "started",
        ...states.slice(1, -1).map(() => "bytes"),
        "done",
      ]);
      expect(states[0]).toEqual({ type: "blob", state: "started", ...b, bytes: 0 });
      expect(states.at(-2)).toEqual({ type: "blob", state: "bytes", ...b, bytes: b.size });
      expect(states.at(-1)).toEqual({ type: "blob", state: "done", ...b, bytes: b.size });
    }
    expect(events.at(-1)).toEqual({
      type: "manifest",
      state: "pushed",
      digest: image.manifest.digest,
      mediaType: image.manifest.mediaType,
      reference: "dst.test/team/app:v1",
    });
  });

  it("skips the blobs the target has, sending none of them", async () => {
    const handlers = open({ "team/app": { blobs: fakeRepository({ x: image }).blobs ?? {} } });
    const result = await reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1");
    expect(result.blobs.map((b) => b.outcome)).toEqual(["skipped", "skipped", "skipped"]);
    expect(result.bytesUploaded).toBe(0);
    expect(blobRequests(handlers["src.test"].requests)).toEqual([]);
    expect(blobRequests(handlers["dst.test"].requests).every((r) => r.startsWith("HEAD "))).toBe(true);
    expect(handlers["dst.test"].store.repository("team/app")!.tags!.get("v1")).toBe(image.manifest.digest);
  });

  it("with force, sends every blob and the manifest again, asking nothing first", async () => {
    const handlers = open({ "team/app": fakeRepository({ v1: image }) });
    const result = await reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1", { force: true });
    expect(result.upToDate).toBe(false);
    expect(result.blobs.map((b) => b.outcome)).toEqual(["uploaded", "uploaded", "uploaded"]);
    expect(result.bytesUploaded).toBe(sizeOf(image));
    expect(handlers["dst.test"].requests.filter((r) => r.method === "HEAD")).toEqual([]);
    expect(result.manifests.map((m) => m.outcome)).toEqual(["pushed"]);
  });

  it("refuses a blob whose bytes are not its digest while it streams", async () => {
    const handlers = open();
    const layer = image.layers[0]!;
    const bad = Buffer.from(layer.bytes);
    bad[bad.length - 1]! ^= 1;
    handlers["src.test"].store.repository("team/app")!.blobs.set(layer.digest, bad);
    const error = await reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as Error).message).toContain(`get blob ${layer.digest} from src.test/team/app`);
    expect(handlers["dst.test"].store.repository("team/app")?.tags?.get("v1")).toBeUndefined();
  });

  it("with verify: false leaves the check to the target, which refuses the blob", async () => {
    const handlers = open();
    const layer = image.layers[0]!;
    const bad = Buffer.from(layer.bytes);
    bad[bad.length - 1]! ^= 1;
    handlers["src.test"].store.repository("team/app")!.blobs.set(layer.digest, bad);
    const error = await reg!
      .copy("src.test/team/app:v1", "dst.test/team/app:v1", { verify: false })
      .catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(DigestMismatchError);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe("DIGEST_INVALID");
  });

  it("stops at the caller's abort signal", async () => {
    const handlers = open();
    const error = await reg!
      .copy("src.test/team/app:v1", "dst.test/team/app:v1", { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(handlers["src.test"].requests).toEqual([]);
    expect(handlers["dst.test"].requests).toEqual([]);
  });

  it("surfaces a target that fails to say what it holds, rather than taking it for absent", async () => {
    const handlers = open();
    handlers["dst.test"].inject({ status: 500, error: { code: "UNKNOWN" }, route: "manifest" });
    const error = await reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(500);
    expect(handlers["dst.test"].requests.filter((r) => r.method === "PUT")).toEqual([]);
  });
});

describe("copy within one registry", () => {
  it("mounts the blobs from the source repository, uploading nothing", async () => {
    const handlers = open();
    const events: TransferEvent[] = [];
    const result = await reg!.copy("src.test/team/app:v1", "src.test/other/app:v1", {
      onProgress: (e) => events.push(e),
    });
    expect(result.blobs.map((b) => b.outcome)).toEqual(["mounted", "mounted", "mounted"]);
    expect(result.bytesUploaded).toBe(0);
    const blobEvents = events.filter((e) => e.type === "blob");
    expect(byDigest(blobEvents as { digest: string }[])).toEqual(
      byDigest(
        blobsOf(image).map((b) => ({
          type: "blob",
          state: "mounted",
          digest: b.digest,
          size: b.size,
          mediaType: b.mediaType,
          bytes: 0,
          from: "src.test/team/app",
        })),
      ),
    );
    const requests = handlers["src.test"].requests;
    expect(requests.filter((r) => r.method === "GET" && r.path.includes("/blobs/"))).toEqual([]);
    expect(requests.filter((r) => r.method === "POST").every((r) => r.path.includes("from=team%2Fapp"))).toBe(
      true,
    );
  });

  it("into the same repository, with force, skips every blob without asking", async () => {
    const handlers = open();
    const result = await reg!.copy("src.test/team/app:v1", "src.test/team/app:v2", { force: true });
    expect(result.blobs.map((b) => b.outcome)).toEqual(["skipped", "skipped", "skipped"]);
    expect(blobRequests(handlers["src.test"].requests)).toEqual([]);
    expect(handlers["src.test"].store.repository("team/app")!.tags!.get("v2")).toBe(image.manifest.digest);
  });

  it("into the same repository, sends only the tag: the manifest is there, and so are its blobs", async () => {
    const handlers = open();
    const events: TransferEvent[] = [];
    const result = await reg!.copy("src.test/team/app:v1", "src.test/team/app:v2", {
      onProgress: (e) => events.push(e),
    });
    expect(result.blobs).toEqual([]);
    expect(events[0]).toEqual({ type: "plan", blobs: [], bytes: 0, manifests: 1 });
    expect(blobRequests(handlers["src.test"].requests)).toEqual([]);
    expect(handlers["src.test"].requests.filter((r) => r.method === "PUT").map((r) => r.path)).toEqual([
      "/v2/team/app/manifests/v2",
    ]);
  });
});

describe("copy of a Docker foreign layer", () => {
  const layerBytes = Buffer.from("a foreign layer");

  /** A Docker image whose second layer is foreign, with `urls` or without; the source holds its bytes. */
  function withForeignLayer(urls: string[] | undefined, mediaType = DOCKER_FOREIGN_LAYER) {
    const foreign = {
      mediaType,
      digest: computeDigest(layerBytes),
      size: layerBytes.byteLength,
      ...(urls ? { urls } : {}),
    };
    const manifest = JSON.parse(Buffer.from(docker.manifest.bytes).toString()) as { layers: unknown[] };
    manifest.layers.push(foreign);
    const bytes = Buffer.from(JSON.stringify(manifest));
    const digest = computeDigest(bytes);
    const content = fakeRepository({ v1: docker });
    content.manifests![digest] = { bytes, mediaType: DOCKER_MANIFEST };
    content.blobs![foreign.digest] = layerBytes;
    content.tags = { v1: digest };
    return { foreign, content, digest };
  }

  it("leaves a foreign layer with URLs where it lives", async () => {
    const { foreign, content, digest } = withForeignLayer(["https://layers.example/f"]);
    // The fake target, unlike distribution with an allow-list of layer URLs, wants every layer present.
    const present = { "win/app": { blobs: { [foreign.digest]: layerBytes } } };
    const opened = fakeRegistries({ "src.test": { "win/app": content }, "dst.test": present });
    reg = opened.reg;
    const events: TransferEvent[] = [];
    const result = await reg.copy("src.test/win/app:v1", "dst.test/win/app:v1", {
      onProgress: (e) => events.push(e),
    });
    expect(result.digest).toBe(digest);
    const done = { digest: foreign.digest, size: foreign.size, outcome: "foreign" };
    expect(result.blobs).toContainEqual(done);
    expect(events).toContainEqual({
      type: "blob",
      state: "skipped",
      foreign: true,
      digest: foreign.digest,
      size: foreign.size,
      mediaType: DOCKER_FOREIGN_LAYER,
      bytes: 0,
    });
    expect(opened.handlers["src.test"].requests.some((r) => r.path.includes(foreign.digest))).toBe(false);
    expect(opened.handlers["dst.test"].requests.some((r) => r.path.includes(foreign.digest))).toBe(false);
  });

  it.each([
    ["a foreign layer without URLs", undefined, DOCKER_FOREIGN_LAYER],
    ["an ordinary layer with URLs", ["https://layers.example/f"], DOCKER_LAYER],
  ])("copies %s like any other blob", async (_what, urls, mediaType) => {
    const { foreign, content } = withForeignLayer(urls, mediaType);
    const opened = fakeRegistries({ "src.test": { "win/app": content }, "dst.test": {} });
    reg = opened.reg;
    const result = await reg.copy("src.test/win/app:v1", "dst.test/win/app:v1");
    expect(result.blobs).toContainEqual({ digest: foreign.digest, size: foreign.size, outcome: "uploaded" });
    expect(opened.handlers["dst.test"].store.repository("win/app")!.blobs.has(foreign.digest)).toBe(true);
  });
});

describe("copy of a manifest that names no mediaType", () => {
  it("pushes it, and its children, as the media type the source served", async () => {
    // A Docker image whose body leaves mediaType out (distribution refuses that on push, other registries do not):
    // only the source's Content-Type says what it is.
    const { mediaType: _, ...rest } = JSON.parse(Buffer.from(docker.manifest.bytes).toString()) as object & {
      mediaType: unknown;
    };
    const child = Buffer.from(JSON.stringify(rest));
    const list = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST_LIST,
        manifests: [
          {
            mediaType: DOCKER_MANIFEST,
            digest: computeDigest(child),
            size: child.byteLength,
            platform: docker.platform,
          },
        ],
      }),
    );
    const content = fakeRepository({ v1: docker });
    content.manifests![computeDigest(child)] = { bytes: child, mediaType: DOCKER_MANIFEST };
    content.manifests![computeDigest(list)] = { bytes: list, mediaType: DOCKER_MANIFEST_LIST };
    content.tags = { image: computeDigest(child), list: computeDigest(list) };
    // The target takes any manifest, holds every blob and no manifest, and records what it was sent.
    const sent: string[] = [];
    const dispatcher = createMswDispatcher(
      distributionHandlers({ host: "src.test", repos: { "team/app": content } }),
      {
        onUnhandledRequest: (request) => {
          const { pathname } = new URL(request.url);
          if (request.method === "PUT") sent.push(`${pathname} ${request.headers.get("content-type")}`);
          const status = request.method === "PUT" ? 201 : pathname.includes("/blobs/") ? 200 : 404;
          return new Response(null, { status, headers: { "content-length": "1" } });
        },
      },
    );
    reg = createClient("src.test", { dispatcher, retry: { attempts: 0 } });
    await reg.copy("src.test/team/app:image", "dst.test/team/app:image");
    await reg.copy("src.test/team/app:list", "dst.test/team/app:list");
    expect(sent).toEqual([
      `/v2/team/app/manifests/image ${DOCKER_MANIFEST}`,
      `/v2/team/app/manifests/${computeDigest(child)} ${DOCKER_MANIFEST}`,
      `/v2/team/app/manifests/list ${DOCKER_MANIFEST_LIST}`,
    ]);
  });
});
