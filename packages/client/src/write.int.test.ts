import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import {
  type FaultProxy,
  type FaultRule,
  generateImage,
  generateIndex,
  pushImage,
  type RunningRegistry,
  startFaultProxy,
  useRegistry,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createClient,
  NotFoundError,
  type RegistryClient,
  RegistryError,
  UnsupportedError,
} from "./index.js";

const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const USER = { username: "regatta", password: "regatta-secret" };

/** Clients and proxies opened by a test, closed after it. */
const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of opened.splice(0)) await thing.close();
});
function client(registry: string, options: Parameters<typeof createClient>[1] = {}): RegistryClient {
  const reg = createClient(registry, { retry: { attempts: 0 }, ...options });
  opened.push(reg);
  return reg;
}
async function proxy(registry: RunningRegistry, rules: FaultRule[] = []) {
  const p = await startFaultProxy(registry.url, rules);
  opened.push(p);
  return p;
}
const count = (p: FaultProxy, method: string, path: RegExp) => p.count(method, path);
/** Blob uploads that carried bytes (PATCH, or a PUT whose body was not empty). */
const dataRequests = (p: FaultProxy) =>
  p.requests.filter(
    (r) => (r.method === "PATCH" || r.method === "PUT") && /\/blobs\/uploads\//.test(r.path) && r.bytes > 0,
  );

