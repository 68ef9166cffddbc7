import { DigestMismatchError, InvalidDigestError, InvalidManifestError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import {
  computeDigest,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  DOCKER_SCHEMA1_MANIFEST,
  DOCKER_SCHEMA1_SIGNED_MANIFEST,
  manifestDigest,
  OCI_INDEX,
  OCI_MANIFEST,
  type ParsedManifest,
  parseManifest,
  verifyManifestDigest,
} from "./index.js";
import {
  ALPINE_DOCKER_LIST,
  ALPINE_OCI_INDEX,
  DOCKER_IMAGE,
  DOCKER_IMAGE_FOREIGN,
  enc,
  OCI_ARTIFACT,
  OCI_IMAGE,
  OCI_IMAGE_NO_MEDIATYPE,
  OCI_INDEX_SPEC,
  SCHEMA1_SIGNED,
  SCHEMA1_SIGNED_DIGEST,
  SCHEMA1_UNSIGNED,
} from "./test-fixtures.js";

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely, any shape.
type Json = Record<string, any>;

/** A fixture changed by `edit`, re-serialised. */
function mutate(body: string, edit: (json: Json) => void): string {
  const json = JSON.parse(body);
  edit(json);
  return JSON.stringify(json);
}

const INDEX_NO_MEDIATYPE = mutate(OCI_INDEX_SPEC, (j) => {
  delete j.mediaType;
});

describe("parseManifest: every media type", () => {
  it.each<[string, string, string | undefined, ParsedManifest["kind"], string, number]>([
    // name, body, Content-Type, kind, mediaType, count of layers / manifests / fsLayers
    ["Docker image", DOCKER_IMAGE, DOCKER_MANIFEST, "image", DOCKER_MANIFEST, 3],
    [
      "Docker image, header with parameters and capitals",
      DOCKER_IMAGE,
      `${DOCKER_MANIFEST.toUpperCase()} ; charset=utf-8`,
      "image",
      DOCKER_MANIFEST,
      3,
    ],
    ["Docker image, no Content-Type", DOCKER_IMAGE, undefined, "image", DOCKER_MANIFEST, 3],
    ["Docker image, generic Content-Type", DOCKER_IMAGE, "application/json", "image", DOCKER_MANIFEST, 3],
    ["Docker image with a foreign layer", DOCKER_IMAGE_FOREIGN, DOCKER_MANIFEST, "image", DOCKER_MANIFEST, 1],
    [
      "alpine Docker manifest list",
      ALPINE_DOCKER_LIST,
      DOCKER_MANIFEST_LIST,
      "index",
      DOCKER_MANIFEST_LIST,
      7,
    ],
    ["alpine OCI index with attestations", ALPINE_OCI_INDEX, OCI_INDEX, "index", OCI_INDEX, 16],
    ["OCI image with subject", OCI_IMAGE, OCI_MANIFEST, "image", OCI_MANIFEST, 3],
    [
      "OCI image without mediaType, by header",
      OCI_IMAGE_NO_MEDIATYPE,
      OCI_MANIFEST,
      "image",
      OCI_MANIFEST,
      1,
    ],
    ["OCI image without mediaType, inferred", OCI_IMAGE_NO_MEDIATYPE, undefined, "image", OCI_MANIFEST, 1],
    [
      "OCI image without mediaType, Docker header",
      OCI_IMAGE_NO_MEDIATYPE,
      DOCKER_MANIFEST,
      "image",
      DOCKER_MANIFEST,
      1,
    ],
    ["OCI artifact with subject", OCI_ARTIFACT, OCI_MANIFEST, "image", OCI_MANIFEST, 1],
    [
      "OCI index with artifactType and subject",
      OCI_INDEX_SPEC,
      `${OCI_INDEX}; charset=utf-8`,
      "index",
      OCI_INDEX,
      2,
    ],
    ["OCI index without mediaType, inferred", INDEX_NO_MEDIATYPE, "", "index", OCI_INDEX, 2],
    [
      "Docker list served as OCI (body wins)",
      ALPINE_DOCKER_LIST,
      OCI_INDEX,
      "index",
      DOCKER_MANIFEST_LIST,
      7,
    ],
    ["unsigned schema 1", SCHEMA1_UNSIGNED, DOCKER_SCHEMA1_MANIFEST, "schema1", DOCKER_SCHEMA1_MANIFEST, 2],
    [
      "unsigned schema 1 as application/json",
      SCHEMA1_UNSIGNED,
      "application/json",
      "schema1",
      DOCKER_SCHEMA1_MANIFEST,
      2,
    ],
    [
      "signed schema 1",
      SCHEMA1_SIGNED,
      DOCKER_SCHEMA1_SIGNED_MANIFEST,
      "schema1",
      DOCKER_SCHEMA1_SIGNED_MANIFEST,
      2,
    ],
    [
      "signed schema 1, no Content-Type",
      SCHEMA1_SIGNED,
      undefined,
      "schema1",
      DOCKER_SCHEMA1_SIGNED_MANIFEST,
      2,
    ],
  ])("%s", (_name, body, contentType, kind, mediaType, count) => {
    const bytes = enc(body);
    const parsed = parseManifest(bytes, contentType);
    expect(parsed.kind).toBe(kind);
    expect(parsed.mediaType).toBe(mediaType);
    expect(parsed.bytes).toBe(bytes);
    expect(parsed.manifest).toMatchObject(kind === "schema1" ? { schemaVersion: 1 } : { schemaVersion: 2 });
    const items =
      parsed.kind === "image"
        ? parsed.manifest.layers
        : parsed.kind === "index"
          ? parsed.manifest.manifests
          : parsed.manifest.fsLayers;
    expect(items).toHaveLength(count);
    if (parsed.kind !== "schema1" || !parsed.signed) expect(parsed.digest).toBe(computeDigest(bytes));
  });

  it("keeps the typed fields and unknown ones", () => {
    const withExtra = mutate(OCI_ARTIFACT, (j) => {
      j["x-vendor"] = { keep: true };
    });
    const parsed = parseManifest(enc(withExtra), OCI_MANIFEST);
    if (parsed.kind !== "image") throw new Error("kind");
    expect(parsed.manifest.artifactType).toBe("application/spdx+json");
    expect(parsed.manifest.config.data).toBe("e30=");
    expect(parsed.manifest.subject?.digest).toBe(
      "sha256:1882fa4569e0c591ea092d3766c4893e19b8901a8e649de7067188aba3cc0679",
    );
    expect(parsed.manifest.layers[0]?.annotations).toEqual({
      "org.opencontainers.image.title": "sbom.spdx.json",
    });
    expect((parsed.manifest as unknown as Record<string, unknown>)["x-vendor"]).toEqual({ keep: true });
  });

  it("reads index entries with platforms and attestation annotations", () => {
    const parsed = parseManifest(enc(ALPINE_OCI_INDEX), OCI_INDEX);
    if (parsed.kind !== "index") throw new Error("kind");
    expect(parsed.manifest.manifests[1]?.platform).toEqual({
      architecture: "arm",
      os: "linux",
      variant: "v6",
    });
    expect(parsed.manifest.manifests[8]?.annotations?.["vnd.docker.reference.type"]).toBe(
      "attestation-manifest",
    );
  });
});

describe("parseManifest: bodies that are not what they claim", () => {
  it.each<[string, string | Uint8Array, string | undefined, string]>([
    ["truncated JSON", DOCKER_IMAGE.slice(0, 100), DOCKER_MANIFEST, "invalid manifest: not JSON"],
    ["not UTF-8", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), DOCKER_MANIFEST, "not UTF-8"],
    ["HTML error page", "<html><body>502 Bad Gateway</body></html>", "text/html", "not JSON"],
    ["an array", "[]", undefined, "not a JSON object but an array"],
    ["null", "null", undefined, "not a JSON object but null"],
    ["empty object", "{}", undefined, "cannot tell what kind of manifest"],
    [
      "index header, image body",
      OCI_IMAGE,
      OCI_INDEX,
      `Content-Type says ${OCI_INDEX} but the body's mediaType is ${OCI_MANIFEST}`,
    ],
    ["list header, Docker image body", DOCKER_IMAGE, DOCKER_MANIFEST_LIST, "but the body's mediaType is"],
    [
      "index header, image body without mediaType",
      OCI_IMAGE_NO_MEDIATYPE,
      OCI_INDEX,
      "invalid image index: Content-Type says application/vnd.oci.image.index.v1+json but the body has config and layers, like an image manifest",
    ],
    [
      "image header, index body without mediaType",
      INDEX_NO_MEDIATYPE,
      OCI_MANIFEST,
      "invalid image manifest: Content-Type says application/vnd.oci.image.manifest.v1+json but the body has manifests, like an index",
    ],
    [
      "image mediaType with manifests (no header)",
      mutate(OCI_INDEX_SPEC, (j) => {
        j.mediaType = OCI_MANIFEST;
      }),
      undefined,
      `its mediaType is ${OCI_MANIFEST} but the body has manifests`,
    ],
    [
      "schema1 header, schema 2 body",
      mutate(OCI_IMAGE_NO_MEDIATYPE, () => {}),
      DOCKER_SCHEMA1_SIGNED_MANIFEST,
      "schemaVersion must be 1, got 2",
    ],
    [
      "both manifests and layers (CVE-2021-41190)",
      mutate(OCI_IMAGE_NO_MEDIATYPE, (j) => {
        j.manifests = [];
      }),
      undefined,
      "both manifests and config and layers",
    ],
    [
      "both manifests and config, with a mediaType",
      mutate(OCI_INDEX_SPEC, (j) => {
        j.config = JSON.parse(OCI_IMAGE).config;
      }),
      OCI_INDEX,
      "both manifests and config",
    ],
    [
      "unsupported body mediaType",
      mutate(OCI_IMAGE, (j) => {
        j.mediaType = "application/vnd.oci.artifact.manifest.v1+json";
      }),
      undefined,
      'unsupported mediaType "application/vnd.oci.artifact.manifest.v1+json"',
    ],
    [
      "body mediaType not a string",
      mutate(OCI_IMAGE, (j) => {
        j.mediaType = 2;
      }),
      undefined,
      "mediaType must be a string, got 2",
    ],
    [
      "missing config",
      mutate(OCI_IMAGE, (j) => {
        delete j.config;
      }),
      OCI_MANIFEST,
      "invalid image manifest: config is missing",
    ],
    [
      "missing layers",
      mutate(OCI_IMAGE, (j) => {
        delete j.layers;
      }),
      OCI_MANIFEST,
      "invalid image manifest: layers is missing",
    ],
    [
      "layers not an array",
      mutate(OCI_IMAGE, (j) => {
        j.layers = {};
      }),
      OCI_MANIFEST,
      "layers must be an array, got an object",
    ],
    [
      "missing manifests",
      mutate(OCI_INDEX_SPEC, (j) => {
        delete j.manifests;
      }),
      OCI_INDEX,
      "invalid image index: manifests is missing",
    ],
    [
      "schemaVersion 1 in a Docker image",
      mutate(DOCKER_IMAGE, (j) => {
        j.schemaVersion = 1;
      }),
      DOCKER_MANIFEST,
      "schemaVersion must be 2, got 1",
    ],
    [
      "schemaVersion missing",
      mutate(DOCKER_IMAGE, (j) => {
        delete j.schemaVersion;
      }),
      DOCKER_MANIFEST,
      "schemaVersion must be 2, got nothing",
    ],
    [
      "malformed layer digest",
      mutate(DOCKER_IMAGE, (j) => {
        j.layers[1].digest = "sha256:xyz";
      }),
      DOCKER_MANIFEST,
      'layers[1].digest "sha256:xyz" is not a valid digest',
    ],
    [
      "upper-case digest",
      mutate(OCI_IMAGE, (j) => {
        j.config.digest = j.config.digest.toUpperCase();
      }),
      OCI_MANIFEST,
      "config.digest",
    ],
    [
      "negative size",
      mutate(DOCKER_IMAGE, (j) => {
        j.config.size = -1;
      }),
      DOCKER_MANIFEST,
      "config.size must be a non-negative integer, got -1",
    ],
    [
      "fractional size",
      mutate(DOCKER_IMAGE, (j) => {
        j.layers[0].size = 1.5;
      }),
      DOCKER_MANIFEST,
      "layers[0].size must be a non-negative integer, got 1.5",
    ],
    [
      "size as a string",
      mutate(DOCKER_IMAGE, (j) => {
        j.layers[2].size = "73109";
      }),
      DOCKER_MANIFEST,
      'layers[2].size must be a non-negative integer, got "73109"',
    ],
    [
      "size beyond 2^53",
      DOCKER_IMAGE.replace('"size": 7023', '"size": 9007199254740993'),
      DOCKER_MANIFEST,
      "config.size must be a non-negative integer",
    ],
    [
      "layer without mediaType",
      mutate(DOCKER_IMAGE, (j) => {
        delete j.layers[0].mediaType;
      }),
      DOCKER_MANIFEST,
      "layers[0].mediaType must be a string, got nothing",
    ],
    [
      "layer that is not an object",
      mutate(DOCKER_IMAGE, (j) => {
        j.layers[0] = "sha256:abc";
      }),
      DOCKER_MANIFEST,
      "layers[0] must be a descriptor object",
    ],
    [
      "urls not strings",
      mutate(DOCKER_IMAGE_FOREIGN, (j) => {
        j.layers[0].urls = [1];
      }),
      DOCKER_MANIFEST,
      "layers[0].urls[0] must be a string, got 1",
    ],
    [
      "annotation value not a string",
      mutate(OCI_IMAGE, (j) => {
        j.annotations.n = 1;
      }),
      OCI_MANIFEST,
      'annotations["n"] must be a string, got 1',
    ],
    [
      "data not base64",
      mutate(OCI_ARTIFACT, (j) => {
        j.config.data = "e30";
      }),
      OCI_MANIFEST,
      "config.data is not base64",
    ],
    [
      "subject malformed",
      mutate(OCI_ARTIFACT, (j) => {
        j.subject.size = -7;
      }),
      OCI_MANIFEST,
      "subject.size must be a non-negative integer",
    ],
    [
      "index entry digest malformed",
      mutate(ALPINE_DOCKER_LIST, (j) => {
        j.manifests[3].digest = "sha256:410dabcd";
      }),
      DOCKER_MANIFEST_LIST,
      'invalid image index: manifests[3].digest "sha256:410dabcd" is not a valid digest',
    ],
    [
      "platform without os",
      mutate(ALPINE_DOCKER_LIST, (j) => {
        delete j.manifests[0].platform.os;
      }),
      DOCKER_MANIFEST_LIST,
      "manifests[0].platform.os must be a string, got nothing",
    ],
    [
      "platform variant not a string",
      mutate(ALPINE_DOCKER_LIST, (j) => {
        j.manifests[1].platform.variant = 6;
      }),
      DOCKER_MANIFEST_LIST,
      "manifests[1].platform.variant must be a string, got 6",
    ],
    [
      "schema1 without name",
      mutate(SCHEMA1_UNSIGNED, (j) => {
        delete j.name;
      }),
      DOCKER_SCHEMA1_MANIFEST,
      "invalid schema 1 manifest: name must be a string, got nothing",
    ],
    [
      "schema1 with a bad blobSum",
      mutate(SCHEMA1_UNSIGNED, (j) => {
        j.fsLayers[0].blobSum = "sha256:";
      }),
      DOCKER_SCHEMA1_MANIFEST,
      'fsLayers[0].blobSum "sha256:" is not a valid digest',
    ],
    [
      "schema1 with empty signatures",
      mutate(SCHEMA1_UNSIGNED, (j) => {
        j.signatures = [];
      }),
      DOCKER_SCHEMA1_SIGNED_MANIFEST,
      "signatures must be a non-empty array",
    ],
  ])("%s", (_name, body, contentType, message) => {
    const bytes = typeof body === "string" ? enc(body) : body;
    expect(() => parseManifest(bytes, contentType)).toThrow(InvalidManifestError);
    expect(() => parseManifest(bytes, contentType)).toThrow(message);
  });

  it("refuses a body over maxBytes", () => {
    expect(() => parseManifest(enc(DOCKER_IMAGE), DOCKER_MANIFEST, { maxBytes: 100 })).toThrow(
      `invalid manifest: ${enc(DOCKER_IMAGE).byteLength} bytes is more than the limit of 100`,
    );
  });

  it("the error has the MANIFEST_INVALID code", () => {
    try {
      parseManifest(enc("{}"));
      expect.unreachable();
    } catch (err) {
      expect((err as InvalidManifestError).code).toBe("MANIFEST_INVALID");
    }
  });
});

