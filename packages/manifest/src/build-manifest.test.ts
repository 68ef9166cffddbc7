import { InvalidManifestError, UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import {
  buildImageManifest,
  buildIndex,
  computeDigest,
  type Descriptor,
  DOCKER_CONFIG,
  DOCKER_LAYER,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  descriptorData,
  EMPTY_DESCRIPTOR,
  EMPTY_JSON,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
  parseManifest,
  parsePlatform,
  selectManifest,
  serializeManifest,
} from "./index.js";
import { enc } from "./test-fixtures.js";

const d = (mediaType: string, digit: string, size: number, extra: Partial<Descriptor> = {}): Descriptor => ({
  mediaType,
  digest: `sha256:${digit.repeat(64)}`,
  size,
  ...extra,
});

describe("serializeManifest", () => {
  it("writes 2-space indented JSON without a trailing newline, and digests those bytes", () => {
    const { bytes, digest, size } = serializeManifest({ schemaVersion: 2, a: [1] });
    const text = new TextDecoder().decode(bytes);
    expect(text).toBe('{\n  "schemaVersion": 2,\n  "a": [\n    1\n  ]\n}');
    expect(digest).toBe(computeDigest(bytes));
    expect(size).toBe(bytes.byteLength);
    expect(serializeManifest({ schemaVersion: 2, a: [1] }).digest).toBe(digest);
  });
});

describe("buildImageManifest", () => {
  const config = d(OCI_CONFIG, "c", 1469);
  const layers = [d(OCI_LAYER_GZIP, "1", 3623807), d(OCI_LAYER_GZIP, "2", 120)];

  it("builds an OCI manifest that parses back to itself", () => {
    const built = buildImageManifest({
      config,
      layers,
      annotations: { "org.opencontainers.image.version": "1.0" },
    });
    expect(built.mediaType).toBe(OCI_MANIFEST);
    const parsed = parseManifest(built.bytes, built.mediaType);
    expect(parsed).toMatchObject({ kind: "image", mediaType: OCI_MANIFEST, digest: built.digest });
    expect(parsed.manifest).toEqual(built.manifest);
    expect(Object.keys(built.manifest)).toEqual([
      "schemaVersion",
      "mediaType",
      "config",
      "layers",
      "annotations",
    ]);
  });

  it("builds a Docker manifest", () => {
    const built = buildImageManifest({
      mediaType: "docker",
      config: d(DOCKER_CONFIG, "c", 10),
      layers: [d(DOCKER_LAYER, "1", 5)],
    });
    expect(built.mediaType).toBe(DOCKER_MANIFEST);
    expect(parseManifest(built.bytes, DOCKER_MANIFEST).kind).toBe("image");
  });

  it("builds an artifact with a subject and the empty config, fields in spec order", () => {
    const subject = d(OCI_MANIFEST, "9", 1022);
    const built = buildImageManifest({
      artifactType: "application/spdx+json",
      config: EMPTY_DESCRIPTOR,
      layers: [
        d("application/spdx+json", "5", 18217, {
          annotations: { "org.opencontainers.image.title": "sbom.json" },
        }),
      ],
      subject,
    });
    expect(Object.keys(built.manifest)).toEqual([
      "schemaVersion",
      "mediaType",
      "artifactType",
      "config",
      "layers",
      "subject",
    ]);
    expect(Object.keys(built.manifest.config)).toEqual(["mediaType", "digest", "size", "data"]);
    const parsed = parseManifest(built.bytes);
    if (parsed.kind !== "image") throw new Error("kind");
    expect(parsed.manifest.subject).toEqual(subject);
    expect(descriptorData(parsed.manifest.config)).toEqual(enc(EMPTY_JSON));
  });

  it("reorders descriptor fields and keeps unknown ones", () => {
    const messy = {
      size: 5,
      "x-extra": 1,
      digest: `sha256:${"1".repeat(64)}`,
      mediaType: OCI_LAYER_GZIP,
    } as unknown as Descriptor;
    const built = buildImageManifest({ config, layers: [messy] });
    expect(Object.keys(built.manifest.layers[0]!)).toEqual(["mediaType", "digest", "size", "x-extra"]);
  });

  it.each<[string, Parameters<typeof buildImageManifest>[0], new (...a: never[]) => Error, string]>([
    [
      "Docker with a subject",
      { mediaType: "docker", config, layers, subject: config },
      UsageError,
      "a Docker image manifest has no subject",
    ],
    [
      "Docker with artifactType and annotations",
      { mediaType: "docker", config, layers, artifactType: "a/b", annotations: {} },
      UsageError,
      "has no artifactType, annotations",
    ],
    [
      "empty config without artifactType",
      { config: EMPTY_DESCRIPTOR, layers: [] },
      UsageError,
      "must set artifactType",
    ],
    [
      "unknown flavour",
      { mediaType: "podman" as never, config, layers },
      UsageError,
      'mediaType must be "oci" or "docker"',
    ],
    [
      "a bad layer digest",
      { config, layers: [{ ...layers[0]!, digest: "sha256:1" }] },
      InvalidManifestError,
      'layers[0].digest "sha256:1" is not a valid digest',
    ],
    [
      "a negative size",
      { config: { ...config, size: -1 }, layers },
      InvalidManifestError,
      "config.size must be a non-negative integer",
    ],
    [
      "annotations not strings",
      { config, layers, annotations: { a: 1 as never } },
      InvalidManifestError,
      'annotations["a"] must be a string',
    ],
  ])("refuses %s", (_name, input, type, message) => {
    expect(() => buildImageManifest(input)).toThrow(type);
    expect(() => buildImageManifest(input)).toThrow(message);
  });
});

describe("buildIndex", () => {
  const manifests = [
    d(OCI_MANIFEST, "a", 1022, { platform: { os: "linux", variant: "v7", architecture: "arm" } }),
    d(OCI_MANIFEST, "b", 1022, { platform: { os: "linux", architecture: "amd64" } }),
  ];

  it.each([
    ["oci", OCI_INDEX],
    ["docker", DOCKER_MANIFEST_LIST],
  ] as const)("builds a %s index that parses back and selects", (flavor, mediaType) => {
    const built = buildIndex({ mediaType: flavor, manifests });
    expect(built.mediaType).toBe(mediaType);
    const parsed = parseManifest(built.bytes, mediaType);
    expect(parsed).toMatchObject({ kind: "index", mediaType, digest: built.digest });
    if (parsed.kind !== "index") throw new Error("kind");
    expect(selectManifest(parsed.manifest, parsePlatform("linux/arm/v7"))?.digest).toBe(manifests[0]!.digest);
    // platform fields in the order of the OCI Go types
    expect(Object.keys(parsed.manifest.manifests[0]!.platform!)).toEqual(["architecture", "os", "variant"]);
  });

  it("builds an OCI index with artifactType, subject and annotations", () => {
    const built = buildIndex({
      manifests,
      artifactType: "a/b",
      subject: manifests[1]!,
      annotations: { k: "v" },
    });
    expect(Object.keys(built.manifest)).toEqual([
      "schemaVersion",
      "mediaType",
      "artifactType",
      "manifests",
      "subject",
      "annotations",
    ]);
  });

  it("refuses OCI-only fields on a Docker list", () => {
    expect(() => buildIndex({ mediaType: "docker", manifests, subject: manifests[0]! })).toThrow(UsageError);
  });
});

describe("descriptorData", () => {
  it.each<[string, Descriptor, string]>([
    ["wrong size", { ...EMPTY_DESCRIPTOR, size: 3 }, "is 2 bytes, but size says 3"],
    ["wrong content", { ...EMPTY_DESCRIPTOR, data: "W10=" }, "data hashes to sha256:"],
    ["not base64", { ...EMPTY_DESCRIPTOR, data: "e30" }, "is not base64"],
  ])("refuses %s", (_name, descriptor, message) => {
    expect(() => descriptorData(descriptor)).toThrow(InvalidManifestError);
    expect(() => descriptorData(descriptor)).toThrow(message);
  });

  it("returns undefined without data", () => {
    const { data: _, ...bare } = EMPTY_DESCRIPTOR;
    expect(descriptorData(bare)).toBeUndefined();
  });
});
