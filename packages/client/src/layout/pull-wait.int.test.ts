/**
 * What a pull says while it waits before writing: behind another live pull's lock, a Ctrl-C must not name that
 * pull's partial download as its own to resume or delete (QA H10 #2); into a FIFO nobody reads, the wait is said
 * once after a second instead of polling in silence (QA H10 #3).
 */
import { execFileSync } from "node:child_process";
import { createReadStream, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateImage, pushImage, tempDirs, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { connect, type TransferEvent } from "../index.js";

const temp = tempDirs("regatta-pull-wait-");

describe("a pull that waits before it writes", () => {
  const registry = useRegistry("none");
  beforeAll(async () => {
    await pushImage(registry.url, "wait/img", "1", await generateImage({ layers: [4096], seed: "wait" }));
  }, 60_000);

  it("interrupted behind another process's lock, says nothing of the partial download that process writes", async () => {
    const dir = temp();
    const file = join(dir, "x.tar");
    // Another host's live pull, as far as this one can tell: its lock and the partial download it is writing.
    writeFileSync(join(dir, ".x.tar.regatta-lock"), "4242 another-host\n", { mode: 0o600 });
    writeFileSync(join(dir, ".x.tar.regatta-partial"), "bytes of the other pull");
    const reg = await connect(registry.url);
    const controller = new AbortController();
    const events: TransferEvent[] = [];
    try {
      const pulling = reg.pull(`${registry.host}/wait/img:1`, file, {
        signal: controller.signal,
        onProgress: (e) => {
          events.push(e);
          if (e.type === "waiting") controller.abort();
        },
      });
      const error = (await pulling.then(
        () => undefined,
        (e: unknown) => e,
      )) as Error;
      expect(error).toBeInstanceOf(Error);
      expect(events.filter((e) => e.type === "waiting")).toHaveLength(1);
      expect(error.message).not.toContain("partial download");
      expect(readFileSync(join(dir, ".x.tar.regatta-partial"), "utf8")).toBe("bytes of the other pull");
    } finally {
      await reg.close();
    }
  }, 60_000);

  it("into a FIFO nobody reads, says so once, then writes when a reader comes", async () => {
    const dir = temp();
    const fifo = join(dir, "pipe.tar");
    execFileSync("mkfifo", [fifo]);
    const reg = await connect(registry.url);
    try {
      let reading: Promise<Buffer> | undefined;
      const waits: TransferEvent[] = [];
      await reg.pull(`${registry.host}/wait/img:1`, fifo, {
        onProgress: (e) => {
          if (e.type !== "waiting") return;
          waits.push(e);
          // The reader comes only once the wait was said: without the notice the pull would wait for ever.
          reading ??= new Promise<Buffer>((resolve, reject) => {
            const chunks: Buffer[] = [];
            createReadStream(fifo)
              .on("data", (c) => chunks.push(c as Buffer))
              .on("end", () => resolve(Buffer.concat(chunks)))
              .on("error", reject);
          });
        },
      });
      expect(waits).toEqual([{ type: "waiting", destination: fifo, reader: true }]);
      expect((await reading)?.length).toBeGreaterThan(4096);
    } finally {
      await reg.close();
    }
  }, 60_000);

  it("blob().toFile and exportFilesystem into a FIFO nobody reads say so once, then write when a reader comes", async () => {
    const dir = temp();
    const fifo = join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    const reg = await connect(registry.url);
    const readOnce = () =>
      new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        createReadStream(fifo)
          .on("data", (c) => chunks.push(c as Buffer))
          .on("end", () => resolve(Buffer.concat(chunks)))
          .on("error", reject);
      });
    try {
      const { manifest } = await reg.manifest(`${registry.host}/wait/img:1`);
      const layer = (manifest as { layers: { digest: string; size: number }[] }).layers[0]!;
      let reading: Promise<Buffer> | undefined;
      const waits: TransferEvent[] = [];
      await reg.blob(`${registry.host}/wait/img@${layer.digest}`).toFile(fifo, {
        onProgress: (e) => {
          if (e.type !== "waiting") return;
          waits.push(e);
          reading ??= readOnce();
        },
      });
      expect(waits).toEqual([{ type: "waiting", destination: fifo, reader: true }]);
      expect((await reading)?.length).toBe(layer.size);

      let told = 0;
      let exported: Promise<Buffer> | undefined;
      await reg.exportFilesystem(`${registry.host}/wait/img:1`, fifo, {
        onReaderWait: () => {
          told++;
          exported ??= readOnce();
        },
      });
      expect(told).toBe(1);
      expect((await exported)?.length).toBeGreaterThan(0);
    } finally {
      await reg.close();
    }
  }, 60_000);
});
