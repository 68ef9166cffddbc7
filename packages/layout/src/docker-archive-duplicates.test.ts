/**
 * A docker tarball never holds two entries with one path: `tar x` and `docker load` keep the last of them and other
 * readers the first, so such an archive would mean different things to different tools. The same content met twice
 * (a digest shared by a manifest and a blob, of one size) is stored once; contradictions are refused with a typed
 * error before anything is written or sent.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { layOut } from "./docker-archive.js";
import { openLayoutWriter } from "./open-layout-writer.js";
import type { PullPlan } from "./pull-plan.js";
import { listTarEntries } from "./tar-format.js";
import { imagePlan, pull, scratchDirs } from "./test-helpers.js";

const scratch = scratchDirs("duplicates-");

/** `setup`'s plan with its config replaced by a blob whose digest is the manifest's, of `size` bytes. */
function configIsManifest(size: number) {
  const setup = imagePlan();
  const { manifest } = setup;
  const blob = { ...setup.plan.blobs[0]!, digest: manifest.digest, size };
  const plan: PullPlan = { ...setup.plan, blobs: [blob, ...setup.plan.blobs.slice(1)] };
  const contents = new Map(setup.contents);
  contents.set(manifest.digest, Buffer.from(manifest.bytes));
  return { ...setup, plan, contents };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("a docker tarball with two entries of one path", () => {
  it("is refused where the archive is laid out, for any two entries", () => {
    const entry = { name: "blobs/sha256/abc", type: "file" as const, size: 1, bytes: new Uint8Array(1) };
    const error = (() => {
      try {
        layOut([entry, { ...entry }]);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe("DUPLICATE_ARCHIVE_ENTRY");
    expect((error as UsageError).message).toContain("blobs/sha256/abc twice");
  });

  it("one digest of two sizes (a blob named as a manifest is): refused before a file or a byte is written", async () => {
    const setup = configIsManifest(12345);
    const dir = scratch();
    const error = await failure(pull("docker", join(dir, "app.tar"), setup));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe("DUPLICATE_ARCHIVE_ENTRY");
    expect((error as UsageError).message).toContain(`blobs/sha256/${setup.manifest.digest.slice(7)} twice`);
    expect(readdirSync(dir)).toEqual([]);

    const out = new PassThrough();
    let sent = 0;
    out.on("data", (chunk: Buffer) => {
      sent += chunk.byteLength;
    });
    const streamed = await failure(openLayoutWriter("docker", out, setup.plan, {}));
    expect((streamed as UsageError).code).toBe("DUPLICATE_ARCHIVE_ENTRY");
    expect(sent).toBe(0);
  });

  it("one digest of one size is one content: stored once, nothing to download for it", async () => {
    const setup = configIsManifest(imagePlan().manifest.size);
    const file = join(scratch(), "app.tar");
    await pull("docker", file, setup);
    const bytes = readFileSync(file);
    const readAt = async (position: number, length: number) => bytes.subarray(position, position + length);
    const names = (await listTarEntries(readAt, bytes.byteLength)).map((e) => e.name);
    expect(names.filter((n) => n === `blobs/sha256/${setup.manifest.digest.slice(7)}`)).toHaveLength(1);
    expect(new Set(names).size).toBe(names.length);
  });

  it("one repo:tag naming two images (the tag moved between two looks): refused, nothing written", async () => {
    const first = imagePlan("localhost:5000/app:v1", "first");
    const second = imagePlan("localhost:5000/app:v1", "second");
    const plan: PullPlan = {
      references: [...first.plan.references, ...second.plan.references],
      blobs: [...first.plan.blobs, ...second.plan.blobs],
    };
    const dir = scratch();
    const error = await failure(
      pull("docker", join(dir, "app.tar"), {
        ...first,
        plan,
        contents: new Map([...first.contents, ...second.contents]),
      }),
    );
    expect((error as UsageError).code).toBe("DUPLICATE_NAME");
    expect((error as UsageError).message).toContain("localhost:5000/app:v1 would name two images");
    expect(existsSync(join(dir, "app.tar"))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
