/**
 * Sync into a real registry (CNCF distribution) of tags that share manifests: many tags naming one index, and tags
 * naming that index's children. Concurrent jobs putting the same manifest raced in distribution, whose filesystem
 * driver rewrites a manifest's link by truncating it: an index put checking its child read the empty link and
 * answered MANIFEST_BLOB_UNKNOWN (sync/manifest-locks.ts).
 */
import { generateIndex, pushImage, useRegistry } from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type RegistryClient } from "./index.js";

describe("sync of tags sharing manifests, into a real registry", () => {
  const source = useRegistry("none");
  const target = useRegistry("none");
  let reg: RegistryClient;
  afterAll(() => reg?.close());
  const tags: string[] = [];

  beforeAll(async () => {
    reg = createClient(source.url, { retry: { attempts: 0 } });
    const index = await generateIndex({ platforms: ["linux/amd64", "linux/arm64/v8"], layers: [1024, 2048] });
    for (let i = 0; i < 24; i++) {
      const tag = `v${i}`;
      await pushImage(source.url, "shared/app", tag, index);
      tags.push(tag);
    }
    for (const [i, child] of index.children.entries()) {
      await pushImage(source.url, "shared/app", `platform-${i}`, child);
      tags.push(`platform-${i}`);
    }
  }, 120_000);

  it("copies every tag, each manifest put while no other put touching it is in flight", async () => {
    for (const round of [1, 2, 3]) {
      const repo = `mirror/app-${round}`;
      const result = await reg.sync(
        { source: `${source.host}/shared/app`, target: `${target.host}/${repo}` },
        { jobs: 16 },
      );
      expect(result.failed, JSON.stringify(result.images.filter((i) => i.outcome === "failed"))).toBe(0);
      expect(result.copied).toBe(tags.length);
      const listed = await reg.tags(`${target.host}/${repo}`);
      expect([...listed.tags].sort()).toEqual([...tags].sort());
    }
  }, 120_000);
});
