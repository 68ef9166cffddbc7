/**
 * Indexes by hand (issue 13) against testkit's fake distribution: createIndex and editIndex read each image's
 * platform from its config, bring children from other repositories by copy's machinery before the index, put the
 * tag last, keep what they do not edit, and write nothing when the input is refused.
 */
import { NotFoundError, UsageError } from "@regatta/errors";
import {
  buildImageManifest,
  computeDigest,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  EMPTY_DESCRIPTOR,
  EMPTY_JSON,
  formatPlatform,
  type ImageIndex,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_MANIFEST,
} from "@regatta/manifest";
import {
  type FakeRepositoryContent,
  fakeRepository,
  type GeneratedImage,
  type GeneratedIndex,
  generateImage,
  generateIndex,
  type RegistryHandlers,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RegistryClient } from "../registry-client.js";
import { fakeDistribution, fakeRegistries, rejection } from "../test-answering-registry.js";

let amd64: GeneratedImage;
let arm64: GeneratedImage;
let armV7: GeneratedImage;
let dockerAmd64: GeneratedImage;
let dockerArm64: GeneratedImage;
let multi: GeneratedIndex;
let reg: RegistryClient | undefined;

beforeAll(async () => {
  const image = (platform: string, seed: string, mediaTypes: "oci" | "docker" = "oci") =>
    generateImage({ layers: [16], platform, seed, mediaTypes });
  amd64 = await image("linux/amd64", "ix-amd64");
  arm64 = await image("linux/arm64/v8", "ix-arm64");
  armV7 = await image("linux/arm/v7", "ix-armv7");
  dockerAmd64 = await image("linux/amd64", "ix-d-amd64", "docker");
  dockerArm64 = await image("linux/arm64", "ix-d-arm64", "docker");
  multi = await generateIndex({
    platforms: ["linux/ppc64le", "linux/s390x"],
    layers: [16],
    seed: "ix-multi",
  });
});
afterEach(async () => {
  await reg?.close();
  reg = undefined;
});

function open(repos: Record<string, FakeRepositoryContent>): RegistryHandlers {
  const opened = fakeDistribution(repos);
  reg = opened.reg;
  return opened.handlers;
}
const stored = (handlers: RegistryHandlers, repo: string, tag: string) => {
  const r = handlers.store.repository(repo)!;
  const digest = r.tags?.get(tag);
  if (!digest) return undefined;
  const m = r.manifests.get(digest)!;
  return { digest, mediaType: m.mediaType, index: JSON.parse(m.bytes.toString("utf8")) as ImageIndex };
};
const manifestPuts = (handlers: RegistryHandlers) =>
  handlers.requests.filter((r) => r.method === "PUT" && r.path.includes("/manifests/")).map((r) => r.path);
const platformsOf = (index: ImageIndex) =>
  index.manifests.map((d) => (d.platform ? formatPlatform(d.platform) : "-"));

/** One repository with the three OCI images tagged by platform. */
const images = () => fakeRepository({ amd64, arm64, armv7: armV7 });

/** A manifest stored in `content` (bytes and type), by digest; returns the digest. */
function store(content: FakeRepositoryContent, bytes: Uint8Array, mediaType: string, tag?: string): string {
  const digest = computeDigest(bytes);
  content.manifests = { ...content.manifests, [digest]: { bytes, mediaType } };
  if (tag) content.tags = { ...content.tags, [tag]: digest };
  return digest;
}

