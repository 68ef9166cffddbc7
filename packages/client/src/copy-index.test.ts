/**
 * Copying an index (https://github.com/opencontainers/image-spec/blob/main/image-index.md): every child, or the exact
 * platforms chosen (the index then rewritten to list only them and their BuildKit attestations,
 * https://github.com/moby/buildkit/blob/master/docs/attestations/attestation-storage.md); children the target has
 * are not fetched again; children are pushed by digest before the index, the tag last; schema 1 is refused; with one
 * `platform`, that image alone.
 */
import { NotFoundError, UnsupportedError, UsageError } from "@regatta/errors";
import { computeDigest, DOCKER_SCHEMA1_MANIFEST, OCI_INDEX } from "@regatta/manifest";
import {
  type FakeRepositoryContent,
  fakeRepository,
  type GeneratedImage,
  type GeneratedIndex,
  generateImage,
  generateIndex,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RegistryClient } from "./registry-client.js";
import { fakeRegistries, schema1Bytes } from "./test-answering-registry.js";
import type { TransferEvent } from "./transfer-events.js";

let index: GeneratedIndex;
let armV6: GeneratedImage;
let reg: RegistryClient | undefined;

beforeAll(async () => {
  index = await generateIndex({
    platforms: ["linux/amd64", "linux/arm64/v8"],
    layers: [16],
    seed: "copy-index",
  });
  armV6 = await generateImage({ layers: [16], seed: "copy-index-v6", platform: "linux/arm/v6" });
});
afterEach(async () => {
  await reg?.close();
  reg = undefined;
});

const [amd64, arm64] = [() => index.children[0]!, () => index.children[1]!];

/** An index over `descriptors`, stored with `images` in one repository under tag v1. */
function indexRepository(descriptors: object[], images: (GeneratedImage | GeneratedIndex)[]) {
  const bytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: descriptors }),
  );
  const digest = computeDigest(bytes);
  const content: FakeRepositoryContent = fakeRepository(
    Object.fromEntries(images.map((image, i) => [`part${i}`, image])),
  );
  content.manifests![digest] = { bytes, mediaType: OCI_INDEX };
  content.tags = { v1: digest };
  return { content, digest, bytes };
}

function open(src: FakeRepositoryContent, dst: FakeRepositoryContent = {}) {
  const opened = fakeRegistries({ "src.test": { "team/app": src }, "dst.test": { "team/app": dst } });
  reg = opened.reg;
  return opened.handlers;
}
const puts = (requests: { method: string; path: string }[]) =>
  requests.filter((r) => r.method === "PUT" && r.path.includes("/manifests/")).map((r) => r.path);

