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

describe("a pull to a tarball path that is no regular file", () => {
  const registry = useRegistry("none");
  beforeAll(async () => {
    await pushImage(
      registry.url,
      "through/img",
      "1",
      await generateImage({ layers: [4096], seed: "through" }),
    );
  }, 60_000);

  it("streams into a FIFO (a device's stand-in) and leaves it a FIFO, with nothing beside it", async () => {
    const { execFileSync } = await import("node:child_process");
    const { createReadStream, lstatSync, readdirSync } = await import("node:fs");
    const dir = temp();
    const fifo = join(dir, "pipe.tar");
    execFileSync("mkfifo", [fifo]);
    const reg = await connect(registry.url);
    try {
      const chunks: Buffer[] = [];
      const reading = new Promise<void>((resolve, reject) =>
        createReadStream(fifo)
          .on("data", (c) => chunks.push(c as Buffer))
          .on("end", resolve)
          .on("error", reject),
      );
      await reg.pull(`${registry.host}/through/img:1`, fifo);
      await reading;
      expect(lstatSync(fifo).isFIFO()).toBe(true);
      expect(readdirSync(dir)).toEqual(["pipe.tar"]);
      // What came through is the archive a file pull writes.
      const file = join(dir, "file.tar");
      await reg.pull(`${registry.host}/through/img:1`, file);
      expect(Buffer.concat(chunks).equals(readFileSync(file))).toBe(true);
    } finally {
      await reg.close();
    }
  });

  it("through a symbolic link writes the file it names and keeps the link", async () => {
    const { lstatSync, symlinkSync } = await import("node:fs");
    const dir = temp();
    symlinkSync("real.tar", join(dir, "link.tar"));
    const reg = await connect(registry.url);
    try {
      await reg.pull(`${registry.host}/through/img:1`, join(dir, "link.tar"));
      expect(lstatSync(join(dir, "link.tar")).isSymbolicLink()).toBe(true);
      expect(lstatSync(join(dir, "real.tar")).size).toBeGreaterThan(4096);
    } finally {
      await reg.close();
    }
  });
});