describe("manifestDigest / verifyManifestDigest", () => {
  it.each([
    ["Docker image", DOCKER_IMAGE, DOCKER_MANIFEST],
    ["OCI index", ALPINE_OCI_INDEX, OCI_INDEX],
    ["unsigned schema 1", SCHEMA1_UNSIGNED, DOCKER_SCHEMA1_MANIFEST],
  ])("%s: over the exact bytes, in either algorithm", (_name, body, contentType) => {
    const parsed = parseManifest(enc(body), contentType);
    for (const algorithm of ["sha256", "sha512"] as const) {
      const digest = computeDigest(enc(body), algorithm);
      expect(manifestDigest(parsed, algorithm)).toBe(digest);
      expect(verifyManifestDigest(parsed, digest)).toBe(digest);
    }
  });

  it("signed schema 1: over the JWS payload, not the bytes", () => {
    const parsed = parseManifest(enc(SCHEMA1_SIGNED), DOCKER_SCHEMA1_SIGNED_MANIFEST);
    expect(parsed.digest).toBe(SCHEMA1_SIGNED_DIGEST);
    expect(manifestDigest(parsed)).toBe(SCHEMA1_SIGNED_DIGEST);
    expect(verifyManifestDigest(parsed, SCHEMA1_SIGNED_DIGEST)).toBe(SCHEMA1_SIGNED_DIGEST);
    expect(() => verifyManifestDigest(parsed, computeDigest(enc(SCHEMA1_SIGNED)))).toThrow(
      DigestMismatchError,
    );
  });

  it.each([
    ["one byte changed", (b: string) => b.replace('"size": 16724', '"size": 16725')],
    ["whitespace changed", (b: string) => b.replace(/\n {4}/g, "\n  ")],
    ["re-serialised compactly", (b: string) => JSON.stringify(JSON.parse(b))],
  ])("a tampered manifest (%s) fails verification", (_name, tamper) => {
    const expected = computeDigest(enc(DOCKER_IMAGE));
    const parsed = parseManifest(enc(tamper(DOCKER_IMAGE)), DOCKER_MANIFEST);
    try {
      verifyManifestDigest(parsed, expected);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DigestMismatchError);
      expect(err).toMatchObject({ expected, actual: parsed.digest });
    }
  });

  it("refuses a malformed expected digest", () => {
    expect(() => verifyManifestDigest(parseManifest(enc(DOCKER_IMAGE)), "sha256:short")).toThrow(
      InvalidDigestError,
    );
  });
});
