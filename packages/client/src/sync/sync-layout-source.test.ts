/**
 * `reg.sync` from an OCI layout (`oci:DIR`) as skopeo, oras and people write them, against the test kit's fake
 * registry: a ref.name that is a full reference (skopeo's `oci:DIR:docker.io/library/foo:1.0`) gives its tag, one
 * that is neither a tag nor a reference is left out with a warning, images without a ref.name are counted in a
 * warning, and an image the plan failed (a missing blob, keepGoing) is reported through onImage like any failure.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  distributionHandlers,
  fakeRepository,
  type GeneratedImage,
  generateImage,
  type RegistryHandlers,
  type ServedHandlers,
  serveHandlers,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient, type RegistryClient, type SyncedImage } from "../index.js";

const REF_NAME = "org.opencontainers.image.ref.name";

let one: GeneratedImage;
let two: GeneratedImage;
let handlers: RegistryHandlers;
let served: ServedHandlers | undefined;
let reg: RegistryClient | undefined;
let dirs: string[] = [];

beforeAll(async () => {
  one = await generateImage({ layers: [800], seed: "layout-one" });
  two = await generateImage({ layers: [900], seed: "layout-two" });
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
  handlers = distributionHandlers({ repos: { "src/app": fakeRepository({ v1: one }) }, auth: null });
  served = await serveHandlers(handlers);
  const host = new URL(served.url).host;
  reg = createClient(host, { retry: { attempts: 0 } });
  return host;
}

/** An OCI layout of `entries` (ref.name, or undefined for none), every blob written but those in `leaveOut`. */
function layout(entries: [GeneratedImage, string | undefined][], leaveOut: string[] = []): string {
  const root = mkdtempSync(join(tmpdir(), "regatta-sync-layout-"));
  dirs.push(root);
  mkdirSync(join(root, "blobs/sha256"), { recursive: true });
  for (const [image] of entries) {
    for (const doc of [image.manifest, image.config, ...image.layers]) {
      if (!leaveOut.includes(doc.digest))
        writeFileSync(join(root, "blobs/sha256", doc.digest.slice(7)), doc.bytes);
    }
  }
  writeFileSync(join(root, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  const manifests = entries.map(([image, name]) => ({
    mediaType: image.manifest.mediaType,
    digest: image.manifest.digest,
    size: image.manifest.bytes.length,
    ...(name !== undefined ? { annotations: { [REF_NAME]: name } } : {}),
  }));
  writeFileSync(join(root, "index.json"), JSON.stringify({ schemaVersion: 2, manifests }));
  return root;
}

describe("sync from an OCI layout", () => {
  it("a full reference as ref.name gives its tag; a ref.name that is neither is left out with a warning", async () => {
    const host = await start();
    const dir = layout([
      [one, "docker.io/library/foo:1.0"],
      [two, "two"],
      [two, "not a tag!"],
    ]);
    const job = { source: `oci:${dir}`, target: `${host}/dst/full` };
    const plan = await reg!.planSync(job);
    expect(plan.repositories[0]!.images.map((i) => [i.tag, i.action, i.source])).toEqual([
      ["1.0", "copy", `oci:${dir}:1.0`],
      ["two", "copy", `oci:${dir}:two`],
    ]);
    expect(plan.repositories[0]!.warnings).toEqual([
      `oci:${dir}: the ref.name "not a tag!" is neither a tag nor an image reference: not synced`,
    ]);
    const result = await reg!.sync(plan);
    expect([result.copied, result.failed]).toEqual([2, 0]);
    const tags = handlers.store.repository("dst/full")?.tags;
    expect([tags?.get("1.0"), tags?.get("two")]).toEqual([one.manifest.digest, two.manifest.digest]);
  });

  it("oci:DIR:tag syncs that tag only, as registry/repo:tag does; a tag the layout lacks does not exist", async () => {
    const host = await start();
    const dir = layout([
      [one, "docker.io/library/foo:1.0"],
      [two, "two"],
    ]);
    const plan = await reg!.planSync({ source: `oci:${dir}:two`, target: `${host}/dst/one-tag` });
    expect(plan.repositories[0]!.images.map((i) => [i.tag, i.action, i.source, i.target])).toEqual([
      ["two", "copy", `oci:${dir}:two`, `${host}/dst/one-tag:two`],
    ]);
    const result = await reg!.sync(plan);
    expect([result.copied, result.failed]).toEqual([1, 0]);
    expect([...(handlers.store.repository("dst/one-tag")?.tags ?? [])]).toEqual([
      ["two", two.manifest.digest],
    ]);
    await expect(reg!.planSync({ source: `oci:${dir}:nope`, target: `${host}/dst/one-tag` })).rejects.toThrow(
      `oci:${dir}:nope does not exist`,
    );
  });

  it("two entries giving one tag are left out with a warning naming both; the others go on", async () => {
    const host = await start();
    const dir = layout([
      [one, "docker.io/library/foo:1.0"],
      [two, "1.0"],
      [two, "two"],
    ]);
    const plan = await reg!.planSync({ source: `oci:${dir}`, target: `${host}/dst/twice` });
    expect(plan.repositories[0]!.images.map((i) => i.tag)).toEqual(["two"]);
    expect(plan.repositories[0]!.warnings).toEqual([
      `oci:${dir}: 2 entries give the tag 1.0 ("docker.io/library/foo:1.0", "1.0"): not synced`,
    ]);
  });

  it("images without a ref.name are counted in a warning, not silently passed over", async () => {
    const host = await start();
    const dir = layout([
      [one, undefined],
      [two, undefined],
    ]);
    const plan = await reg!.planSync({ source: `oci:${dir}`, target: `${host}/dst/unnamed` });
    expect(plan.repositories[0]!.images).toEqual([]);
    expect(plan.repositories[0]!.warnings).toEqual([
      `oci:${dir} has 2 images without org.opencontainers.image.ref.name: not synced`,
    ]);
    const single = layout([
      [one, undefined],
      [two, "two"],
    ]);
    const mixed = await reg!.planSync({ source: `oci:${single}`, target: `${host}/dst/unnamed` });
    expect(mixed.repositories[0]!.images.map((i) => i.tag)).toEqual(["two"]);
    expect(mixed.repositories[0]!.warnings).toEqual([
      `oci:${single} has 1 image without org.opencontainers.image.ref.name: not synced`,
    ]);
  });
});

describe("keepGoing reports what the plan failed through onImage", () => {
  it("a layout image missing a blob: failed with its reason, the other image copied", async () => {
    const host = await start();
    const missing = one.layers[0]!.digest;
    const dir = layout(
      [
        [one, "bad"],
        [two, "good"],
      ],
      [missing],
    );
    const seen: SyncedImage[] = [];
    const result = await reg!.sync(
      { source: `oci:${dir}`, target: `${host}/dst/miss` },
      { keepGoing: true, onImage: (image) => seen.push(image) },
    );
    expect([result.copied, result.failed]).toEqual([1, 1]);
    expect(seen.map((i) => [i.source, i.outcome])).toEqual([
      [`oci:${dir}:bad`, "failed"],
      [`oci:${dir}:good`, "copied"],
    ]);
    expect(seen[0]!.error).toContain(`does not hold blob ${missing}`);
  });

  it("a registry source's listed tag it lacks, as well", async () => {
    const host = await start();
    const seen: SyncedImage[] = [];
    await reg!.sync(
      { source: `${host}/src/app`, target: `${host}/dst/gone`, tags: { list: ["v1", "gone"] } },
      { keepGoing: true, onImage: (image) => seen.push(image) },
    );
    expect(seen.map((i) => [i.tag, i.outcome])).toEqual([
      ["gone", "failed"],
      ["v1", "copied"],
    ]);
    expect(seen[0]!.error).toBe(`${host}/src/app:gone does not exist`);
  });
});
