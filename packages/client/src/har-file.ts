/**
 * A HAR recording on disk (issue 14, item 5): `--har FILE` in the CLI, `.har FILE` in the REPL. Written atomically
 * (a reader never sees half an archive), and the path checked before any request, so a run that cannot save its
 * recording says so before it does anything, not after a long copy.
 */
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { UsageError } from "@regatta/errors";
import { writeFileAtomic } from "@regatta/layout";
import { type HarRecorder, VERSION } from "@regatta/transport";

/**
 * Throws a UsageError naming the problem when a HAR file cannot be written at `path`: a directory there, or a file
 * where a directory must be. Missing directories are fine (the write makes them, as `-o` does).
 */
export async function checkHarPath(path: string): Promise<void> {
  const target = resolve(path);
  if ((await stat(target).catch(() => undefined))?.isDirectory()) {
    throw new UsageError(`--har ${path}: is a directory; name a file`);
  }
  let dir = dirname(target);
  for (;;) {
    const found = await stat(dir).catch(() => undefined);
    if (found) {
      if (!found.isDirectory())
        throw new UsageError(`--har ${path}: cannot write there (${dir} is not a directory)`);
      try {
        await access(dir, constants.W_OK);
      } catch {
        throw new UsageError(`--har ${path}: cannot write there (${dir} is not writable)`);
      }
      return;
    }
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/** Writes what `recorder` holds to `path` as HAR 1.2 JSON; returns how many exchanges it holds. */
export async function writeHarFile(path: string, recorder: HarRecorder): Promise<number> {
  await writeFileAtomic(path, Buffer.from(`${JSON.stringify(recorder.toJSON(VERSION), null, 2)}\n`));
  return recorder.size;
}
