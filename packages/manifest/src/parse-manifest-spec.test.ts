import { InvalidManifestError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST, parseManifest } from "./index.js";
import {
  ALPINE_DOCKER_LIST,
  ALPINE_OCI_INDEX,
  COSIGN_SIGNATURE,
  DISTROLESS_INDEX,
  DOCKER_IMAGE,
  DOCKER_IMAGE_FOREIGN,
  enc,
  HELM_CHART,
  OCI_ARTIFACT,
  OCI_IMAGE,
  OCI_IMAGE_NO_MEDIATYPE,
  OCI_INDEX_SPEC,
  SCHEMA1_SIGNED,
  SCHEMA1_UNSIGNED,
} from "./test-fixtures.js";

/**
 * Manifests that break the image spec (issue 10, item 14): each is refused with an InvalidManifestError that names
 * the field by its JSON path. https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md
 */

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely, any shape.
type Json = Record<string, any>;
const mutate = (body: string, edit: (json: Json) => void): string => {
  const json = JSON.parse(body);
  edit(json);
  return JSON.stringify(json);
};

describe("parseManifest refuses what the image spec forbids, naming the field", () => {
  const mediaTypes = [
    "",
    "application",
    "application/",
    "/json",
    "application/vnd.oci.image.layer.v1.tar+gzip; charset=utf-8",
    "application/vnd oci",
    "application/json/x",
    "-application/json",
    "application/.json",
    "appl\u00e9/json",
    "application/json\n",
    `application/${"x".repeat(128)}`,
  ];
  it.each(mediaTypes)("a layer mediaType %j", (mediaType) => {
    const body = mutate(DOCKER_IMAGE, (j) => {
      j.layers[2].mediaType = mediaType;
    });
    expect(() => parseManifest(enc(body), DOCKER_MANIFEST)).toThrow(InvalidManifestError);
    expect(() => parseManifest(enc(body), DOCKER_MANIFEST)).toThrow(
      /invalid image manifest: layers\[2\]\.mediaType .* is not a media type/,
    );
  });

  it.each<[string, string, (j: Json) => void, string | undefined, string]>([
    [
      "config mediaType",
      DOCKER_IMAGE,
      (j) => {
        j.config.mediaType = "json";
      },
      DOCKER_MANIFEST,
      "config.mediaType",
    ],
    [
      "subject mediaType",
      OCI_ARTIFACT,
      (j) => {
        j.subject.mediaType = "x y/z";
      },
      OCI_MANIFEST,
      "subject.mediaType",
    ],
    [
      "manifest artifactType",
      OCI_ARTIFACT,
      (j) => {
        j.artifactType = "spdx";
      },
      OCI_MANIFEST,
      "artifactType",
    ],
    [
      "index artifactType",
      OCI_INDEX_SPEC,
      (j) => {
        j.artifactType = "a/b c";
      },
      OCI_INDEX,
      "artifactType",
    ],
    [
      "index entry mediaType",
      ALPINE_DOCKER_LIST,
      (j) => {
        j.manifests[1].mediaType = "";
      },
      DOCKER_MANIFEST_LIST,
      "manifests[1].mediaType",
    ],
    [
      "index entry artifactType",
      OCI_INDEX_SPEC,
      (j) => {
        j.manifests[0].artifactType = "nope";
      },
      OCI_INDEX,
      "manifests[0].artifactType",
    ],
    [
      "layer artifactType",
      OCI_IMAGE,
      (j) => {
        j.layers[0].artifactType = "a/b;c=d";
      },
      OCI_MANIFEST,
      "layers[0].artifactType",
    ],
  ])("%s", (_name, fixture, edit, contentType, path) => {
    const body = mutate(fixture, edit);
    expect(() => parseManifest(enc(body), contentType)).toThrow(InvalidManifestError);
    expect(() => parseManifest(enc(body), contentType)).toThrow(`${path} `);
    expect(() => parseManifest(enc(body), contentType)).toThrow("is not a media type");
  });

  const badUrls = [
    "",
    "not a url",
    "/v2/library/alpine/blobs/sha256:abc",
    "relative/path",
    "file:///etc/passwd",
    "ftp://example.com/layer.tar",
    "data:application/octet-stream;base64,AAAA",
    "javascript:alert(1)",
    "http:example.com/x",
    "https:///no-host",
    "https://",
    "https://exa mple.com/x",
    "https://example.com/\u0000",
    "https://example.com/a\\b",
    "https://example.com/<script>",
    "https://example.com/%zz",
    " https://example.com/x",
    "https://example.com/x\n",
  ];
  it.each(badUrls)("a urls entry %j", (url) => {
    const body = mutate(DOCKER_IMAGE_FOREIGN, (j) => {
      j.layers[0].urls = ["https://mcr.microsoft.com/ok", url];
    });
    expect(() => parseManifest(enc(body), DOCKER_MANIFEST)).toThrow(InvalidManifestError);
    expect(() => parseManifest(enc(body), DOCKER_MANIFEST)).toThrow(
      /layers\[0\]\.urls\[1\] .* is not an absolute http or https URL/,
    );
  });

  it.each<[string, string, string]>([
    ["a size written 1.0", '"size":1.0', "layers[1].size must be written as an integer, got 1.0"],
    [
      "a size written with an exponent",
      '"size":1e3',
      "layers[1].size must be written as an integer, got 1e3",
    ],
    ["a size written 2E+1", '"size":2E+1', "layers[1].size must be written as an integer, got 2E+1"],
    ["a fractional size", '"size":1.5', "layers[1].size must be a non-negative integer, got 1.5"],
    ["a negative size", '"size":-1', "layers[1].size must be a non-negative integer, got -1"],
    ["a size as a string", '"size":"1"', 'layers[1].size must be a non-negative integer, got "1"'],
  ])("%s", (_name, size, message) => {
    const json = JSON.parse(OCI_IMAGE) as Json;
    json.layers.splice(1, 0, { ...json.layers[0], size: "@SIZE@" });
    const body = JSON.stringify(json).replace('"size":"@SIZE@"', size);
    expect(() => parseManifest(enc(body), OCI_MANIFEST)).toThrow(InvalidManifestError);
    expect(() => parseManifest(enc(body), OCI_MANIFEST)).toThrow(message);
  });

  it("a schemaVersion written 2.0", () => {
    const body = OCI_IMAGE_NO_MEDIATYPE.replace('"schemaVersion":2', '"schemaVersion":2.0');
    expect(() => parseManifest(enc(body))).toThrow("schemaVersion must be written as an integer, got 2.0");
  });

  it("an escaped key is still the key: \\u0073ize", () => {
    const body = OCI_IMAGE_NO_MEDIATYPE.replace(/"size":1497/, '"\\u0073ize":1497.0');
    expect(() => parseManifest(enc(body))).toThrow("config.size must be written as an integer");
  });

  it.each<[string, string, (j: Json) => void, string]>([
    [
      "index entry digest",
      ALPINE_DOCKER_LIST,
      (j) => {
        j.manifests[2].digest = "sha256:XYZ";
      },
      "manifests[2].digest",
    ],
    [
      "uppercase hex",
      DOCKER_IMAGE,
      (j) => {
        j.layers[0].digest = j.layers[0].digest.toUpperCase();
      },
      "layers[0].digest",
    ],
    [
      "no algorithm",
      DOCKER_IMAGE,
      (j) => {
        j.config.digest = ":abc";
      },
      "config.digest",
    ],
    [
      "sha512 too short",
      DOCKER_IMAGE,
      (j) => {
        j.config.digest = `sha512:${"a".repeat(64)}`;
      },
      "config.digest",
    ],
  ])("a digest that is not a digest: %s", (_name, fixture, edit, path) => {
    const body = mutate(fixture, edit);
    expect(() => parseManifest(enc(body))).toThrow(InvalidManifestError);
    expect(() => parseManifest(enc(body))).toThrow(`${path} `);
  });

  it.each<[string, unknown, string]>([
    ["a number", 1, 'annotations["n"] must be a string'],
    ["null", null, 'annotations["n"] must be a string'],
    ["an object", { a: "b" }, 'annotations["n"] must be a string'],
    ["an array", ["x"], 'annotations["n"] must be a string'],
  ])("an annotation value that is %s", (_name, value, message) => {
    const body = mutate(OCI_IMAGE, (j) => {
      j.layers[0].annotations = { ok: "yes", n: value };
    });
    expect(() => parseManifest(enc(body))).toThrow(`layers[0].${message}`);
  });

  it("annotations that are an array", () => {
    const body = mutate(OCI_INDEX_SPEC, (j) => {
      j.annotations = ["a"];
    });
    expect(() => parseManifest(enc(body))).toThrow("annotations must be an object of strings, got an array");
  });
});