describe("copy of an index", () => {
  it("copies every child by digest before the index, the tag last", async () => {
    const handlers = open(fakeRepository({ v1: index }));
    const events: TransferEvent[] = [];
    const result = await reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1", {
      onProgress: (e) => events.push(e),
    });
    expect(result).toMatchObject({ digest: index.index.digest, rewritten: false, upToDate: false });
    expect(puts(handlers["dst.test"].requests)).toEqual([
      `/v2/team/app/manifests/${amd64().manifest.digest}`,
      `/v2/team/app/manifests/${arm64().manifest.digest}`,
      "/v2/team/app/manifests/v1",
    ]);
    expect(result.manifests).toEqual([
      {
        digest: amd64().manifest.digest,
        mediaType: amd64().manifest.mediaType,
        platform: "linux/amd64",
        outcome: "pushed",
      },
      {
        digest: arm64().manifest.digest,
        mediaType: arm64().manifest.mediaType,
        platform: "linux/arm64/v8",
        outcome: "pushed",
      },
      { digest: index.index.digest, mediaType: index.index.mediaType, outcome: "pushed" },
    ]);
    expect(result.blobs).toHaveLength(4);
    const plan = events[0] as Extract<TransferEvent, { type: "plan" }>;
    expect(plan.manifests).toBe(3);
    expect(plan.blobs).toHaveLength(4);
    expect(
      events.filter((e) => e.type === "manifest").map((e) => (e as { reference: string }).reference),
    ).toEqual([
      `dst.test/team/app@${amd64().manifest.digest}`,
      `dst.test/team/app@${arm64().manifest.digest}`,
      "dst.test/team/app:v1",
    ]);
  });

  it("with force, fetches and pushes every child again", async () => {
    const handlers = open(fakeRepository({ v1: index }), fakeRepository({ v1: index }));
    const result = await reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1", { force: true });
    expect(result.manifests.map((m) => m.outcome)).toEqual(["pushed", "pushed", "pushed"]);
    expect(puts(handlers["dst.test"].requests)).toEqual([
      `/v2/team/app/manifests/${amd64().manifest.digest}`,
      `/v2/team/app/manifests/${arm64().manifest.digest}`,
      "/v2/team/app/manifests/v1",
    ]);
  });

  it("does not fetch again a child the target has, nor send its blobs", async () => {
    const handlers = open(fakeRepository({ v1: index }), fakeRepository({ old: amd64() }));
    const events: TransferEvent[] = [];
    const result = await reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1", {
      onProgress: (e) => events.push(e),
    });
    expect(result.manifests.map((m) => m.outcome)).toEqual(["skipped", "pushed", "pushed"]);
    expect(result.manifests[0]).toEqual({
      digest: amd64().manifest.digest,
      mediaType: amd64().manifest.mediaType,
      platform: "linux/amd64",
      outcome: "skipped",
    });
    expect(events).toContainEqual({
      type: "manifest",
      state: "skipped",
      digest: amd64().manifest.digest,
      mediaType: amd64().manifest.mediaType,
      reference: `dst.test/team/app@${amd64().manifest.digest}`,
    });
    expect((events[0] as { manifests: number }).manifests).toBe(2);
    expect(result.blobs.map((b) => b.digest).sort()).toEqual(
      [arm64().config.digest, arm64().layers[0]!.digest].sort(),
    );
    const fetched = handlers["src.test"].requests.filter((r) => r.method === "GET").map((r) => r.path);
    expect(fetched).not.toContain(`/v2/team/app/manifests/${amd64().manifest.digest}`);
    expect(puts(handlers["dst.test"].requests)).toEqual([
      `/v2/team/app/manifests/${arm64().manifest.digest}`,
      "/v2/team/app/manifests/v1",
    ]);
  });

  it("sends each blob once, however many children share it", async () => {
    const twin = await generateImage({ layers: [16], seed: "copy-index", labels: { twin: "yes" } });
    const { content } = indexRepository(
      [amd64().manifest.descriptor, twin.manifest.descriptor],
      [amd64(), twin],
    );
    open(content);
    const events: TransferEvent[] = [];
    const result = await reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1", {
      onProgress: (e) => events.push(e),
    });
    // Same seed and platform: the same layer, two configs.
    expect(result.blobs).toHaveLength(3);
    const plan = events[0] as Extract<TransferEvent, { type: "plan" }>;
    expect(plan.blobs).toHaveLength(3);
    expect(plan.bytes).toBe(plan.blobs.reduce((n, b) => n + b.size, 0));
  });

  it("copies an index inside an index, innermost first", async () => {
    const inner = index.index;
    const { content, digest } = indexRepository([inner.descriptor], [index]);
    const handlers = open(content);
    const result = await reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1");
    expect(result.digest).toBe(digest);
    // Strictly: the inner index has no platform, and so no platform key.
    expect(result.manifests.slice(2)).toStrictEqual([
      { digest: inner.digest, mediaType: inner.mediaType, outcome: "pushed" },
      { digest, mediaType: OCI_INDEX, outcome: "pushed" },
    ]);
    expect(puts(handlers["dst.test"].requests)).toEqual([
      `/v2/team/app/manifests/${amd64().manifest.digest}`,
      `/v2/team/app/manifests/${arm64().manifest.digest}`,
      `/v2/team/app/manifests/${inner.digest}`,
      "/v2/team/app/manifests/v1",
    ]);
  });

  it("refuses a schema 1 child, pushing nothing", async () => {
    const schema1 = schema1Bytes("team/app");
    const schema1Digest = computeDigest(schema1);
    const descriptor = {
      mediaType: DOCKER_SCHEMA1_MANIFEST,
      digest: schema1Digest,
      size: schema1.byteLength,
      platform: { os: "linux", architecture: "amd64" },
    };
    const { content } = indexRepository([descriptor], []);
    content.manifests![schema1Digest] = { bytes: schema1, mediaType: DOCKER_SCHEMA1_MANIFEST };
    const handlers = open(content);
    const error = await reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toBe(
      `copy src.test/team/app@${schema1Digest}: schema 1 manifests cannot be pushed`,
    );
    expect(puts(handlers["dst.test"].requests)).toEqual([]);
  });
});

