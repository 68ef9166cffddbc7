/**
 * What Regatta writes is valid by the OCI image spec's own JSON schema (issue 13, "check the schema in tests"): an
 * artifact without and with a subject, one with a directory layer, the fallback tag index kept for a registry
 * without the referrers API, an index made by `createIndex`, and the index a copy of chosen platforms rewrites.
 * The schemas are image-spec v1.1's, vendored in the test kit (packages/testkit/src/oci-schema/SOURCE.md).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  createMswDispatcher,
  createRegistryHandlers,
  distributionFlavour,
  fakeRepository,
  type GeneratedImage,
  type GeneratedIndex,
  generateImage,
  generateIndex,
  ociSchemaErrors,
  tempDirs,
} from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../connect.js";
import type { RegistryClient } from "../registry-client.js";

const tempDir = tempDirs("regatta-oci-schema-");
let image: GeneratedImage;
let arm: GeneratedImage;
let index: GeneratedIndex;
let reg: RegistryClient;

beforeAll(async () => {
  image = await generateImage({ seed: "schema", platform: "linux/amd64" });
  arm = await generateImage({ seed: "schema-arm", platform: "linux/arm64/v8" });
  index = await generateIndex({ seed: "schema-index", platforms: ["linux/amd64", "linux/arm64/v8"] });
  const handlers = createRegistryHandlers(distributionFlavour, {
    host: "registry.test",
    repos: {
      "team/app": fakeRepository({ v1: image, arm, multi: index }),
      "team/copy": fakeRepository({}),
    },
  });
  reg = createClient("registry.test", { dispatcher: createMswDispatcher(handlers), retry: { attempts: 0 } });
});

/** The manifest stored at `ref`, as the registry serves it. */
async function stored(ref: string): Promise<unknown> {
  return JSON.parse(Buffer.from((await reg.manifest(ref)).bytes).toString("utf8"));
}

describe("the image-spec v1.1 schema", () => {
  it("validates an artifact without a subject, and one with a directory layer", async () => {
    const plain = await reg.pushArtifact("team/app:doc", {
      artifactType: "application/vnd.example.doc",
      annotations: { "org.opencontainers.image.created": "2026-01-01T00:00:00Z" },
      files: [{ bytes: "hello", title: "hello.txt", mediaType: "text/plain" }],
    });
    expect(ociSchemaErrors("manifest", await stored(`team/app@${plain.digest}`))).toEqual([]);

    const dir = join(tempDir(), "site");
    await mkdir(join(dir, "css"), { recursive: true });
    await writeFile(join(dir, "index.html"), "<p>hi</p>");
    await writeFile(join(dir, "css", "a.css"), "p{}");
    const withDir = await reg.pushArtifact("team/app:site", {
      artifactType: "application/vnd.example.site",
      files: [{ path: dir }],
    });
    const manifest = (await stored(`team/app@${withDir.digest}`)) as { layers: { mediaType: string }[] };
    expect(manifest.layers[0]?.mediaType).toBe("application/vnd.oci.image.layer.v1.tar+gzip");
    expect(ociSchemaErrors("manifest", manifest)).toEqual([]);
  });

  it("validates an artifact with a subject and the fallback tag index written for it", async () => {
    const pushed = await reg.pushArtifact("team/app", {
      artifactType: "application/spdx+json",
      subject: "team/app:multi",
      files: [{ bytes: "{}", title: "sbom.json", mediaType: "application/spdx+json" }],
    });
    expect(pushed.referrers).toBe("fallback-tag");
    const manifest = (await stored(`team/app@${pushed.digest}`)) as { subject?: unknown };
    expect(manifest.subject).toBeDefined();
    expect(ociSchemaErrors("manifest", manifest)).toEqual([]);
    const fallback = (await stored(`team/app:${pushed.fallbackTag}`)) as { manifests: unknown[] };
    expect(fallback.manifests).toHaveLength(1);
    expect(ociSchemaErrors("index", fallback)).toEqual([]);
  });

  it("validates an index made by createIndex, annotated", async () => {
    const made = await reg.createIndex("team/app:both", ["team/app:v1", "team/app:arm"], {
      annotations: { "org.opencontainers.image.version": "1.0" },
    });
    const written = (await stored(`team/app@${made.digest}`)) as { manifests: { platform?: unknown }[] };
    expect(written.manifests.map((m) => m.platform)).toEqual([
      { architecture: "amd64", os: "linux" },
      { architecture: "arm64", os: "linux", variant: "v8" },
    ]);
    expect(ociSchemaErrors("index", written)).toEqual([]);
  });

  it("validates the index a copy of chosen platforms rewrites", async () => {
    const copied = await reg.copy("team/app:multi", "team/copy:arm", { platforms: ["linux/arm64"] });
    expect(copied.rewritten).toBe(true);
    const rewritten = (await stored(`team/copy@${copied.digest}`)) as { manifests: unknown[] };
    expect(rewritten.manifests).toHaveLength(1);
    expect(ociSchemaErrors("index", rewritten)).toEqual([]);
  });
});
