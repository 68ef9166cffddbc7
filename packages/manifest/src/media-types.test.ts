import { describe, expect, it } from "vitest";
import {
  ACCEPT_PRESETS,
  type AcceptPreset,
  ALL_MANIFEST_TYPES,
  acceptHeader,
  DOCKER_CONFIG,
  DOCKER_FOREIGN_LAYER,
  DOCKER_LAYER,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  DOCKER_SCHEMA1_MANIFEST,
  DOCKER_SCHEMA1_SIGNED_MANIFEST,
  IMAGE_CONFIG_TYPES,
  IMAGE_MANIFEST_TYPES,
  INDEX_TYPES,
  LAYER_TYPES,
  manifestKindOf,
  mediaTypeEssence,
  OCI_CONFIG,
  OCI_EMPTY,
  OCI_INDEX,
  OCI_LAYER,
  OCI_LAYER_GZIP,
  OCI_LAYER_NONDISTRIBUTABLE,
  OCI_LAYER_ZSTD,
  OCI_MANIFEST,
} from "./index.js";

describe("media type constants", () => {
  it.each([
    [DOCKER_MANIFEST, "application/vnd.docker.distribution.manifest.v2+json"],
    [DOCKER_MANIFEST_LIST, "application/vnd.docker.distribution.manifest.list.v2+json"],
    [DOCKER_SCHEMA1_MANIFEST, "application/vnd.docker.distribution.manifest.v1+json"],
    [DOCKER_SCHEMA1_SIGNED_MANIFEST, "application/vnd.docker.distribution.manifest.v1+prettyjws"],
    [DOCKER_CONFIG, "application/vnd.docker.container.image.v1+json"],
    [DOCKER_LAYER, "application/vnd.docker.image.rootfs.diff.tar.gzip"],
    [DOCKER_FOREIGN_LAYER, "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"],
    [OCI_MANIFEST, "application/vnd.oci.image.manifest.v1+json"],
    [OCI_INDEX, "application/vnd.oci.image.index.v1+json"],
    [OCI_CONFIG, "application/vnd.oci.image.config.v1+json"],
    [OCI_LAYER, "application/vnd.oci.image.layer.v1.tar"],
    [OCI_LAYER_GZIP, "application/vnd.oci.image.layer.v1.tar+gzip"],
    [OCI_LAYER_ZSTD, "application/vnd.oci.image.layer.v1.tar+zstd"],
    [OCI_LAYER_NONDISTRIBUTABLE, "application/vnd.oci.image.layer.nondistributable.v1.tar"],
    [OCI_EMPTY, "application/vnd.oci.empty.v1+json"],
  ])("%s", (constant, value) => {
    expect(constant).toBe(value);
  });

  it("groups them in sets", () => {
    expect([...IMAGE_MANIFEST_TYPES]).toEqual([OCI_MANIFEST, DOCKER_MANIFEST]);
    expect([...INDEX_TYPES]).toEqual([OCI_INDEX, DOCKER_MANIFEST_LIST]);
    expect(IMAGE_CONFIG_TYPES.has(DOCKER_CONFIG) && IMAGE_CONFIG_TYPES.has(OCI_CONFIG)).toBe(true);
    expect(LAYER_TYPES.has(DOCKER_FOREIGN_LAYER) && LAYER_TYPES.has(OCI_LAYER_ZSTD)).toBe(true);
    expect(ALL_MANIFEST_TYPES).toEqual([
      OCI_INDEX,
      DOCKER_MANIFEST_LIST,
      OCI_MANIFEST,
      DOCKER_MANIFEST,
      DOCKER_SCHEMA1_SIGNED_MANIFEST,
      DOCKER_SCHEMA1_MANIFEST,
    ]);
    expect(Object.isFrozen(ALL_MANIFEST_TYPES) && Object.isFrozen(ACCEPT_PRESETS)).toBe(true);
  });
});

describe("acceptHeader / ACCEPT_PRESETS", () => {
  it.each<[AcceptPreset | string[], string]>([
    ["schema2", DOCKER_MANIFEST],
    ["list", DOCKER_MANIFEST_LIST],
    ["oci", OCI_MANIFEST],
    ["index", OCI_INDEX],
    ["schema1", `${DOCKER_SCHEMA1_SIGNED_MANIFEST}, ${DOCKER_SCHEMA1_MANIFEST}`],
    ["all", ALL_MANIFEST_TYPES.join(", ")],
    [["index", "list"], `${OCI_INDEX}, ${DOCKER_MANIFEST_LIST}`],
    [["oci", OCI_MANIFEST, "application/x-custom"], `${OCI_MANIFEST}, application/x-custom`],
    [["all", "oci"], ALL_MANIFEST_TYPES.join(", ")],
  ])("%j", (accept, header) => {
    expect(acceptHeader(accept)).toBe(header);
  });

  it("defaults to all", () => {
    expect(acceptHeader()).toBe(ALL_MANIFEST_TYPES.join(", "));
    expect(ACCEPT_PRESETS.all).toBe(ALL_MANIFEST_TYPES);
  });
});

describe("mediaTypeEssence / manifestKindOf", () => {
  it.each<[string | undefined, string, ReturnType<typeof manifestKindOf>]>([
    [OCI_INDEX, OCI_INDEX, "index"],
    [`${OCI_INDEX}; charset=utf-8`, OCI_INDEX, "index"],
    [`  ${DOCKER_MANIFEST.toUpperCase()}  `, DOCKER_MANIFEST, "image"],
    [`${DOCKER_MANIFEST_LIST};q=0.9`, DOCKER_MANIFEST_LIST, "index"],
    [DOCKER_SCHEMA1_SIGNED_MANIFEST, DOCKER_SCHEMA1_SIGNED_MANIFEST, "schema1"],
    [DOCKER_SCHEMA1_MANIFEST, DOCKER_SCHEMA1_MANIFEST, "schema1"],
    ["application/json", "application/json", undefined],
    [OCI_CONFIG, OCI_CONFIG, undefined],
    ["", "", undefined],
    [undefined, "", undefined],
  ])("%j → %j, %s", (contentType, essence, kind) => {
    expect(mediaTypeEssence(contentType)).toBe(essence);
    expect(manifestKindOf(contentType)).toBe(kind);
  });
});
