import { describe, expect, it } from "vitest";
import { type ImageIndex, type ImageManifest, indexSizes, manifestSum } from "./index.js";
import {
  ALPINE_OCI_INDEX,
  ALPINE_PLATFORMS,
  DOCKER_IMAGE,
  OCI_ARTIFACT,
  OCI_IMAGE,
} from "./test-fixtures.js";

describe("manifestSum", () => {
  it.each([
    ["Docker spec example", DOCKER_IMAGE, 7023 + 32654 + 16724 + 73109],
    ["OCI spec example", OCI_IMAGE, 7023 + 32654 + 16724 + 73109],
    ["artifact with the empty config", OCI_ARTIFACT, 2 + 18217],
  ])("%s", (_name, body, total) => {
    expect(manifestSum(JSON.parse(body) as ImageManifest)).toBe(total);
  });

  it("a config with no layers is the config size", () => {
    expect(manifestSum({ config: { mediaType: "x/y", digest: "sha256:0", size: 9 }, layers: [] })).toBe(9);
  });
});

describe("indexSizes", () => {
  it("sums each platform's child, leaves out attestations, marks missing children", () => {
    const index = JSON.parse(ALPINE_OCI_INDEX) as ImageIndex;
    const amd64 = JSON.parse(OCI_IMAGE) as ImageManifest;
    const arm64 = JSON.parse(OCI_ARTIFACT) as ImageManifest;
    const children = new Map([
      [ALPINE_PLATFORMS[0][1], amd64],
      [ALPINE_PLATFORMS[3][1], arm64],
    ]);
    const sizes = indexSizes(index, children);
    expect(sizes).toHaveLength(8);
    expect(sizes[0]).toEqual({ platform: "linux/amd64", digest: ALPINE_PLATFORMS[0][1], size: 129510 });
    expect(sizes[3]).toEqual({ platform: "linux/arm64/v8", digest: ALPINE_PLATFORMS[3][1], size: 18219 });
    expect(sizes[1]).toEqual({ platform: "linux/arm/v6", digest: ALPINE_PLATFORMS[1][1], size: undefined });
    expect(sizes.map((s) => s.platform)).toEqual(ALPINE_PLATFORMS.map(([name]) => name));
  });
});
