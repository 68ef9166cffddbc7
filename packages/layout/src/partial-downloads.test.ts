/** What a failed pull may say it kept (open-layout-writer.ts `partialDownloads`, used by the client's pull). */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { partialArchivePaths } from "./docker-archive-writer.js";
import { PARTIAL_DIR } from "./oci-layout.js";
import { openLayoutWriter, partialDownloads } from "./open-layout-writer.js";
import { imagePlan, scratchDirs } from "./test-helpers.js";

const scratch = scratchDirs("regatta-partials-");

describe("partialDownloads", () => {
  it("names a layout's partial directory only when a partial blob with bytes is in it", async () => {
    const found = async (plant: (partial: string) => void) => {
      const root = join(scratch(), "layout");
      mkdirSync(root);
      plant(join(root, PARTIAL_DIR));
      return { root, found: await partialDownloads("oci", root) };
    };
    expect((await found(() => {})).found).toEqual([]);
    expect((await found((p) => spawnSync("mkfifo", [p]))).found).toEqual([]);
    expect((await found((p) => mkdirSync(p))).found).toEqual([]);
    const emptyBlob = (p: string) => {
      mkdirSync(p);
      writeFileSync(join(p, "sha256-aa.partial"), "");
    };
    expect((await found(emptyBlob)).found).toEqual([]);
    const fifoBlob = (p: string) => {
      mkdirSync(p);
      spawnSync("mkfifo", [join(p, "sha256-aa.partial")]);
    };
    expect((await found(fifoBlob)).found).toEqual([]);
    // A link to a directory with a blob elsewhere: nothing this pull downloaded.
    const elsewhere = scratch();
    writeFileSync(join(elsewhere, "sha256-aa.partial"), "bytes");
    expect((await found((p) => symlinkSync(elsewhere, p))).found).toEqual([]);
    const real = await found((p) => {
      mkdirSync(p);
      writeFileSync(join(p, "sha256-aa.partial"), "bytes");
    });
    expect(real.found).toEqual([join(real.root, PARTIAL_DIR)]);
    expect(await partialDownloads("dir", real.root)).toEqual([join(real.root, PARTIAL_DIR)]);
  });

  it("names a tarball's partial file only when it is a regular file with bytes in it", async () => {
    const tarball = join(scratch(), "app.tar");
    const { temp, state } = partialArchivePaths(tarball);
    expect(await partialDownloads("docker", tarball)).toEqual([]);
    writeFileSync(state, "{}");
    expect(await partialDownloads("docker", tarball)).toEqual([]);
    spawnSync("mkfifo", [temp]);
    expect(await partialDownloads("docker", tarball)).toEqual([]);
    rmSync(temp);
    writeFileSync(temp, "ustar…");
    expect(await partialDownloads("docker", tarball)).toEqual([temp]);
  });

  it.each(["oci", "dir"] as const)(
    "an aborted %s pull leaves its partial directory only with a partial blob in it, never an empty one",
    async (format) => {
      const setup = imagePlan();
      const [first, second] = setup.plan.blobs;
      // Every blob that was begun failed its digest and went (a registry that corrupts every blob): nothing to resume.
      const emptied = join(scratch(), "emptied");
      let writer = await openLayoutWriter(format, emptied, setup.plan, {});
      const target = writer.target(first!);
      const sink = await target.open(0);
      await sink.write(Buffer.from("not the blob"));
      await sink.close();
      await target.reset();
      await writer.abort();
      expect(existsSync(join(emptied, PARTIAL_DIR)), "an empty partial directory is removed").toBe(false);
      expect(await partialDownloads(format, emptied)).toEqual([]);
      // A partial blob with bytes stays for the next pull to resume, and is what a failure names.
      const kept = join(scratch(), "kept");
      writer = await openLayoutWriter(format, kept, setup.plan, {});
      const half = await writer.target(second!).open(0);
      await half.write(setup.contents.get(second!.digest)!.subarray(0, 1000));
      await half.close();
      await writer.abort();
      expect(readdirSync(join(kept, PARTIAL_DIR))).toHaveLength(1);
      expect(await partialDownloads(format, kept)).toEqual([join(kept, PARTIAL_DIR)]);
    },
  );
});
