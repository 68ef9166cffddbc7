/**
 * Indexes by hand against the REAL distribution 2.8 (issue 13): two single-platform images pushed separately, into
 * repositories of their own, made one index (distribution refuses an index whose children the repository lacks, so
 * this also proves they were brought over first); a third appended; one removed; annotations added; and skopeo
 * reads every step's result as what Regatta reported.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { NotFoundError } from "@regatta/errors";
import { type GeneratedImage, generateImage, pushImage, useRegistry } from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type RegistryClient } from "../index.js";

const exec = promisify(execFile);
const sha256 = (b: string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

describe("indexes by hand on distribution 2.8", () => {
  const registry = useRegistry("none");
  let reg: RegistryClient;
  let amd64: GeneratedImage;
  let arm64: GeneratedImage;
  let armV7: GeneratedImage;

  /** What skopeo reads at a tag: the raw index, parsed, with the digest of its bytes. */
  async function skopeoRaw(ref: string): Promise<{
    digest: string;
    index: Record<string, unknown> & {
      manifests: {
        digest: string;
        platform?: Record<string, string>;
        annotations?: Record<string, string>;
      }[];
    };
  }> {
    const { stdout } = await exec("skopeo", [
      "--insecure-policy",
      "inspect",
      "--raw",
      "--tls-verify=false",
      `docker://${registry.host}/${ref}`,
    ]);
    return { digest: sha256(stdout), index: JSON.parse(stdout) };
  }

  beforeAll(async () => {
    amd64 = await generateImage({ platform: "linux/amd64", layers: [64], seed: "index-int-amd64" });
    arm64 = await generateImage({ platform: "linux/arm64/v8", layers: [64], seed: "index-int-arm64" });
    armV7 = await generateImage({ platform: "linux/arm/v7", layers: [64], seed: "index-int-armv7" });
    await pushImage(registry.url, "build/app-amd64", "1.0", amd64);
    await pushImage(registry.url, "build/app-arm64", "1.0", arm64);
    await pushImage(registry.url, "build/app-armv7", "1.0", armV7);
    reg = createClient(registry.host, { retry: { attempts: 0 } });
  }, 60_000);
  afterAll(() => reg?.close());

  it("creates, appends, removes and annotates; skopeo reads each result", async () => {
    const created = await reg.createIndex("release/app:1.0", ["build/app-amd64:1.0", "build/app-arm64:1.0"]);
    let seen = await skopeoRaw("release/app:1.0");
    expect(seen.digest).toBe(created.digest);
    expect(seen.index.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(seen.index.manifests.map((m) => [m.digest, m.platform])).toEqual([
      [amd64.manifest.digest, { architecture: "amd64", os: "linux" }],
      [arm64.manifest.digest, { architecture: "arm64", os: "linux", variant: "v8" }],
    ]);
    expect(created.brought.map((b) => b.digest)).toEqual([amd64.manifest.digest, arm64.manifest.digest]);

    const appended = await reg.editIndex("release/app:1.0", { append: ["build/app-armv7:1.0"] });
    seen = await skopeoRaw("release/app:1.0");
    expect(seen.digest).toBe(appended.digest);
    expect(seen.index.manifests.map((m) => m.platform?.variant ?? "-")).toEqual(["-", "v8", "v7"]);

    // linux/arm means arm/v7: the 64-bit image stays.
    const removed = await reg.editIndex("release/app:1.0", { remove: ["linux/arm"] });
    seen = await skopeoRaw("release/app:1.0");
    expect(seen.digest).toBe(removed.digest);
    expect(seen.index.manifests.map((m) => m.digest)).toEqual([amd64.manifest.digest, arm64.manifest.digest]);

    const annotated = await reg.editIndex("release/app:1.0", {
      annotations: { "org.opencontainers.image.version": "1.0" },
      entryAnnotations: [{ platform: "linux/arm64", annotations: { "org.example.note": "arm" } }],
    });
    seen = await skopeoRaw("release/app:1.0");
    expect(seen.digest).toBe(annotated.digest);
    expect(seen.index.annotations).toEqual({ "org.opencontainers.image.version": "1.0" });
    expect(seen.index.manifests[1]!.annotations).toEqual({ "org.example.note": "arm" });

    // Each child is whole at the target: skopeo reads the arm64 image through the index.
    const { stdout } = await exec("skopeo", [
      "--insecure-policy",
      "--override-arch",
      "arm64",
      "inspect",
      "--tls-verify=false",
      `docker://${registry.host}/release/app:1.0`,
    ]);
    // (Its `Digest` is the index's, the manifest the tag names; the layers are the arm64 image's.)
    expect(JSON.parse(stdout)).toMatchObject({
      Digest: annotated.digest,
      Architecture: "arm64",
      Layers: arm64.layers.map((l) => l.digest),
    });
  });

  it("edits from one tag to another, leaving the first as it was; refuses an unknown platform, writing nothing", async () => {
    const before = await reg.digest("release/app:1.0");
    const edited = await reg.editIndex("release/app:1.0-amd64", {
      from: "release/app:1.0",
      platforms: ["linux/amd64"],
    });
    expect(await reg.digest("release/app:1.0")).toBe(before);
    expect((await skopeoRaw("release/app:1.0-amd64")).index.manifests.map((m) => m.digest)).toEqual([
      amd64.manifest.digest,
    ]);
    expect(edited.from?.digest).toBe(before);
    await expect(reg.editIndex("release/app:1.0", { remove: ["linux/s390x"] })).rejects.toThrow(
      NotFoundError,
    );
    expect(await reg.digest("release/app:1.0")).toBe(before);
  });
});
