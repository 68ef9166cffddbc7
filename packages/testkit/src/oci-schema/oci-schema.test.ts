/** The vendored image-spec schemas catch what they should, so a test that finds no complaint means something. */
import { describe, expect, it } from "vitest";
import { ociSchemaErrors } from "./oci-schema.js";

const digest = `sha256:${"a".repeat(64)}`;
const empty = {
  mediaType: "application/vnd.oci.empty.v1+json",
  digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
  size: 2,
  data: "e30=",
};
const artifact = {
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  artifactType: "application/spdx+json",
  config: empty,
  layers: [
    {
      mediaType: "application/spdx+json",
      digest,
      size: 3,
      annotations: { "org.opencontainers.image.title": "s" },
    },
  ],
  subject: { mediaType: "application/vnd.oci.image.index.v1+json", digest, size: 10 },
};

describe("ociSchemaErrors", () => {
  it("finds nothing wrong with a valid artifact manifest (bytes or parsed) or index", () => {
    expect(ociSchemaErrors("manifest", artifact)).toEqual([]);
    expect(ociSchemaErrors("manifest", Buffer.from(JSON.stringify(artifact)))).toEqual([]);
    const index = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{ ...artifact.subject, platform: { os: "linux", architecture: "amd64" } }],
    };
    expect(ociSchemaErrors("index", index)).toEqual([]);
  });

  it.each([
    ["no layers", { ...artifact, layers: [] }, "/layers"],
    ["a bad artifactType", { ...artifact, artifactType: "spdx" }, "/artifactType"],
    ["a layer without a media type", { ...artifact, layers: [{ digest, size: 1 }] }, "/layers/0"],
    ["a bad digest", { ...artifact, config: { ...empty, digest: "sha256" } }, "/config/digest"],
    ["a non-string annotation", { ...artifact, annotations: { a: 1 } }, "/annotations/a"],
    ["schemaVersion 1", { ...artifact, schemaVersion: 1 }, "/schemaVersion"],
  ])("complains about %s", (_what, manifest, path) => {
    expect(ociSchemaErrors("manifest", manifest).join("\n")).toContain(path);
  });

  it("complains about an index entry without a platform's os", () => {
    const index = {
      schemaVersion: 2,
      manifests: [{ ...artifact.subject, platform: { architecture: "amd64" } }],
    };
    expect(ociSchemaErrors("index", index).join("\n")).toContain("/manifests/0/platform");
  });
});
