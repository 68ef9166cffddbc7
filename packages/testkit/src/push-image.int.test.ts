import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateImage, generateIndex } from "./generate-image.js";
import { generateLargeImage } from "./generate-large-image.js";
import { MEDIA_TYPES } from "./media-types.js";
import { pushImage } from "./push-image.js";
import { createRegistrySession } from "./registry-session.js";
import { useRegistry } from "./use-registry.js";

const credentials = { username: "regatta", password: "regatta-secret" };
const sha256 = (bytes: ArrayBuffer) =>
  `sha256:${createHash("sha256").update(Buffer.from(bytes)).digest("hex")}`;
const ACCEPT_ALL = [
  MEDIA_TYPES.oci.manifest,
  MEDIA_TYPES.oci.index,
  MEDIA_TYPES.docker.manifest,
  MEDIA_TYPES.docker.index,
].join(", ");

describe.each(["none", "basic", "token"] as const)("pushImage to a registry with auth %s", (auth) => {
  const registry = useRegistry(auth);

  it.each(["docker", "oci"] as const)("pushes a %s image and reads it back", async (mediaTypes) => {
    const image = await generateImage({ layers: [100, 5000], mediaTypes, seed: `push-${mediaTypes}` });
    if (auth === "token") registry.tokenServer!.requests.length = 0;
    const result = await pushImage(registry.url, "demo/app", "v1", image, credentials);
    expect(result).toEqual({
      digest: image.manifest.digest,
      mediaType: image.manifest.mediaType,
      uploadedBlobs: 3,
    });
    // Authenticated once up front: exactly one token request for the whole push.
    if (auth === "token") expect(registry.tokenServer!.requests).toHaveLength(1);

    const session = createRegistrySession(registry.url, ["repository:demo/app:pull"], credentials);
    const manifest = await session.fetch("/v2/demo/app/manifests/v1", { headers: { accept: ACCEPT_ALL } });
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get("content-type")).toBe(image.manifest.mediaType);
    expect(manifest.headers.get("docker-content-digest")).toBe(image.manifest.digest);
    expect(sha256(await manifest.arrayBuffer())).toBe(image.manifest.digest);
    for (const blob of [image.config, ...image.layers]) {
      const res = await session.fetch(`/v2/demo/app/blobs/${blob.digest}`);
      expect(res.status).toBe(200);
      expect(sha256(await res.arrayBuffer())).toBe(blob.digest);
    }
    // A second push finds every blob in place.
    expect((await pushImage(registry.url, "demo/app", "v1", image, credentials)).uploadedBlobs).toBe(0);
  });

  it.each(["docker", "oci"] as const)("pushes a %s index with three platforms", async (mediaTypes) => {
    const index = await generateIndex({
      platforms: ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"],
      mediaTypes,
      seed: `index-${mediaTypes}`,
    });
    const result = await pushImage(registry.url, "demo/multi", mediaTypes, index, credentials);
    expect(result.digest).toBe(index.index.digest);
    const session = createRegistrySession(registry.url, ["repository:demo/multi:pull"], credentials);
    const res = await session.fetch(`/v2/demo/multi/manifests/${mediaTypes}`, {
      headers: { accept: ACCEPT_ALL },
    });
    expect(res.headers.get("docker-content-digest")).toBe(index.index.digest);
    const body = (await res.json()) as {
      manifests: { digest: string; platform: { architecture: string } }[];
    };
    expect(body.manifests.map((m) => m.platform.architecture)).toEqual(["amd64", "arm64", "arm"]);
    for (const child of index.children) {
      const c = await session.fetch(`/v2/demo/multi/manifests/${child.manifest.digest}`, {
        headers: { accept: ACCEPT_ALL },
      });
      expect(c.status).toBe(200);
      expect(sha256(await c.arrayBuffer())).toBe(child.manifest.digest);
    }
  });
});

describe("pushImage of a large image", () => {
  const registry = useRegistry("basic");

  it("streams layer files from disk", async () => {
    const dir = await mkdtemp(join(tmpdir(), "regatta-large-"));
    try {
      const image = await generateLargeImage({ dir, layers: [3_000_000, 10], seed: "stream" });
      const result = await pushImage(registry.url, "demo/large", "v1", image, credentials);
      expect(result).toMatchObject({ digest: image.manifest.digest, uploadedBlobs: 3 });
      const session = createRegistrySession(registry.url, ["repository:demo/large:pull"], credentials);
      const layer = await session.fetch(`/v2/demo/large/blobs/${image.layers[0]!.digest}`);
      const bytes = await layer.arrayBuffer();
      expect(bytes.byteLength).toBe(image.layers[0]!.descriptor.size);
      expect(sha256(bytes)).toBe(image.layers[0]!.digest);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
