/**
 * `reg.planSync` into an OCI layout (`oci:DIR`), against the test kit's fake registry: the plan lists the blobs each
 * image needs and which the layout holds already, with their sizes, so a dry run's counts and bytes are what the run
 * then writes (a dry run is read for disk sizing); the manifest GETs it counts are the ones made, the run making none
 * again.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  distributionHandlers,
  fakeRepository,
  type GeneratedImage,
  type GeneratedIndex,
  generateImage,
  generateIndex,
  type RegistryHandlers,
  type ServedHandlers,
  serveHandlers,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient, type RegistryClient } from "../index.js";
import { countKinds } from "./test-request-kinds.js";

let multi: GeneratedIndex;
let single: GeneratedImage;
let handlers: RegistryHandlers;
let served: ServedHandlers | undefined;
let reg: RegistryClient | undefined;
let dirs: string[] = [];

beforeAll(async () => {
  multi = await generateIndex({ layers: [5000, 7000], seed: "layout-target" });
  // Shares its base layer with the index's linux/amd64 child (same seed and platform).
  single = await generateImage({ layers: [5000, 7000], seed: "layout-target", labels: { v: "2" } });
});
afterEach(async () => {
  await reg?.close();
  await served?.close();
  reg = undefined;
  served = undefined;
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

async function start(): Promise<string> {
  handlers = distributionHandlers({
    repos: { "src/app": fakeRepository({ v1: multi, v2: single }) },
    auth: null,
  });
  served = await serveHandlers(handlers);
  reg = createClient(served.host, { retry: { attempts: 0 } });
  return served.host;
}

function emptyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "regatta-sync-to-layout-"));
  dirs.push(dir);
  return join(dir, "layout");
}

const blobsOf = (...images: GeneratedImage[]) => {
  const all = new Map<string, number>();
  for (const i of images) for (const d of [i.config, ...i.layers]) all.set(d.digest, d.bytes.length);
  return all;
};
const sum = (sizes: Map<string, number>) => [...sizes.values()].reduce((a, b) => a + b, 0);

describe("sync into an OCI layout: the plan lists the blobs", () => {
  it("a dry run's blobs and bytes are what the run writes; its manifest GETs are all the run makes", async () => {
    const host = await start();
    const dir = emptyDir();
    const job = { source: `${host}/src/app`, target: `oci:${dir}` };
    const needed = blobsOf(...multi.children, single);
    countKinds(handlers.requests);
    const plan = await reg!.planSync([job], { dryRun: true });
    const [repo] = plan.repositories;
    expect(repo?.blobs.map((b) => [b.digest, b.size, b.action])).toEqual(
      [...needed].sort(([a], [b]) => (a < b ? -1 : 1)).map(([d, s]) => [d, s, "upload"]),
    );
    expect(plan.totals.blobs.upload).toBe(needed.size);
    expect(plan.totals.bytes.upload).toBe(sum(needed));
    const byTag = Object.fromEntries(repo!.images.map((i) => [i.tag, i]));
    expect(byTag.v1).toMatchObject({ action: "copy", manifests: 3 });
    expect(byTag.v1?.blobs.sort()).toEqual([...blobsOf(...multi.children).keys()].sort());
    expect(byTag.v2).toMatchObject({ action: "copy", manifests: 1 });
    expect(byTag.v2?.blobs.sort()).toEqual([...blobsOf(single).keys()].sort());
    // The index, its two children and the image: each read once, and counted.
    expect(plan.totals.manifestGets).toBe(4);
    const planned = countKinds(handlers.requests);
    expect((planned["GET manifest by tag"] ?? 0) + (planned["GET manifest by digest"] ?? 0)).toBe(4);

    const result = await reg!.sync(plan);
    expect([result.copied, result.failed]).toEqual([2, 0]);
    expect(result.blobs).toEqual({ uploaded: plan.totals.blobs.upload, mounted: 0, skipped: 0 });
    expect(result.bytesUploaded).toBe(plan.totals.bytes.upload);
    // No manifest is read twice: the run pulls with what the plan fetched.
    const ran = countKinds(handlers.requests);
    expect(ran["GET manifest by tag"] ?? 0).toBe(0);
    expect(ran["GET manifest by digest"] ?? 0).toBe(0);
    expect(ran["GET blob"]).toBe(needed.size);
  });

  it("blobs the layout holds are skipped, and a rerun is all up to date", async () => {
    const host = await start();
    const dir = emptyDir();
    // v1 first, then both: v2's shared base layer is in the layout already.
    await reg!.sync([{ source: `${host}/src/app:v1`, target: `oci:${dir}` }]);
    const plan = await reg!.planSync([{ source: `${host}/src/app`, target: `oci:${dir}` }], { dryRun: true });
    const held = blobsOf(...multi.children);
    const fresh = [...blobsOf(single)].filter(([d]) => !held.has(d));
    expect(fresh.length).toBeGreaterThan(0);
    expect(fresh.length).toBeLessThan(blobsOf(single).size);
    expect(plan.totals.images).toMatchObject({ copy: 1, skip: 1 });
    expect(plan.totals.blobs).toMatchObject({
      upload: fresh.length,
      skip: blobsOf(single).size - fresh.length,
    });
    expect(plan.totals.bytes.upload).toBe(sum(new Map(fresh)));
    const result = await reg!.sync(plan);
    expect(result.blobs).toEqual({
      uploaded: plan.totals.blobs.upload,
      mounted: 0,
      skipped: plan.totals.blobs.skip,
    });
    expect(result.bytesUploaded).toBe(plan.totals.bytes.upload);
    const again = await reg!.planSync([{ source: `${host}/src/app`, target: `oci:${dir}` }]);
    expect(again.totals.images).toMatchObject({ copy: 0, skip: 2 });
  });

  it("one platform of an index: that image's blobs only", async () => {
    const host = await start();
    const dir = emptyDir();
    const job = { source: `${host}/src/app:v1`, target: `oci:${dir}`, platforms: ["linux/arm64"] };
    const plan = await reg!.planSync([job], { dryRun: true });
    const arm = multi.children[1] as GeneratedImage;
    expect(plan.repositories[0]?.images[0]).toMatchObject({
      action: "copy",
      manifests: 1,
      sourceDigest: arm.manifest.digest,
    });
    expect(plan.totals.blobs.upload).toBe(blobsOf(arm).size);
    expect(plan.totals.bytes.upload).toBe(sum(blobsOf(arm)));
    // The index and the chosen child.
    expect(plan.totals.manifestGets).toBe(2);
    const result = await reg!.sync(plan);
    expect(result.blobs.uploaded).toBe(plan.totals.blobs.upload);
    expect(result.bytesUploaded).toBe(plan.totals.bytes.upload);
  });
});