describe("createIndex", () => {
  it("lists each image with the platform its config names, OCI by default, put at the tag", async () => {
    const handlers = open({ "team/app": images() });
    const result = await reg!.createIndex("registry.test/team/app:1.0", ["team/app:amd64", "team/app:armv7"]);
    const put = stored(handlers, "team/app", "1.0")!;
    expect(put.digest).toBe(result.digest);
    expect(put.mediaType).toBe(OCI_INDEX);
    expect(put.index.manifests).toEqual([
      {
        mediaType: OCI_MANIFEST,
        digest: amd64.manifest.digest,
        size: amd64.manifest.bytes.length,
        platform: { architecture: "amd64", os: "linux" },
      },
      {
        mediaType: OCI_MANIFEST,
        digest: armV7.manifest.digest,
        size: armV7.manifest.bytes.length,
        platform: { architecture: "arm", os: "linux", variant: "v7" },
      },
    ]);
    expect(result).toMatchObject({
      reference: "registry.test/team/app:1.0",
      mediaType: OCI_INDEX,
      brought: [],
      manifests: [{ platform: "linux/amd64" }, { platform: "linux/arm/v7" }],
    });
    // Same repository: nothing is copied, the index is the only write.
    expect(manifestPuts(handlers)).toEqual(["/v2/team/app/manifests/1.0"]);
  });

  it("takes the platform from the config, whatever the tag says, and bare digests of the target's repository", async () => {
    const handlers = open({ "team/app": fakeRepository({ "looks-amd64": arm64 }) });
    await reg!.createIndex("team/app:1.0", [arm64.manifest.digest]);
    expect(platformsOf(stored(handlers, "team/app", "1.0")!.index)).toEqual(["linux/arm64/v8"]);
  });

  it("brings images from other repositories by digest (blobs mounted) before the index, the tag last", async () => {
    const handlers = open({
      "team/amd": fakeRepository({ "1.0": amd64 }),
      "team/arm": fakeRepository({ "1.0": arm64 }),
    });
    const result = await reg!.createIndex("team/app:1.0", ["team/amd:1.0", "team/arm:1.0"]);
    expect(manifestPuts(handlers)).toEqual([
      `/v2/team/app/manifests/${amd64.manifest.digest}`,
      `/v2/team/app/manifests/${arm64.manifest.digest}`,
      "/v2/team/app/manifests/1.0",
    ]);
    const mounts = handlers.requests.filter((r) => r.method === "POST" && r.path.includes("mount="));
    expect(mounts.length).toBe(4);
    expect(result.brought).toEqual([
      {
        source: `registry.test/team/amd@${amd64.manifest.digest}`,
        digest: amd64.manifest.digest,
        upToDate: false,
      },
      {
        source: `registry.test/team/arm@${arm64.manifest.digest}`,
        digest: arm64.manifest.digest,
        upToDate: false,
      },
    ]);
  });

  it("brings images from another registry too, streamed", async () => {
    const opened = fakeRegistries({
      "dst.test": { "team/app": {} },
      "src.test": { "team/arm": fakeRepository({ "1.0": arm64 }) },
    });
    reg = opened.reg;
    await reg.createIndex("dst.test/team/app:1.0", ["src.test/team/arm:1.0"]);
    const repo = opened.handlers["dst.test"].store.repository("team/app")!;
    expect(repo.manifests.has(arm64.manifest.digest)).toBe(true);
    expect(repo.blobs.has(arm64.config.digest)).toBe(true);
  });

  it("makes a Docker manifest list when every image is Docker, unless annotations need OCI", async () => {
    const handlers = open({ "team/app": fakeRepository({ amd64: dockerAmd64, arm64: dockerArm64 }) });
    const list = await reg!.createIndex("team/app:list", ["team/app:amd64", "team/app:arm64"]);
    expect(list.mediaType).toBe(DOCKER_MANIFEST_LIST);
    expect(stored(handlers, "team/app", "list")!.index.manifests.map((d) => d.mediaType)).toEqual([
      DOCKER_MANIFEST,
      DOCKER_MANIFEST,
    ]);
    const annotated = await reg!.createIndex("team/app:oci", ["team/app:amd64"], {
      annotations: { team: "core" },
    });
    expect(annotated.mediaType).toBe(OCI_INDEX);
    expect(stored(handlers, "team/app", "oci")!.index.annotations).toEqual({ team: "core" });
    const forced = await reg!.createIndex("team/app:forced", ["team/app:amd64"], { mediaType: "oci" });
    expect(forced.mediaType).toBe(OCI_INDEX);
  });

  it("flattens an index given as a source: its children, as its entries state them", async () => {
    const handlers = open({ "team/app": merge(fakeRepository({ multi }), images()) });
    await reg!.createIndex("team/app:all", ["team/app:amd64", "team/app:multi"]);
    expect(platformsOf(stored(handlers, "team/app", "all")!.index)).toEqual([
      "linux/amd64",
      "linux/ppc64le",
      "linux/s390x",
    ]);
  });

  it("reads a source index's children's platforms from their configs with platformFromConfig", async () => {
    // An index whose entry claims arm64 for what is an s390x image: the config is believed.
    const content = images();
    const lying = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          { ...multi.children[1]!.manifest.descriptor, platform: { architecture: "arm64", os: "linux" } },
        ],
      }),
    );
    const merged = merge(fakeRepository({ multi }), content);
    store(merged, lying, OCI_INDEX, "lying");
    const handlers = open({ "team/app": merged });
    await reg!.createIndex("team/app:as-listed", ["team/app:lying"]);
    expect(platformsOf(stored(handlers, "team/app", "as-listed")!.index)).toEqual(["linux/arm64"]);
    await reg!.createIndex("team/app:as-built", ["team/app:lying"], { platformFromConfig: true });
    expect(platformsOf(stored(handlers, "team/app", "as-built")!.index)).toEqual(["linux/s390x"]);
  });

  describe("refuses, writing nothing", () => {
    it.each<[string, () => [string[], object], typeof UsageError | typeof NotFoundError, RegExp]>([
      [
        "two images for one platform",
        () => [["team/app:amd64", "team/app:docker"], {}],
        UsageError,
        /has an image for linux\/amd64 already/,
      ],
      [
        "one manifest twice",
        () => [["team/app:amd64", amd64.manifest.digest], {}],
        UsageError,
        /lists sha256:\w+ \(linux\/amd64\) already/,
      ],
      [
        "an artifact",
        () => [["team/app:amd64", "team/app:sbom"], {}],
        UsageError,
        /team\/app:sbom is an artifact \(artifactType application\/spdx\+json\), not an image/,
      ],
      [
        "an image whose config names no platform",
        () => [["team/app:bare"], {}],
        UsageError,
        /team\/app:bare: its config names no platform/,
      ],
      [
        "a Docker list of OCI images",
        () => [["team/app:amd64"], { mediaType: "docker" }],
        UsageError,
        /Docker manifest list lists Docker schema 2 manifests/,
      ],
      [
        "annotations on a Docker list",
        () => [["team/app:docker"], { mediaType: "docker", annotations: { a: "b" } }],
        UsageError,
        /Docker manifest list has no annotations/,
      ],
      [
        "an annotation with an empty key",
        () => [["team/app:amd64"], { annotations: { "": "b" } }],
        UsageError,
        /empty key/,
      ],
      ["no source", () => [[], {}], UsageError, /at least one manifest/],
      ["a source that is not there", () => [["team/app:nope"], {}], NotFoundError, /nope/],
    ])("%s", async (_what, input, type, message) => {
      const content = { ...images() };
      merge(fakeRepository({ docker: dockerAmd64 }), content);
      const sbom = buildImageManifest({
        config: EMPTY_DESCRIPTOR,
        layers: [],
        artifactType: "application/spdx+json",
      });
      store(content, sbom.bytes, sbom.mediaType, "sbom");
      content.blobs = { ...content.blobs, [EMPTY_DESCRIPTOR.digest]: EMPTY_JSON };
      const config = Buffer.from(JSON.stringify({ rootfs: { type: "layers", diff_ids: [] } }));
      content.blobs[computeDigest(config)] = config;
      const bare = buildImageManifest({
        config: { mediaType: OCI_CONFIG, digest: computeDigest(config), size: config.length },
        layers: [],
      });
      store(content, bare.bytes, bare.mediaType, "bare");
      const handlers = open({ "team/app": content });
      const [sources, options] = input();
      const error = await rejection(reg!.createIndex("team/app:1.0", sources, options), type);
      expect(error.message).toMatch(message);
      expect(manifestPuts(handlers)).toEqual([]);
    });

    it("a target that is a digest", async () => {
      open({ "team/app": images() });
      const error = await rejection(
        reg!.createIndex(`team/app@${amd64.manifest.digest}`, ["team/app:amd64"]),
        UsageError,
      );
      expect(error.message).toMatch(/the target of an index is a tag, not a digest/);
    });
  });
});