describe("copy of chosen platforms", () => {
  it("copies only the platforms chosen and rewrites the index to list them", async () => {
    const handlers = open(fakeRepository({ v1: index }));
    const result = await reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1", {
      platforms: ["linux/arm64"],
    });
    expect(result.rewritten).toBe(true);
    expect(result.sourceDigest).toBe(index.index.digest);
    expect(result.digest).not.toBe(index.index.digest);
    const stored = handlers["dst.test"].store.repository("team/app")!;
    expect(stored.tags!.get("v1")).toBe(result.digest);
    const rewritten = JSON.parse(stored.manifests.get(result.digest)!.bytes.toString()) as {
      manifests: { digest: string }[];
    };
    expect(rewritten.manifests.map((m) => m.digest)).toEqual([arm64().manifest.digest]);
    expect(result.manifests.map((m) => m.digest)).toEqual([arm64().manifest.digest, result.digest]);
    expect(stored.manifests.has(amd64().manifest.digest)).toBe(false);
  });

  it("is never up to date, and pushes the index even when the target holds the whole index under the tag", async () => {
    const handlers = open(fakeRepository({ v1: index }), fakeRepository({ v1: index }));
    const result = await reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1", {
      platforms: ["linux/amd64", "linux/arm64/v8"],
    });
    expect(result.upToDate).toBe(false);
    expect(puts(handlers["dst.test"].requests)).toEqual(["/v2/team/app/manifests/v1"]);
  });

  it("takes `all` as every platform: up to date when the tag already names the index", async () => {
    const handlers = open(fakeRepository({ v1: index }), fakeRepository({ v1: index }));
    const result = await reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1", { platforms: "all" });
    expect(result).toStrictEqual({
      source: "src.test/team/app:v1",
      target: "dst.test/team/app:v1",
      digest: index.index.digest,
      sourceDigest: index.index.digest,
      mediaType: index.index.mediaType,
      rewritten: false,
      upToDate: true,
      manifests: [],
      blobs: [],
      bytesUploaded: 0,
    });
    expect(puts(handlers["dst.test"].requests)).toEqual([]);
  });

  it("of a plain image, plans its blobs even when the target holds it under another tag", async () => {
    const image = amd64();
    const handlers = open(fakeRepository({ v1: image }), fakeRepository({ old: image }));
    const result = await reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1", {
      platforms: ["linux/amd64"],
    });
    expect(result.blobs.map((b) => b.outcome)).toEqual(["skipped", "skipped"]);
    expect(result.rewritten).toBe(false);
    expect(puts(handlers["dst.test"].requests)).toEqual(["/v2/team/app/manifests/v1"]);
  });

  it("wants the exact platform: no arm/v6 image for arm/v7", async () => {
    const { content } = indexRepository(
      [
        { ...armV6.manifest.descriptor, platform: armV6.platform },
        { ...amd64().manifest.descriptor, platform: amd64().platform },
      ],
      [armV6, amd64()],
    );
    open(content);
    const error = await reg!
      .copy("src.test/team/app:v1", "dst.test/team/app:v1", { platforms: ["linux/arm/v7"] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({
      code: "MANIFEST_UNKNOWN",
      message:
        "src.test/team/app:v1 has no image for platform linux/arm/v7; it has: linux/arm/v6, linux/amd64",
    });
  });

  it("says `none` when the index names no platform", async () => {
    const { content } = indexRepository([amd64().manifest.descriptor], [amd64()]);
    open(content);
    const error = await reg!
      .copy("src.test/team/app:v1", "dst.test/team/app:v1", { platforms: ["linux/amd64"] })
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "src.test/team/app:v1 has no image for platform linux/amd64; it has: none",
    );
  });

  it("keeps the attestations of the images kept, and only those", async () => {
    const attest = async (of: GeneratedImage, seed: string) => {
      const image = await generateImage({ layers: [16], seed, platform: "unknown/unknown" });
      const descriptor = {
        ...image.manifest.descriptor,
        platform: { os: "unknown", architecture: "unknown" },
        annotations: {
          "vnd.docker.reference.type": "attestation-manifest",
          "vnd.docker.reference.digest": of.manifest.digest,
        },
      };
      return { image, descriptor };
    };
    const amdAttestation = await attest(amd64(), "attest-amd64");
    const armAttestation = await attest(arm64(), "attest-arm64");
    const orphan = await generateImage({ layers: [16], seed: "attest-orphan", platform: "unknown/unknown" });
    const { content } = indexRepository(
      [
        { ...amd64().manifest.descriptor, platform: amd64().platform },
        // Not an attestation, though it names the amd64 image as attestations do: left out with its platform.
        {
          ...arm64().manifest.descriptor,
          platform: arm64().platform,
          annotations: { "vnd.docker.reference.digest": amd64().manifest.digest },
        },
        amdAttestation.descriptor,
        armAttestation.descriptor,
        { ...orphan.manifest.descriptor, platform: { os: "unknown", architecture: "unknown" } },
      ],
      [amd64(), arm64(), amdAttestation.image, armAttestation.image, orphan],
    );
    open(content);
    const result = await reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1", {
      platforms: ["linux/amd64"],
    });
    expect(result.manifests.map((m) => m.digest).slice(0, -1)).toEqual([
      amd64().manifest.digest,
      amdAttestation.image.manifest.digest,
    ]);
  });
});