describe("parseManifest still reads real manifests", () => {
  it.each<[string, string, string | undefined]>([
    ["Docker schema 2", DOCKER_IMAGE, DOCKER_MANIFEST],
    ["Docker foreign layer with urls", DOCKER_IMAGE_FOREIGN, DOCKER_MANIFEST],
    ["Docker Hub alpine manifest list", ALPINE_DOCKER_LIST, DOCKER_MANIFEST_LIST],
    ["Docker Hub alpine OCI index", ALPINE_OCI_INDEX, OCI_INDEX],
    ["OCI image", OCI_IMAGE, OCI_MANIFEST],
    ["OCI image without mediaType", OCI_IMAGE_NO_MEDIATYPE, undefined],
    ["OCI artifact with subject", OCI_ARTIFACT, OCI_MANIFEST],
    ["OCI index with artifactType", OCI_INDEX_SPEC, OCI_INDEX],
    ["distroless index", DISTROLESS_INDEX, OCI_INDEX],
    ["cosign signature", COSIGN_SIGNATURE, OCI_MANIFEST],
    ["Helm chart", HELM_CHART, OCI_MANIFEST],
    ["Helm chart, no Content-Type", HELM_CHART, undefined],
    ["schema 1", SCHEMA1_UNSIGNED, undefined],
    ["signed schema 1", SCHEMA1_SIGNED, undefined],
    [
      "a size of 0 and the largest safe size",
      DOCKER_IMAGE.replace('"size": 7023', '"size": 0').replace(/"size": 32654/, '"size": 9007199254740991'),
      DOCKER_MANIFEST,
    ],
    [
      "urls with a port, query and %-escape",
      DOCKER_IMAGE_FOREIGN.replace(
        "https://mcr.microsoft.com/v2/",
        "HTTP://mcr.microsoft.com:8443/v2/%7Ex?a=b&c=d#f/",
      ),
      DOCKER_MANIFEST,
    ],
  ])("%s", (_name, body, contentType) => {
    const parsed = parseManifest(enc(body), contentType);
    expect(parsed.bytes).toEqual(enc(body));
  });
});