/** Merges `from` into `into` (tags, manifests, blobs) and returns `into`. */
function merge(from: FakeRepositoryContent, into: FakeRepositoryContent = {}): FakeRepositoryContent {
  into.tags = { ...into.tags, ...from.tags };
  into.manifests = { ...into.manifests, ...from.manifests };
  into.blobs = { ...into.blobs, ...from.blobs };
  return into;
}

describe("editIndex", () => {
  /** team/app with the three images and an index `1.0` over amd64 and arm64, with artifactType and subject. */
  const withIndex = () => {
    const content = images();
    const index = {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      artifactType: "application/vnd.example.bundle",
      manifests: [
        { ...amd64.manifest.descriptor, platform: amd64.platform },
        { ...arm64.manifest.descriptor, platform: arm64.platform },
      ],
      subject: armV7.manifest.descriptor,
      annotations: { keep: "me" },
    };
    const bytes = Buffer.from(JSON.stringify(index));
    const digest = store(content, bytes, OCI_INDEX, "1.0");
    return { content, digest, bytes };
  };

  it("appends an image, keeping the index's media type, artifactType, subject and annotations", async () => {
    const { content } = withIndex();
    const handlers = open({ "team/app": content });
    const result = await reg!.editIndex("team/app:1.0", { append: ["team/app:armv7"] });
    expect(result.removed).toEqual([]);
    const put = stored(handlers, "team/app", "1.0")!;
    expect(put.digest).toBe(result.digest);
    expect(platformsOf(put.index)).toEqual(["linux/amd64", "linux/arm64/v8", "linux/arm/v7"]);
    expect(put.index).toMatchObject({
      mediaType: OCI_INDEX,
      artifactType: "application/vnd.example.bundle",
      subject: armV7.manifest.descriptor,
      annotations: { keep: "me" },
    });
  });

  it("refuses to append a manifest listed already, and replaces the entry of its platform when asked", async () => {
    const { content } = withIndex();
    merge(
      fakeRepository({
        other: await generateImage({ layers: [16], platform: "linux/amd64", seed: "ix-other" }),
      }),
      content,
    );
    const handlers = open({ "team/app": content });
    await rejection(reg!.editIndex("team/app:1.0", { append: ["team/app:amd64"] }), UsageError);
    await rejection(reg!.editIndex("team/app:1.0", { append: ["team/app:other"] }), UsageError);
    expect(manifestPuts(handlers)).toEqual([]);
    await reg!.editIndex("team/app:1.0", { append: ["team/app:other"], replace: true });
    const put = stored(handlers, "team/app", "1.0")!.index;
    expect(put.manifests[0]!.digest).toBe(content.tags!.other);
    expect(platformsOf(put)).toEqual(["linux/amd64", "linux/arm64/v8"]);
  });

  it("removes by platform or digest; refuses what it lacks and removing every image", async () => {
    const { content } = withIndex();
    const handlers = open({ "team/app": content });
    const missing = await rejection(
      reg!.editIndex("team/app:1.0", { remove: ["linux/s390x"] }),
      NotFoundError,
    );
    expect(missing.message).toMatch(
      /registry.test\/team\/app:1.0 has no image for platform linux\/s390x; it has: linux\/amd64, linux\/arm64\/v8/,
    );
    await rejection(
      reg!.editIndex("team/app:1.0", { remove: ["linux/amd64", arm64.manifest.digest] }),
      UsageError,
    );
    expect(manifestPuts(handlers)).toEqual([]);
    const done = await reg!.editIndex("team/app:1.0", { remove: [{ digest: amd64.manifest.digest }] });
    expect(platformsOf(stored(handlers, "team/app", "1.0")!.index)).toEqual(["linux/arm64/v8"]);
    // What went is named apart from what is left.
    expect(done.removed).toMatchObject([{ digest: amd64.manifest.digest, platform: "linux/amd64" }]);
    expect(done.manifests).toMatchObject([{ digest: arm64.manifest.digest, platform: "linux/arm64/v8" }]);
  });

  it("keeps only the platforms asked for", async () => {
    const { content } = withIndex();
    const handlers = open({ "team/app": content });
    const done = await reg!.editIndex("team/app:1.0", { platforms: ["linux/arm64"] });
    expect(platformsOf(stored(handlers, "team/app", "1.0")!.index)).toEqual(["linux/arm64/v8"]);
    expect(done.removed).toMatchObject([{ digest: amd64.manifest.digest, platform: "linux/amd64" }]);
  });

  it("annotates the index and an entry chosen by platform", async () => {
    const { content } = withIndex();
    const handlers = open({ "team/app": content });
    await reg!.editIndex("team/app:1.0", {
      annotations: { "org.opencontainers.image.version": "1.0" },
      entryAnnotations: [{ platform: "linux/arm64", annotations: { note: "arm" } }],
    });
    const put = stored(handlers, "team/app", "1.0")!.index;
    expect(put.annotations).toEqual({ keep: "me", "org.opencontainers.image.version": "1.0" });
    expect(put.manifests.map((d) => d.annotations)).toEqual([undefined, { note: "arm" }]);
  });

  it("edits `from` into the target, leaving `from` as it was", async () => {
    const { content, digest } = withIndex();
    const handlers = open({ "team/app": content });
    const result = await reg!.editIndex("team/app:1.1", { from: "team/app:1.0", append: ["team/app:armv7"] });
    expect(stored(handlers, "team/app", "1.0")!.digest).toBe(digest);
    expect(platformsOf(stored(handlers, "team/app", "1.1")!.index)).toHaveLength(3);
    expect(result.from).toEqual({ reference: `registry.test/team/app:1.0@${digest}`, digest });
  });

  it("with `from` in another repository and nothing to edit: the children brought, the index's exact bytes put", async () => {
    const { content, digest } = withIndex();
    const handlers = open({ "team/app": content, "team/copy": {} });
    const result = await reg!.editIndex("team/copy:1.0", { from: "team/app:1.0" });
    expect(result.digest).toBe(digest);
    // The index has a subject and this registry no referrers API: it is listed in the subject's fallback index,
    // as every push of a manifest with a subject is (list-as-referrer.ts).
    expect(manifestPuts(handlers)).toEqual([
      `/v2/team/copy/manifests/${amd64.manifest.digest}`,
      `/v2/team/copy/manifests/${arm64.manifest.digest}`,
      "/v2/team/copy/manifests/1.0",
      `/v2/team/copy/manifests/sha256-${armV7.manifest.digest.slice("sha256:".length)}`,
    ]);
  });

  it("reads the index from the registry itself, never from a mirror holding another under the tag", async () => {
    const { content, digest } = withIndex();
    const stale = { ...content, tags: { ...content.tags, "1.0": amd64.manifest.digest } };
    const opened = fakeRegistries(
      { "dst.test": { "team/app": content }, "mirror.test": { "team/app": stale } },
      { connect: { hosts: { "dst.test": { mirrors: ["mirror.test"] } } } },
    );
    reg = opened.reg;
    const result = await reg.editIndex("dst.test/team/app:1.0", { append: ["dst.test/team/app:armv7"] });
    expect(result.from?.digest).toBe(digest);
    expect(result.manifests).toHaveLength(3);
  });

  it("refuses an image for an index, a Docker list's annotations, and no edit at all", async () => {
    const content = fakeRepository({
      amd64,
      list: await generateIndex({ mediaTypes: "docker", layers: [16], seed: "ix-list" }),
    });
    const handlers = open({ "team/app": content });
    expect(
      (await rejection(reg!.editIndex("team/app:amd64", { remove: ["linux/amd64"] }), UsageError)).message,
    ).toMatch(/is an image, not an index/);
    expect(
      (await rejection(reg!.editIndex("team/app:list", { annotations: { a: "b" } }), UsageError)).message,
    ).toMatch(/Docker manifest list, which has no annotations/);
    expect((await rejection(reg!.editIndex("team/app:list", {}), UsageError)).message).toMatch(
      /nothing to change/,
    );
    expect(manifestPuts(handlers)).toEqual([]);
  });
});
