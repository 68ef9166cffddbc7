/**
 * Contract tests of the write path against registries that answer uploads differently from distribution 2.8: the
 * test kit's msw fake of distribution, served on a loopback socket, behind a proxy that bends its answers the way
 * other registries (or the proxies in front of them) do.
 */
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import {
  distributionHandlers,
  type FaultProxy,
  type FaultRule,
  fakeRepository,
  generateImage,
  type RegistryHandlers,
  type ServedHandlers,
  serveHandlers,
  startFaultProxy,
} from "@regatta/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createClient, DigestMismatchError, type RegistryClient } from "../index.js";

const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

let handlers: RegistryHandlers;
let served: ServedHandlers;
let proxy: FaultProxy;
let reg: RegistryClient;
let image: Awaited<ReturnType<typeof generateImage>>;

beforeEach(async () => {
  image = await generateImage({ layers: [150_000], seed: "contract" });
  handlers = distributionHandlers({ repos: { "src/app": fakeRepository({ v1: image }) } });
  served = await serveHandlers(handlers);
});
afterEach(async () => {
  await reg?.close();
  await proxy?.close();
  await served.close();
});

/** A registry behind a proxy bending its answers; the client speaks to the proxy. */
async function registry(rules: FaultRule[] = []): Promise<void> {
  proxy = await startFaultProxy(served.url, rules);
  reg = createClient(proxy.host, { retry: { attempts: 0 } });
}
const stored = (repo: string, digest: string) => handlers.store.repository(repo)?.blobs.get(digest);
const uploads = () => proxy.requests.filter((r) => r.path.includes("/blobs/uploads/"));

describe("a registry that answers 202 to a mount (no cross-repository mount)", () => {
  // Such a registry opens an ordinary session whatever the query says.
  const noMount: FaultRule[] = [
    {
      times: Number.POSITIVE_INFINITY,
      fault: { type: "rewrite-path", rewrite: (path) => path.replace(/\?mount=[^&]+&from=[^&]+$/, "") },
    },
  ];
  it("copy falls back to streaming each blob from the source", async () => {
    await registry(noMount);
    const result = await reg.copy(`${proxy.host}/src/app:v1`, `${proxy.host}/dst/app:v1`);
    expect(result.digest).toBe(image.manifest.digest);
    expect(result.blobs.map((b) => b.outcome)).toEqual(["uploaded", "uploaded"]);
    const posts = uploads().filter((r) => r.method === "POST");
    expect(posts.map((r) => r.path).sort()).toEqual(
      [image.config.digest, image.layers[0]!.digest]
        .map((d) => `/v2/dst/app/blobs/uploads/?mount=${encodeURIComponent(d)}&from=src%2Fapp`)
        .sort(),
    );
    expect(stored("dst/app", image.layers[0]!.digest)?.equals(image.layers[0]!.bytes)).toBe(true);
  });

  it("mountBlob reports the fallback as not mounted, with the blob in place", async () => {
    await registry(noMount);
    const layer = image.layers[0]!;
    const done = await reg.mountBlob("src/app", "dst/other", layer.digest, { size: layer.bytes.length });
    expect(done).toMatchObject({ digest: layer.digest, mounted: false, skipped: false });
    expect(stored("dst/other", layer.digest)?.equals(layer.bytes)).toBe(true);
  });

  it("when the registry mounts (201), nothing is streamed", async () => {
    await registry();
    const layer = image.layers[0]!;
    const done = await reg.mountBlob("src/app", "dst/other", layer.digest);
    expect(done.mounted).toBe(true);
    expect(proxy.requests.filter((r) => r.path.includes(`/blobs/${layer.digest}`))).toEqual([]);
  });
});