/** The index of `index` with a BuildKit attestation of its arm64 image, stored under v1. */
async function withAttestation() {
  const attestation = await generateImage({
    layers: [16],
    seed: "copy-platform-attest",
    platform: "unknown/unknown",
  });
  const descriptors = [
    ...index.children.map((c) => ({ ...c.manifest.descriptor, platform: c.platform })),
    {
      ...attestation.manifest.descriptor,
      platform: { os: "unknown", architecture: "unknown" },
      annotations: {
        "vnd.docker.reference.type": "attestation-manifest",
        "vnd.docker.reference.digest": arm64().manifest.digest,
      },
    },
  ];
  const { content, digest } = indexRepository(descriptors, [amd64(), arm64(), attestation]);
  return { content, digest, attestation };
}

/**
 * copy({ platform }): one platform's image manifest copied alone, as `crane copy --platform`, skopeo and regctl do:
 * the target names the image, not an index; no other child and no attestation goes with it (there is no index to
 * list one); a source that is an image already is copied as it is; `platform` and `platforms` exclude each other.
 */
describe("copy of one platform", () => {
  it("copies that platform's image alone: the target tag names the image manifest", async () => {
    const { content, digest, attestation } = await withAttestation();
    const handlers = open(content);
    const result = await reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1", {
      platform: "linux/arm64",
    });
    expect(result).toMatchObject({
      digest: arm64().manifest.digest,
      sourceDigest: arm64().manifest.digest,
      mediaType: arm64().manifest.mediaType,
      index: { digest, mediaType: OCI_INDEX },
      platform: "linux/arm64/v8",
      rewritten: false,
      upToDate: false,
    });
    // One manifest pushed, under the tag; no child by digest, no attestation, no index.
    expect(puts(handlers["dst.test"].requests)).toEqual(["/v2/team/app/manifests/v1"]);
    expect(result.manifests).toEqual([
      { digest: arm64().manifest.digest, mediaType: arm64().manifest.mediaType, outcome: "pushed" },
    ]);
    expect(result.blobs.map((b) => b.digest).sort()).toEqual(
      [arm64().config.digest, ...arm64().layers.map((l) => l.digest)].sort(),
    );
    expect(result.blobs.map((b) => b.digest)).not.toContain(attestation.layers[0]!.digest);
    const stored = await reg!.manifest("dst.test/team/app:v1");
    expect([stored.kind, stored.digest]).toEqual(["image", arm64().manifest.digest]);
  });

  it("is up to date when the target's tag names that image already", async () => {
    const handlers = open(fakeRepository({ v1: index }), fakeRepository({ v1: arm64() }));
    const result = await reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1", {
      platform: "linux/arm64/v8",
    });
    expect(result).toMatchObject({
      upToDate: true,
      digest: arm64().manifest.digest,
      platform: "linux/arm64/v8",
    });
    expect(puts(handlers["dst.test"].requests)).toEqual([]);
  });

  it("copies a single image of the platform asked as it is, naming its platform and no index", async () => {
    open(fakeRepository({ v1: armV6 }));
    for (const options of [{ platform: "linux/arm/v6" }, { platforms: ["linux/amd64", "linux/arm/v6"] }]) {
      const result = await reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1", options);
      expect(result.digest).toBe(armV6.manifest.digest);
      expect(result.platform).toBe("linux/arm/v6");
      expect(result).not.toHaveProperty("index");
    }
  });

  it("refuses a single image of another platform before writing anything (its config says which)", async () => {
    for (const options of [{ platform: "linux/amd64" }, { platforms: ["linux/amd64", "linux/s390x"] }]) {
      const handlers = open(fakeRepository({ v1: armV6 }));
      const error = await reg!
        .copy("src.test/team/app:v1", "dst.test/team/app:v1", options)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as Error).message).toMatch(
        /is a single image for linux\/arm\/v6, not linux\/amd64( or linux\/s390x)?:/,
      );
      expect(handlers["dst.test"].requests).toEqual([]);
    }
  });

  it("says which platforms the index has when the one asked for is missing, pushing nothing", async () => {
    const handlers = open(fakeRepository({ v1: index }));
    const error = await reg!
      .copy("src.test/team/app:v1", "dst.test/team/app:v1", { platform: "linux/s390x" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain(
      "has no image for platform linux/s390x; it has: linux/amd64, linux/arm64/v8",
    );
    expect(handlers["dst.test"].requests.filter((r) => r.method !== "GET" && r.method !== "HEAD")).toEqual(
      [],
    );
  });

  it("refuses platform with platforms, before any request", async () => {
    const handlers = open(fakeRepository({ v1: index }));
    for (const platforms of ["all", ["linux/amd64"]] as const) {
      await expect(
        reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1", { platform: "linux/arm64", platforms }),
      ).rejects.toThrow(UsageError);
    }
    expect(handlers["src.test"].requests).toEqual([]);
  });

  it("a list of one platform still keeps an index, rewritten to list it", async () => {
    open(fakeRepository({ v1: index }));
    const result = await reg!.copy("src.test/team/app:v1", "dst.test/team/app:v1", {
      platforms: ["linux/arm64/v8"],
    });
    expect(result.rewritten).toBe(true);
    expect(result.mediaType).toBe(index.index.mediaType);
    expect(result).not.toHaveProperty("platform");
    expect((await reg!.manifest("dst.test/team/app:v1")).kind).toBe("index");
  });
});