describe("writing to a real registry (anonymous)", () => {
  const a = useRegistry("none");
  const b = useRegistry("none");
  let index: Awaited<ReturnType<typeof generateIndex>>;
  let sibling: Awaited<ReturnType<typeof generateIndex>>;

  beforeAll(async () => {
    const platforms = ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"];
    index = await generateIndex({ platforms, layers: [4096, 20_000] });
    // Same layers (same seed), other configs: an image that shares every layer with `index`.
    sibling = await generateIndex({ platforms, layers: [4096, 20_000], labels: { release: "2" } });
    await pushImage(a.url, "src/app", "v1", index);
    await pushImage(a.url, "src/app", "v2", sibling);
  }, 60_000);

  it("pushes a blob from bytes (single POST tried, then PUT) and skips it the second time", async () => {
    const p = await proxy(b);
    const reg = client(p.host);
    const bytes = randomBytes(5000);
    const first = await reg.pushBlob("blobs/bytes", bytes);
    expect(first).toMatchObject({ digest: sha256(bytes), size: 5000, skipped: false, mounted: false });
    const again = await reg.pushBlob("blobs/bytes", bytes);
    expect(again).toMatchObject({ skipped: true, size: 5000 });
    expect(count(p, "POST", /uploads/)).toBe(1);
    expect(Buffer.from(await reg.blob("blobs/bytes", first.digest).bytes()).equals(bytes)).toBe(true);
  });

  it("pushes a stream of unknown digest: one streamed PATCH, hashed on the fly", async () => {
    const p = await proxy(b);
    const reg = client(p.host);
    const bytes = randomBytes(70_000);
    const pushed = await reg.pushBlob(
      "blobs/stream",
      Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]),
    );
    expect(pushed.digest).toBe(sha256(bytes));
    // (a GET /v2/ first: a body that cannot be replayed waits until the registry's challenge is known)
    expect(p.requests.filter((r) => r.path !== "/v2/").map((r) => r.method)).toEqual([
      "POST",
      "PATCH",
      "PUT",
    ]);
    expect(await reg.blob("blobs/stream", pushed.digest).exists()).toBe(true);
  });

  it("uploads in chunks of a small size, each PATCH to the Location the last answer gave", async () => {
    const p = await proxy(b);
    const reg = client(p.host);
    const bytes = randomBytes(300 * 1024);
    const pushed = await reg.pushBlob("blobs/chunked", () => Readable.from([bytes]), {
      chunkSize: 64 * 1024,
    });
    expect(pushed.digest).toBe(sha256(bytes));
    expect(count(p, "PATCH", /uploads/)).toBe(5);
    expect(p.requests.filter((r) => r.method === "PATCH").map((r) => r.bytes)).toEqual([
      65536, 65536, 65536, 65536, 45056,
    ]);
    expect(Buffer.from(await reg.blob("blobs/chunked", pushed.digest).bytes()).equals(bytes)).toBe(true);
  });

  it("resumes an upload whose connection was cut before the registry saw the chunk (GET → Range → go on)", async () => {
    const p = await proxy(b, [{ method: "PATCH", skip: 2, fault: { type: "cut-request" } }]);
    const reg = client(p.host);
    const bytes = randomBytes(5 * 64 * 1024);
    // A one-shot stream: only the chunk in flight is kept, and it is enough.
    const pushed = await reg.pushBlob("blobs/resumed", Readable.from([bytes]), { chunkSize: 64 * 1024 });
    expect(pushed).toMatchObject({ digest: sha256(bytes), recoveries: 1 });
    expect(p.faulted("cut-request")).toHaveLength(1);
    expect(count(p, "GET", /\/blobs\/uploads\/.+/)).toBe(1);
    expect(count(p, "POST", /uploads/)).toBe(1); // the same session all along
    expect(count(p, "PATCH", /uploads/)).toBe(6);
    expect(Buffer.from(await reg.blob("blobs/resumed", pushed.digest).bytes()).equals(bytes)).toBe(true);
  });

  it("starts over when the cut left the registry with part of a chunk (distribution drops such a session)", async () => {
    const p = await proxy(b, [
      { method: "PATCH", skip: 1, fault: { type: "cut-request", afterBytes: 10_000 } },
    ]);
    const reg = client(p.host);
    const bytes = randomBytes(4 * 64 * 1024);
    const pushed = await reg.pushBlob("blobs/restarted", () => Readable.from([bytes]), {
      chunkSize: 64 * 1024,
    });
    expect(pushed.digest).toBe(sha256(bytes));
    expect(pushed.recoveries).toBeGreaterThanOrEqual(1);
    expect(count(p, "POST", /uploads/)).toBe(2);
    expect(Buffer.from(await reg.blob("blobs/restarted", pushed.digest).bytes()).equals(bytes)).toBe(true);
  });

  it("puts a manifest as exact bytes and checks the registry's digest; a missing blob is a clear MANIFEST_BLOB_UNKNOWN", async () => {
    const reg = client(b.host);
    const image = await generateImage({ layers: 2, seed: "put" });
    const err = await reg.putManifest("manifests/app:1", image.manifest.bytes).catch((e) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.code).toBe("MANIFEST_BLOB_UNKNOWN");
    expect(err.message).toContain("lacks blobs the manifest references");
    expect(err.message).toContain(image.layers[0]!.digest);
    for (const blob of [image.config, ...image.layers]) await reg.pushBlob("manifests/app", blob.bytes);
    // Re-indented JSON has another digest: the bytes given are the bytes sent.
    const pretty = new TextEncoder().encode(
      JSON.stringify(JSON.parse(new TextDecoder().decode(image.manifest.bytes)), null, 3),
    );
    const pushed = await reg.putManifest("manifests/app:1", pretty);
    expect(pushed.digest).toBe(sha256(pretty));
    expect(pushed.mediaType).toBe(image.manifest.mediaType);
    expect(await reg.digest("manifests/app:1")).toBe(sha256(pretty));
    const exact = await reg.putManifest("manifests/app:2", image.manifest.bytes);
    expect(exact.digest).toBe(image.manifest.digest);
  });

  it("copies a multi-platform index to another registry, digest for digest", async () => {
    const p = await proxy(b);
    const reg = client(p.host);
    const result = await reg.copy(`${a.host}/src/app:v1`, `${p.host}/mirror/app`);
    expect(result.digest).toBe(index.index.digest);
    expect(result.rewritten).toBe(false);
    expect(result.blobs).toHaveLength(9); // 3 configs + 6 layers
    expect(result.blobs.every((blob) => blob.outcome === "uploaded")).toBe(true);
    expect(result.manifests.map((m) => m.outcome)).toEqual(["pushed", "pushed", "pushed", "pushed"]);
    expect(await reg.digest(`${p.host}/mirror/app:v1`)).toBe(await reg.digest(`${a.host}/src/app:v1`));
    // Manifests after blobs, the tag last.
    const puts = p.requests.filter((r) => r.method === "PUT");
    expect(puts.at(-1)?.path).toBe("/v2/mirror/app/manifests/v1");
    const lastBlob = p.requests.map((r) => r.path).findLastIndex((path) => path.includes("/blobs/uploads/"));
    const firstManifest = p.requests.findIndex((r) => r.method === "PUT" && r.path.includes("/manifests/"));
    expect(firstManifest).toBeGreaterThan(lastBlob);

    // Again: the target has it all, nothing is sent.
    p.requests.length = 0;
    const again = await reg.copy(`${a.host}/src/app:v1`, `${p.host}/mirror/app`);
    expect(again.upToDate).toBe(true);
    expect(p.requests.map((r) => r.method)).toEqual(["HEAD"]);

    // An image sharing every layer: only the configs travel (counted at the target, by request).
    p.requests.length = 0;
    const shared = await reg.copy(`${a.host}/src/app:v2`, `${p.host}/mirror/app`);
    expect(shared.digest).toBe(sibling.index.digest);
    const layers = new Set(index.children.flatMap((c) => c.layers.map((l) => l.digest)));
    expect(
      shared.blobs.filter((blob) => layers.has(blob.digest)).every((blob) => blob.outcome === "skipped"),
    ).toBe(true);
    expect(count(p, "POST", /\/blobs\/uploads\//)).toBe(3);
    const sentDigests = p.requests
      .filter((r) => r.method === "PUT" && r.path.includes("/blobs/uploads/"))
      .map((r) => decodeURIComponent(/digest=([^&]+)/.exec(r.path)?.[1] ?? ""));
    expect(sentDigests.filter((d) => layers.has(d))).toEqual([]);
    expect(sentDigests.sort()).toEqual(sibling.children.map((c) => c.config.digest).sort());
  });

  it("copies within one registry by mounting every blob from the source repository", async () => {
    const p = await proxy(a);
    const reg = client(p.host);
    const result = await reg.copy(`${p.host}/src/app:v1`, `${p.host}/team/copy:v1`);
    expect(result.digest).toBe(index.index.digest);
    expect(result.blobs.map((blob) => blob.outcome)).toEqual(Array(9).fill("mounted"));
    expect(result.bytesUploaded).toBe(0);
    expect(count(p, "POST", /\/blobs\/uploads\/\?mount=.*&from=src%2Fapp/)).toBe(9);
    expect(dataRequests(p)).toEqual([]);
    expect(count(p, "GET", /\/blobs\/sha256:/)).toBe(0);
  });

  it("copies chosen platforms only, rewriting the index", async () => {
    const reg = client(b.host);
    const result = await reg.copy(`${a.host}/src/app:v1`, `${b.host}/mirror/arm`, {
      platforms: ["linux/arm64"],
    });
    expect(result.rewritten).toBe(true);
    expect(result.digest).not.toBe(index.index.digest);
    const got = await reg.manifest(`${b.host}/mirror/arm:v1`);
    const listed = (got.manifest as { manifests: { platform: { architecture: string } }[] }).manifests;
    expect(listed.map((m) => m.platform.architecture)).toEqual(["arm64"]);
    expect(result.blobs).toHaveLength(3);
    const err = await reg
      .copy(`${a.host}/src/app:v1`, `${b.host}/mirror/none`, { platforms: ["windows/amd64"] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toContain("linux/arm64/v8");
  });

  it("a copy whose upload is cut mid-blob starts that blob over from the source and completes", async () => {
    const big = await generateImage({ layers: [600_000], seed: "cut" });
    await pushImage(a.url, "src/big", "1", big);
    const p = await proxy(b, [
      {
        method: "PUT",
        when: (req) => Number(req.headers["content-length"]) >= 500_000,
        fault: { type: "cut-request", afterBytes: 100_000 },
      },
    ]);
    const reg = client(p.host);
    const result = await reg.copy(`${a.host}/src/big:1`, `${p.host}/mirror/big`, { concurrency: 1 });
    expect(result.digest).toBe(big.manifest.digest);
    expect(p.faulted("cut-request")).toHaveLength(1);
    // The session was asked where it stood: the Location had gone stale, so the blob started over from the source.
    expect(count(p, "GET", /\/blobs\/uploads\/.+/)).toBe(1);
    expect(count(p, "POST", /\/blobs\/uploads\//)).toBe(3);
    expect(await reg.digest(`${p.host}/mirror/big:1`)).toBe(big.manifest.digest);
  });

  it("tags without moving blobs, and deletes: tag (untag on distribution 2.8), manifest, blob, repository", async () => {
    const p = await proxy(b);
    const reg = client(p.host);
    await reg.copy(`${a.host}/src/app:v1`, `${p.host}/del/app`);
    p.requests.length = 0;
    const tagged = await reg.tag(`${p.host}/del/app:v1`, "v1-copy");
    expect(tagged.digest).toBe(index.index.digest);
    expect(p.requests.filter((r) => r.path.includes("/blobs/"))).toEqual([]);
    expect((await reg.tags(`${p.host}/del/app`)).tags.sort()).toEqual(["v1", "v1-copy"]);

    // distribution 2.8 has no tag delete: the tag goes through a throwaway manifest, the other tag stays.
    const untagged = await reg.deleteTag(`${p.host}/del/app:v1-copy`);
    expect(untagged).toMatchObject({ method: "untag", digest: index.index.digest, kept: ["v1"] });
    expect((await reg.tags(`${p.host}/del/app`)).tags).toEqual(["v1"]);
    await reg.tag(`${p.host}/del/app:v1`, "v1-copy");

    // Deleting by tag resolves the digest, and every tag pointing there would go: refused unless forced.
    const refused = await reg.deleteManifest(`${p.host}/del/app:v1-copy`).catch((e) => e);
    expect(refused).toMatchObject({ code: "OTHER_TAGS" });
    const deleted = await reg.deleteManifest(`${p.host}/del/app:v1-copy`, { force: true });
    expect(deleted.digest).toBe(index.index.digest);
    expect(deleted.tags).toEqual(["v1", "v1-copy"]);
    expect((await reg.tags(`${p.host}/del/app`)).tags).toEqual([]);
    expect(await reg.manifest(`${p.host}/del/app@${index.index.digest}`).catch((e) => e)).toBeInstanceOf(
      NotFoundError,
    );

    const layer = index.children[0]!.layers[0]!.digest;
    await reg.deleteBlob(`${p.host}/del/app`, layer);
    expect(await reg.hasBlob(`${p.host}/del/app`, layer)).toBe(false);

    await reg.copy(`${a.host}/src/app:v1`, `${p.host}/del/repo`);
    await reg.copy(`${a.host}/src/app:v2`, `${p.host}/del/repo`);
    const removed = await reg.deleteRepository(`${p.host}/del/repo`);
    expect(removed.tags.sort()).toEqual(["v1", "v2"]);
    expect(removed.digests).toHaveLength(2 + 6); // two indexes, six image manifests
    expect((await reg.tags(`${p.host}/del/repo`)).tags).toEqual([]);
  });

  it("deleting on a registry with deletes disabled is an UnsupportedError that says how to enable them", async () => {
    const { startRegistry } = await import("@regatta/testkit");
    const locked = await startRegistry({ deleteEnabled: false });
    try {
      await pushImage(locked.url, "x/y", "1", index.children[0]!);
      const reg = client(locked.host);
      const err = await reg.deleteManifest(`${locked.host}/x/y:1`).catch((e) => e);
      expect(err).toBeInstanceOf(UnsupportedError);
      expect(err.message).toContain("storage.delete.enabled");
    } finally {
      await locked.stop();
    }
  });
});

describe.each(["basic", "token"] as const)("push and copy with %s auth", (auth) => {
  const open = useRegistry("none");
  const locked = useRegistry(auth);
  let image: Awaited<ReturnType<typeof generateIndex>>;

  beforeAll(async () => {
    image = await generateIndex({ platforms: ["linux/amd64", "linux/arm64/v8"], layers: [3000], seed: auth });
    await pushImage(open.url, "pub/app", "1", image);
  }, 60_000);

  it("pushes blobs and a manifest with the connected registry's credentials", async () => {
    const reg = client(locked.host, USER);
    const child = image.children[0]!;
    for (const blob of [child.config, ...child.layers]) await reg.pushBlob("auth/pushed", blob.bytes);
    const pushed = await reg.putManifest("auth/pushed:1", child.manifest.bytes);
    expect(pushed.digest).toBe(child.manifest.digest);
    const anonymous = client(locked.host, { anonymous: true });
    expect((await anonymous.pushBlob("auth/pushed", Buffer.from("no")).catch((e) => e)).name).toBe(
      "AuthenticationError",
    );
  });

  it("copies from an open registry into it, and within it by mount, with per-registry credentials", async () => {
    // Connected to the open registry; the locked one's credentials come from registryCredentials.
    const reg = client(open.host, { registryCredentials: { [locked.host]: USER } });
    const first = await reg.copy(`${open.host}/pub/app:1`, `${locked.host}/auth/app`);
    expect(first.digest).toBe(image.index.digest);
    const within = await reg.copy(`${locked.host}/auth/app:1`, `${locked.host}/auth/other:1`);
    expect(within.blobs.every((blob) => blob.outcome === "mounted")).toBe(true);
    const back = await reg.copy(`${locked.host}/auth/other:1`, `${open.host}/pub/back`);
    expect(back.digest).toBe(image.index.digest);
    const without = client(open.host);
    expect(
      (await without.copy(`${open.host}/pub/app:1`, `${locked.host}/auth/denied`).catch((e) => e)).name,
    ).toBe("AuthenticationError");
  });
});
