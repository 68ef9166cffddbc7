/**
 * A manifest fetched through a descriptor (an index's entry) is checked against the descriptor's size as well as its
 * digest (get-manifest.ts getDescribedManifest), as containerd checks both and as layers and configs are checked: an
 * index entry saying 100 bytes for a 400-byte child (its digest right) was accepted by `manifest --platform`, `pull`,
 * `copy` (which pushed the lying index on), inspect, diff and inventory.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SizeMismatchError } from "@regatta/errors";
import { computeDigest } from "@regatta/manifest";
import { afterEach, describe, expect, it } from "vitest";
import { addImage, emptyRepository } from "./inventory/test-images.js";
import { fakeDistribution, rejection } from "./test-answering-registry.js";

let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  dirs = [];
});

/** team/app:lying is an index whose amd64 entry names its image by the right digest and a wrong size. */
function lyingIndex(size: (real: number) => number) {
  const repo = emptyRepository();
  const amd = addImage(repo, { created: "2024-03-01T00:00:00Z" }, ["amd layer"]);
  const arm = addImage(repo, { created: "2024-03-01T00:00:00Z", architecture: "arm64" }, ["arm layer"]);
  const entry = (image: typeof amd, architecture: string, bytes: number) => ({
    mediaType: image.mediaType,
    digest: image.digest,
    size: bytes,
    platform: { os: "linux", architecture },
  });
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [entry(amd, "amd64", size(amd.size)), entry(arm, "arm64", arm.size)],
    }),
  );
  const digest = computeDigest(bytes);
  repo.manifests[digest] = { bytes, mediaType: "application/vnd.oci.image.index.v1+json" };
  repo.tags.lying = digest;
  const { reg } = fakeDistribution({ "team/app": repo, "team/copy": emptyRepository() });
  return { reg, amd };
}

describe("a manifest fetched through an index entry whose size is not the manifest's", () => {
  it.each([
    ["smaller", (real: number) => 100 + 0 * real],
    ["larger", (real: number) => real + 1],
  ])("is refused by every reader (%s)", async (_name, size) => {
    const { reg, amd } = lyingIndex(size);
    const ref = "registry.test/team/app:lying";
    try {
      const platform = await rejection(reg.manifest(ref, { platform: "linux/amd64" }), SizeMismatchError);
      expect(platform.message).toContain(amd.digest);
      expect(platform).toMatchObject({ expected: size(amd.size), actual: amd.size });
      const dir = await mkdtemp(join(tmpdir(), "described-size-"));
      dirs.push(dir);
      await rejection(
        reg.pull(ref, join(dir, "layout"), { format: "oci", platforms: "all" }),
        SizeMismatchError,
      );
      await rejection(reg.pull(ref, join(dir, "one.tar"), { platform: "linux/amd64" }), SizeMismatchError);
      await rejection(reg.copy(ref, "registry.test/team/copy:x"), SizeMismatchError);
      await rejection(reg.inspect(ref), SizeMismatchError);
      await rejection(reg.diff(ref, ref), SizeMismatchError);
      // The inventory records the tag as failed (its other tags would still be listed).
      const inventory = await reg.inventory("registry.test/team/app");
      expect(inventory.failed).toEqual([expect.objectContaining({ tag: "lying", code: "SIZE_INVALID" })]);
    } finally {
      await reg.close();
    }
  });

  it("is refused by a copy whose target has the child already (its HEAD's length against the entry)", async () => {
    const { reg, amd } = lyingIndex(() => 100);
    try {
      await reg.copy(`registry.test/team/app@${amd.digest}`, "registry.test/team/copy:amd");
      const error = await rejection(
        reg.copy("registry.test/team/app:lying", "registry.test/team/copy:x"),
        SizeMismatchError,
      );
      expect(error).toMatchObject({ expected: 100, actual: amd.size });
    } finally {
      await reg.close();
    }
  });

  it("is read when the sizes agree", async () => {
    const { reg, amd } = lyingIndex((real) => real);
    try {
      const got = await reg.manifest("registry.test/team/app:lying", { platform: "linux/amd64" });
      expect(got.digest).toBe(amd.digest);
      await reg.copy("registry.test/team/app:lying", "registry.test/team/copy:x");
      expect((await reg.inventory("registry.test/team/app")).tags).toHaveLength(1);
    } finally {
      await reg.close();
    }
  });
});

describe("two manifests sharing a config, one of them with the config's size wrong", () => {
  it("the inventory fails that tag only, whichever tag is read first", async () => {
    for (const [good, bad] of [
      ["a-ok", "z-bad"],
      ["z-ok", "a-bad"],
    ] as const) {
      const repo = emptyRepository();
      const image = addImage(repo, { created: "2024-03-01T00:00:00Z" }, ["a layer"]);
      const real = JSON.parse(repo.manifests[image.digest]!.bytes.toString());
      const lying = Buffer.from(
        JSON.stringify({ ...real, config: { ...real.config, size: real.config.size + 3 } }),
      );
      const lyingDigest = computeDigest(lying);
      repo.manifests[lyingDigest] = { bytes: lying, mediaType: "application/vnd.oci.image.manifest.v1+json" };
      repo.tags[good] = image.digest;
      repo.tags[bad] = lyingDigest;
      const { reg } = fakeDistribution({ "team/app": repo });
      try {
        const inventory = await reg.inventory("registry.test/team/app");
        expect(inventory.tags.map((t) => t.tag)).toEqual([good]);
        expect(inventory.failed).toEqual([expect.objectContaining({ tag: bad, code: "SIZE_INVALID" })]);
      } finally {
        await reg.close();
      }
    }
  });
});
