/**
 * The inventory against a real registry (distribution 2.8), behind testkit's fault proxy, which counts every request
 * (issue 14's efficiency target): 300 tags over 20 distinct images (5 of them indexes of two platforms) cost one tag
 * list, 300 HEADs, one GET per distinct manifest (30: 15 images, 5 indexes, 10 children) and one per distinct config (25) — never the same GET twice.
 * The time is measured against the 300 HEADs alone (`tagsWithDigests`), and printed for the record.
 */
import { generateImage, generateIndex, pushImage, startFaultProxy, useRegistry } from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../connect.js";

const TAGS = 300;
const IMAGES = 20;
const INDEXES = 5;

describe("inventory on a real registry", () => {
  const registry = useRegistry("none");
  const tops: { digest: string; mediaType: string; bytes: Buffer }[] = [];

  beforeAll(async () => {
    for (let i = 0; i < IMAGES; i++) {
      const content =
        i < INDEXES
          ? await generateIndex({ layers: [64], seed: `inv-${i}` })
          : await generateImage({ layers: [64], seed: `inv-${i}` });
      const top = content.kind === "index" ? content.index : content.manifest;
      await pushImage(registry.url, "team/many", `t0-${i}`, content);
      tops.push({ digest: top.digest, mediaType: top.mediaType, bytes: top.bytes });
    }
    // The other tags name the same manifests: a PUT of the same bytes under another tag, the blobs already there.
    for (let t = IMAGES; t < TAGS; t++) {
      const top = tops[t % IMAGES]!;
      const response = await fetch(`${registry.url}/v2/team/many/manifests/t${t}`, {
        method: "PUT",
        headers: { "content-type": top.mediaType },
        body: top.bytes,
      });
      expect(response.status).toBe(201);
    }
  }, 180_000);

  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  beforeAll(async () => {
    proxy = await startFaultProxy(registry.url, []);
  });
  afterAll(() => proxy?.close());

  it("costs one HEAD per tag, one GET per distinct manifest and config, and nothing twice", async () => {
    const reg = createClient(proxy.host, { concurrency: 16 });
    try {
      proxy.set([]);
      const headsStarted = performance.now();
      const heads = await reg.tagsWithDigests("team/many");
      const headsMs = performance.now() - headsStarted;
      expect(Object.keys(heads.digests)).toHaveLength(TAGS);

      proxy.set([]);
      const started = performance.now();
      const progress: number[] = [];
      const inventory = await reg.inventory("team/many", { onProgress: (p) => progress.push(p.done) });
      const inventoryMs = performance.now() - started;

      expect(inventory.tags).toHaveLength(TAGS);
      expect(progress).toHaveLength(TAGS);
      // 15 images + 5 indexes + 10 children; configs: 15 + 10.
      const manifests = IMAGES + INDEXES * 2;
      const configs = IMAGES - INDEXES + INDEXES * 2;
      expect(inventory.fetched).toEqual({ manifests, configs });
      expect(proxy.count("HEAD", /\/manifests\//)).toBe(TAGS);
      expect(proxy.count("GET", /\/manifests\//)).toBe(manifests);
      expect(proxy.count("GET", /\/blobs\//)).toBe(configs);
      const gets = proxy.requests.filter((r) => r.method === "GET").map((r) => r.path);
      expect(new Set(gets).size).toBe(gets.length);
      const budget = 1 + TAGS + manifests + configs;
      // /v2/ (the ping that learns the auth scheme) and the tag list pages are the rest.
      expect(proxy.requests.length).toBeLessThanOrEqual(budget + 2);

      // Every tag has its 14 others naming the same manifest.
      expect(inventory.shared).toHaveLength(IMAGES);
      expect(inventory.tags.every((t) => t.sharedCount === TAGS / IMAGES - 1)).toBe(true);
      expect(inventory.shared.every((s) => s.tags.length === TAGS / IMAGES)).toBe(true);
      const index = inventory.tags.find((t) => t.tag === "t0-0")!;
      expect(index).toMatchObject({ kind: "index", platforms: ["linux/amd64", "linux/arm64/v8"] });

      console.log(
        `inventory of ${TAGS} tags over ${IMAGES} images: ${proxy.requests.length} requests (budget ${budget}: ratio ${(proxy.requests.length / budget).toFixed(3)}), ${inventoryMs.toFixed(0)} ms; the ${TAGS} HEADs alone: ${headsMs.toFixed(0)} ms (ratio ${(inventoryMs / headsMs).toFixed(2)})`,
      );
    } finally {
      await reg.close();
    }
  }, 120_000);

  it("refuses a repository the registry does not know with NotFoundError", async () => {
    const reg = createClient(registry.host);
    try {
      await expect(reg.inventory("team/never")).rejects.toMatchObject({ name: "NotFoundError" });
    } finally {
      await reg.close();
    }
  });
});
