/**
 * Editing an index as data (index-edit.ts) and the entry of an image (index-entry.ts): what regctl index
 * add/delete, crane index append/filter and oras manifest index create users expect, with the platform matching of
 * copy's --platform list and BuildKit attestations following their image.
 */
import { NotFoundError, UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import {
  annotateIndex,
  appendToIndex,
  type Descriptor,
  DOCKER_CONFIG,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  formatPlatform,
  type ImageIndex,
  imageEntry,
  indexFlavorFor,
  keepPlatforms,
  notAnImage,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_MANIFEST,
  parsePlatform,
  platformOfConfig,
  removeFromIndex,
  selectEntries,
} from "./index.js";

const digest = (digit: string) => `sha256:${digit.repeat(64)}`;
const entry = (platform: string, digit: string, extra: Partial<Descriptor> = {}): Descriptor => ({
  mediaType: OCI_MANIFEST,
  digest: digest(digit),
  size: 500,
  platform: parsePlatform(platform),
  ...extra,
});
/** A BuildKit attestation manifest describing the image `of`. */
const attestation = (of: string, digit: string): Descriptor => ({
  mediaType: OCI_MANIFEST,
  digest: digest(digit),
  size: 300,
  platform: { architecture: "unknown", os: "unknown" },
  annotations: {
    "vnd.docker.reference.type": "attestation-manifest",
    "vnd.docker.reference.digest": digest(of),
  },
});
const SUBJECT: Descriptor = { mediaType: OCI_MANIFEST, digest: digest("9"), size: 10 };
/** amd64, arm64, arm/v7, arm/v6, and the attestation of amd64; with an artifactType and a subject to keep. */
const index = (): ImageIndex => ({
  schemaVersion: 2,
  mediaType: OCI_INDEX,
  artifactType: "application/vnd.example.bundle",
  manifests: [
    entry("linux/amd64", "1"),
    entry("linux/arm64/v8", "2"),
    entry("linux/arm/v7", "3"),
    entry("linux/arm/v6", "4"),
    attestation("1", "a"),
  ],
  subject: SUBJECT,
  annotations: { "org.opencontainers.image.version": "1.0" },
});
const platforms = (i: ImageIndex) =>
  i.manifests.map((d) => `${d.platform ? formatPlatform(d.platform) : "-"} ${d.digest.slice(7, 8)}`);

describe("appendToIndex", () => {
  it("appends in order and leaves the input and its other fields as they were", () => {
    const before = index();
    const after = appendToIndex(before, [entry("linux/s390x", "5"), entry("windows(10.0.17763)/amd64", "6")]);
    expect(platforms(after).slice(-2)).toEqual(["linux/s390x 5", "windows(10.0.17763)/amd64 6"]);
    expect(after).toMatchObject({
      artifactType: before.artifactType,
      subject: SUBJECT,
      mediaType: OCI_INDEX,
    });
    expect(before).toEqual(index());
  });

  it.each([
    ["the same digest", entry("linux/ppc64le", "2"), /lists sha256:2{64} \(linux\/arm64\/v8\) already/],
    ["another image for a platform it has", entry("linux/aarch64", "7"), /has an image for linux\/arm64\/v8/],
  ])("refuses %s unless asked to replace", (_what, added, message) => {
    expect(() => appendToIndex(index(), [added])).toThrow(UsageError);
    expect(() => appendToIndex(index(), [added])).toThrow(message);
  });

  it("refuses a duplicate among the appended entries too", () => {
    expect(() => appendToIndex(index(), [entry("linux/riscv64", "7"), entry("linux/riscv64", "8")])).toThrow(
      /has an image for linux\/riscv64 already \(sha256:7{64}\)/,
    );
  });

  it("replaces in place, and the replaced image's attestations go with it", () => {
    const after = appendToIndex(index(), [entry("linux/amd64", "7")], { replace: true });
    expect(platforms(after)).toEqual([
      "linux/amd64 7",
      "linux/arm64/v8 2",
      "linux/arm/v7 3",
      "linux/arm/v6 4",
    ]);
    const middle = appendToIndex(index(), [entry("linux/arm/v7", "8")], { replace: true });
    expect(platforms(middle)[2]).toBe("linux/arm/v7 8");
  });

  it("does not take an attestation or an entry without a platform for a platform clash", () => {
    const artifact = { mediaType: OCI_MANIFEST, digest: digest("b"), size: 5 };
    const after = appendToIndex(index(), [attestation("2", "c"), artifact]);
    expect(after.manifests).toHaveLength(7);
  });

  it("keeps a Docker manifest list to Docker manifests", () => {
    const list: ImageIndex = {
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST_LIST,
      manifests: [entry("linux/amd64", "1", { mediaType: DOCKER_MANIFEST })],
    };
    expect(
      appendToIndex(list, [entry("linux/arm64", "2", { mediaType: DOCKER_MANIFEST })]).manifests,
    ).toHaveLength(2);
    expect(() => appendToIndex(list, [entry("linux/arm64", "2")])).toThrow(
      /Docker manifest list lists Docker schema 2 manifests; sha256:2{64} is application\/vnd\.oci/,
    );
  });
});

describe("removeFromIndex", () => {
  it.each<[string, string[]]>([
    // linux/arm is linux/arm/v7 once normalised, never arm/v6 (no fallback, as copy's --platform list).
    ["linux/arm", ["linux/amd64 1", "linux/arm64/v8 2", "linux/arm/v6 4", "unknown/unknown a"]],
    ["linux/arm/v6", ["linux/amd64 1", "linux/arm64/v8 2", "linux/arm/v7 3", "unknown/unknown a"]],
    ["linux/aarch64", ["linux/amd64 1", "linux/arm/v7 3", "linux/arm/v6 4", "unknown/unknown a"]],
    // The image's attestation goes with it.
    ["linux/amd64", ["linux/arm64/v8 2", "linux/arm/v7 3", "linux/arm/v6 4"]],
    [digest("1"), ["linux/arm64/v8 2", "linux/arm/v7 3", "linux/arm/v6 4"]],
    [digest("a"), ["linux/amd64 1", "linux/arm64/v8 2", "linux/arm/v7 3", "linux/arm/v6 4"]],
  ])("removes %s", (what, left) => {
    const sel = what.startsWith("sha256:") ? { digest: what } : { platform: what };
    const after = removeFromIndex(index(), [sel]);
    expect(platforms(after)).toEqual(left);
    expect(after).toMatchObject({ artifactType: "application/vnd.example.bundle", subject: SUBJECT });
  });

  it("removes several at once", () => {
    const after = removeFromIndex(index(), [{ platform: "linux/arm/v7" }, { platform: "linux/arm/v6" }]);
    expect(platforms(after)).toEqual(["linux/amd64 1", "linux/arm64/v8 2", "unknown/unknown a"]);
  });

  it("refuses a platform or digest the index does not have, saying what it has", () => {
    const remove = (sel: object) => () => removeFromIndex(index(), [sel], "team/app:1.0");
    expect(remove({ platform: "linux/s390x" })).toThrow(NotFoundError);
    expect(remove({ platform: "linux/s390x" })).toThrow(
      "team/app:1.0 has no image for platform linux/s390x; it has: linux/amd64, linux/arm64/v8, linux/arm/v7, linux/arm/v6 (5 entries)",
    );
    expect(remove({ digest: digest("f") })).toThrow(`team/app:1.0 has no entry ${digest("f")}`);
    // An attestation is no platform's image.
    expect(remove({ platform: "unknown/unknown" })).toThrow(NotFoundError);
    // One entry is "1 entry": was "(1 entries)" (QA).
    const one: ImageIndex = { ...index(), manifests: [entry("linux/amd64", "1")] };
    expect(() => removeFromIndex(one, [{ platform: "linux/arm64" }], "team/app:1")).toThrow(
      "team/app:1 has no image for platform linux/arm64; it has: linux/amd64 (1 entry)",
    );
  });

  it("refuses to remove every image", () => {
    const all = ["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/arm/v6"].map((platform) => ({
      platform,
    }));
    expect(() => removeFromIndex(index(), all)).toThrow(UsageError);
    expect(() => removeFromIndex(index(), all)).toThrow(/would list no image at all/);
  });

  it("refuses a digest that is not one", () => {
    expect(() => removeFromIndex(index(), [{ digest: "sha256:abc" }])).toThrow(UsageError);
    expect(() => removeFromIndex(index(), [{ digest: "latest" }])).toThrow('"latest" is not a digest');
  });

  it("takes a platform or a digest, not both or neither", () => {
    expect(() => selectEntries(index(), {})).toThrow(UsageError);
    expect(() => selectEntries(index(), { platform: "linux/amd64", digest: digest("1") })).toThrow(
      /by a platform or by a digest/,
    );
  });
});

describe("keepPlatforms", () => {
  it("keeps the listed platforms' images and their attestations, in index order", () => {
    expect(platforms(keepPlatforms(index(), ["linux/arm/v6", "linux/amd64"]))).toEqual([
      "linux/amd64 1",
      "linux/arm/v6 4",
      "unknown/unknown a",
    ]);
    expect(platforms(keepPlatforms(index(), ["linux/arm64"]))).toEqual(["linux/arm64/v8 2"]);
  });

  it("refuses a platform the index lacks, and an empty list", () => {
    expect(() => keepPlatforms(index(), ["linux/amd64", "linux/mips64"])).toThrow(NotFoundError);
    expect(() => keepPlatforms(index(), [])).toThrow(UsageError);
  });
});

describe("annotateIndex", () => {
  it("merges the index's annotations and an entry's, chosen by platform or digest", () => {
    const after = annotateIndex(index(), {
      annotations: { "org.opencontainers.image.version": "1.1", team: "core" },
      entries: [
        { platform: "linux/arm", annotations: { note: "v7" } },
        { digest: digest("2"), annotations: { note: "arm64" } },
      ],
    });
    expect(after.annotations).toEqual({ "org.opencontainers.image.version": "1.1", team: "core" });
    expect(after.manifests.map((d) => d.annotations?.note)).toEqual([
      undefined,
      "arm64",
      "v7",
      undefined,
      undefined,
    ]);
    expect(after.subject).toEqual(SUBJECT);
    expect(index().annotations).toEqual({ "org.opencontainers.image.version": "1.0" });
  });

  it("keeps an entry's annotations it does not set", () => {
    const after = annotateIndex(index(), { entries: [{ digest: digest("a"), annotations: { x: "y" } }] });
    expect(after.manifests[4]!.annotations).toEqual({ ...attestation("1", "a").annotations, x: "y" });
  });

  it.each<[string, Parameters<typeof annotateIndex>[1], RegExp]>([
    ["an empty key", { annotations: { "": "v" } }, /empty key/],
    ["a value that is not a string", { annotations: { k: 1 as unknown as string } }, /must be a string/],
    [
      "an entry the index lacks",
      { entries: [{ platform: "linux/386", annotations: { a: "b" } }] },
      /no image/,
    ],
  ])("refuses %s", (_what, edits, message) => {
    expect(() => annotateIndex(index(), edits)).toThrow(message);
  });

  it("refuses to annotate a Docker manifest list, which has no annotations", () => {
    const list: ImageIndex = {
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST_LIST,
      manifests: [entry("linux/amd64", "1")],
    };
    expect(() => annotateIndex(list, { annotations: { a: "b" } })).toThrow(UsageError);
    expect(() =>
      annotateIndex(list, { entries: [{ digest: digest("1"), annotations: { a: "b" } }] }),
    ).toThrow(/Docker manifest list, which has no annotations/);
    expect(annotateIndex(list, {})).toEqual(list);
  });
});

describe("the entry of an image", () => {
  it("takes every platform field of the config, in the OCI order, and nothing it lacks", () => {
    const config = {
      os: "windows",
      architecture: "amd64",
      variant: "v2",
      "os.version": "10.0.17763.1234",
      "os.features": ["win32k"],
    };
    const platform = platformOfConfig(config);
    expect(Object.keys(platform!)).toEqual(["architecture", "os", "os.version", "os.features", "variant"]);
    expect(platformOfConfig({ os: "linux", architecture: "arm64" })).toEqual({
      architecture: "arm64",
      os: "linux",
    });
    expect(platformOfConfig({ os: "linux" })).toBeUndefined();
    expect(platformOfConfig({ architecture: "arm64" })).toBeUndefined();
  });

  it("is the manifest's descriptor with the config's platform, or refused when the config names none", () => {
    const manifest = { mediaType: OCI_MANIFEST, digest: digest("1"), size: 42 };
    expect(imageEntry(manifest, { os: "linux", architecture: "arm", variant: "v7" }, "x")).toEqual({
      ...manifest,
      platform: { architecture: "arm", os: "linux", variant: "v7" },
    });
    expect(() => imageEntry(manifest, {}, "team/tool:1")).toThrow(UsageError);
    expect(() => imageEntry(manifest, {}, "team/tool:1")).toThrow(
      /team\/tool:1: its config names no platform/,
    );
  });

  it.each<[string, { artifactType?: string; config: Descriptor }, string | undefined]>([
    ["an OCI image", { config: { mediaType: OCI_CONFIG, digest: digest("1"), size: 2 } }, undefined],
    ["a Docker image", { config: { mediaType: DOCKER_CONFIG, digest: digest("1"), size: 2 } }, undefined],
    [
      "an artifact with an artifactType",
      {
        artifactType: "application/spdx+json",
        config: { mediaType: OCI_CONFIG, digest: digest("1"), size: 2 },
      },
      "an artifact (artifactType application/spdx+json)",
    ],
    [
      "an artifact with its own config type",
      { config: { mediaType: "application/vnd.cncf.helm.config.v1+json", digest: digest("1"), size: 2 } },
      "an artifact (config application/vnd.cncf.helm.config.v1+json)",
    ],
  ])("tells %s from an image", (_what, manifest, reason) => {
    expect(notAnImage(manifest)).toBe(reason);
  });

  it("is listed in a Docker manifest list only when every entry is Docker and nothing OCI-only is wanted", () => {
    const docker = entry("linux/amd64", "1", { mediaType: DOCKER_MANIFEST });
    expect(indexFlavorFor([docker, docker], false)).toBe("docker");
    expect(indexFlavorFor([docker], true)).toBe("oci");
    expect(indexFlavorFor([docker, entry("linux/arm64", "2")], false)).toBe("oci");
    expect(indexFlavorFor([], false)).toBe("oci");
  });
});
