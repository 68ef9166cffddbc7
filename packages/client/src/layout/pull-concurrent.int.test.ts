/**
 * Pulls racing for one destination (@regatta/layout write-lock.ts): two pulls into one tarball shared its partial
 * file, and the one that renamed it first exited 0 over a corrupt archive; pulls into one OCI layout each rewrote
 * index.json from what they had read and dropped the others' tags. Now a destination takes one writer at a time.
 * (The same holds across processes: the lock names a pid, and this process's pulls wait for each other alike.)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { generateImage, pushImage, tempDirs, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { connect, type TransferEvent } from "../index.js";

const temp = tempDirs("regatta-race-");
const TAGS = ["t1", "t2", "t3", "t4", "t5", "t6"];

describe("pulls racing for one destination", () => {
  const registry = useRegistry("none");
  beforeAll(async () => {
    for (const [i, tag] of TAGS.entries()) {
      const layers = [200_000 + i * 1000, 300_000 + i * 1000];
      await pushImage(registry.url, "race/img", tag, await generateImage({ layers, seed: `race-${tag}` }));
    }
  }, 60_000);

  it("into one tarball: the archive is one whole image, never a mix", async () => {
    const reg = await connect(registry.url);
    try {
      const file = join(temp(), "x.tar");
      const waits: TransferEvent[] = [];
      const results = await Promise.all(
        ["t1", "t2"].map((tag) =>
          reg.pull(`${registry.host}/race/img:${tag}`, file, {
            onProgress: (e) => e.type === "waiting" && waits.push(e),
          }),
        ),
      );
      expect(results).toHaveLength(2);
      expect(waits).toHaveLength(1);
      // Pushed back, every blob is verified by the registry: a mixed archive fails here.
      const back = await reg.push(file, `${registry.host}/race/back:1`);
      expect(back).toBeDefined();
    } finally {
      await reg.close();
    }
  });

  it("into one OCI layout: every tag is in index.json", async () => {
    const reg = await connect(registry.url);
    try {
      const layout = join(temp(), "layout");
      await Promise.all(
        TAGS.map((tag) => reg.pull(`${registry.host}/race/img:${tag}`, layout, { format: "oci" })),
      );
      const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as {
        manifests: { annotations?: Record<string, string> }[];
      };
      const names = index.manifests.map((m) => m.annotations?.["org.opencontainers.image.ref.name"]).sort();
      expect(names).toEqual(TAGS);
    } finally {
      await reg.close();
    }
  });
});