describe("a registry that needs chunked uploads (bodies over 64 KiB refused with 413, OCI-Chunk-Min-Length)", () => {
  const LIMIT = 64 * 1024;
  const MIN = 16 * 1024;
  const chunkedOnly: FaultRule[] = [
    {
      when: (req) => Number(req.headers["content-length"] ?? 0) > LIMIT,
      times: Number.POSITIVE_INFINITY,
      fault: { type: "status", status: 413 },
    },
    {
      method: "POST",
      times: Number.POSITIVE_INFINITY,
      fault: { type: "headers", rewrite: (headers) => ({ ...headers, "oci-chunk-min-length": String(MIN) }) },
    },
  ];

  it("pushBlob from a file-like source goes on in chunks after the 413", async () => {
    await registry(chunkedOnly);
    const bytes = randomBytes(200 * 1024);
    const pushed = await reg.pushBlob("big/blob", () => Readable.from([bytes]), {
      digest: sha256(bytes),
      size: bytes.length,
    });
    expect(pushed.digest).toBe(sha256(bytes));
    expect(pushed.recoveries).toBe(1);
    const patches = uploads().filter((r) => r.method === "PATCH");
    expect(patches.length).toBeGreaterThan(1);
    for (const p of patches) expect(p.bytes).toBeLessThanOrEqual(LIMIT);
    for (const p of patches.slice(0, -1)) expect(p.bytes).toBeGreaterThanOrEqual(MIN);
    expect(stored("big/blob", sha256(bytes))?.equals(bytes)).toBe(true);
  });

  it("pushBlob from bytes: the single POST is refused too, then the same", async () => {
    await registry(chunkedOnly);
    const bytes = randomBytes(100 * 1024);
    const pushed = await reg.pushBlob("big/bytes", bytes);
    expect(pushed.digest).toBe(sha256(bytes));
    expect(uploads()[0]?.path).toContain("?digest=");
    expect(stored("big/bytes", sha256(bytes))?.equals(bytes)).toBe(true);
  });

  it("a requested chunk size below the registry's minimum is raised to it", async () => {
    await registry(chunkedOnly);
    const bytes = randomBytes(40 * 1024);
    await reg.pushBlob("big/min", () => Readable.from([bytes]), { chunkSize: 4096 });
    expect(
      uploads()
        .filter((r) => r.method === "PATCH")
        .map((r) => r.bytes),
    ).toEqual([MIN, MIN, 8 * 1024]);
  });

  it("copy of an image with a 150 kB layer into it", async () => {
    await registry(chunkedOnly);
    const result = await reg.copy(`${proxy.host}/src/app:v1`, `${proxy.host}/other/app:v1`, { force: true });
    expect(result.digest).toBe(image.manifest.digest);
    expect(stored("other/app", image.layers[0]!.digest)?.equals(image.layers[0]!.bytes)).toBe(true);
  });
});

describe("relative and absolute upload Locations", () => {
  const relative: FaultRule[] = [
    {
      times: Number.POSITIVE_INFINITY,
      fault: {
        type: "headers",
        rewrite: (headers) =>
          headers.location
            ? {
                ...headers,
                location:
                  new URL(headers.location, "http://x").pathname +
                  new URL(headers.location, "http://x").search,
              }
            : headers,
      },
    },
  ];

  for (const [name, options] of [
    ["relative (/v2/…)", relative],
    ["absolute (http://host/v2/…)", []],
  ] as const) {
    it(`${name}: monolithic, streamed and chunked uploads all follow them`, async () => {
      await registry([...options]);
      const bytes = randomBytes(50_000);
      const digest = sha256(bytes);
      await reg.pushBlob("loc/mono", () => Readable.from([bytes]), { digest });
      await reg.pushBlob("loc/stream", Readable.from([bytes]));
      await reg.pushBlob("loc/chunks", () => Readable.from([bytes]), { chunkSize: 16_384 });
      for (const repo of ["loc/mono", "loc/stream", "loc/chunks"])
        expect(stored(repo, digest)?.equals(bytes)).toBe(true);
      const locations = handlers.requests.filter((r) => r.method === "PATCH" || r.method === "PUT");
      expect(locations.length).toBeGreaterThan(4);
    });
  }
});

describe("putManifest checks what the registry says it stored", () => {
  it("a Docker-Content-Digest other than the bytes' digest is a DigestMismatchError", async () => {
    const other = `sha256:${"0".repeat(64)}`;
    await registry([
      {
        method: "PUT",
        path: /\/manifests\//,
        times: Number.POSITIVE_INFINITY,
        fault: { type: "digest", digest: other },
      },
    ]);
    const err = await reg.putManifest("src/app:again", image.manifest.bytes).catch((e) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(err.message).toContain(`stored the manifest as ${other}`);
  });

  it("a reference whose digest is not the bytes' digest is refused before anything is sent", async () => {
    await registry();
    const err = await reg
      .putManifest(`src/app@sha256:${"1".repeat(64)}`, image.manifest.bytes)
      .catch((e) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(proxy.requests).toEqual([]);
  });

  it("an object is serialised once and its digest reported; the media type comes from the manifest", async () => {
    await registry();
    const manifest = JSON.parse(new TextDecoder().decode(image.manifest.bytes)) as object;
    const pushed = await reg.putManifest("src/app:object", manifest);
    expect(pushed.mediaType).toBe(image.manifest.mediaType);
    const stored = handlers.store.repository("src/app")?.manifests.get(pushed.digest);
    expect(stored && sha256(stored.bytes)).toBe(pushed.digest);
  });
});
