/**
 * Writing a docker archive, to a file or to a stream.
 *
 * To a file, the tarball is laid out before the downloads start (every size is known from the descriptors), created
 * at its full size under a hidden temporary name, and each blob is downloaded in parallel straight into its place:
 * no second copy of a gigabyte. A small state file beside it records which blobs are complete and how much of the
 * others has landed; an interrupted pull finds both, re-verifies the complete blobs, continues the partial ones with
 * a Range request, and only the finished, verified tarball is renamed to its final name.
 *
 * To a stream (`-o -`), entries must go out in order: blobs download in parallel into a temporary spool directory,
 * and each is copied to the stream as soon as it and everything before it is complete, then removed.
 */

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { Writable } from "node:stream";
import { AbortError, quotePath, UsageError } from "@regatta/errors";
import { hiddenName } from "@regatta/errors/hidden-name";
import { makeDirectories } from "@regatta/errors/make-directories";
import { createVerifier } from "@regatta/manifest";
import { removeOnExit, replaceFileAtomic } from "./atomic-file.js";
import { positionalWriter } from "./chunk-writer.js";
import { type ArchiveLayout, dockerArchiveEntries, layOut, type PlacedEntry } from "./docker-archive.js";
import { fileTarget } from "./file-target.js";
import type { BlobTarget, LayoutWriter, WriterOptions } from "./layout-writer.js";
import { jsonBytes } from "./oci-index.js";
import { createOwnFile, identity, readRegion, renameOwnFile, reopenOwnFile } from "./own-file.js";
import type { PullPlan } from "./pull-plan.js";
import { digestParts, ociBlobName } from "./safe-path.js";
import { END_OF_ARCHIVE, padding } from "./tar-format.js";

/** What the state file beside a partial tarball records. */
interface ResumeState {
  version: 1;
  /**
   * Hash of the layout's shape: a state file for another shape (another image, a tag of another length) is not
   * resumed; the small files are written afresh on every run, so a tag of the same length resumes correctly.
   */
  fingerprint: string;
  blobs: Record<string, { written: number; done: boolean }>;
}

function fingerprintOf(layout: ArchiveLayout): string {
  const shape = layout.entries.map((e) => [e.name, e.size, e.offset, e.blob ?? ""]);
  return createHash("sha256")
    .update(JSON.stringify([layout.size, shape]))
    .digest("hex");
}

/** More than any state file of ours (a few hundred bytes per blob): a bigger one is not read. */
const MAX_STATE_BYTES = 16 * 1024 * 1024;

/** The state file an earlier run left, when it is a file of ours (own-file.ts) and reads as one. */
async function readState(path: string): Promise<ResumeState | undefined> {
  const handle = await reopenOwnFile(path, "read");
  if (!handle) return undefined;
  try {
    if ((await handle.stat()).size > MAX_STATE_BYTES) return undefined;
    const state = JSON.parse(await handle.readFile("utf8")) as ResumeState;
    return state?.version === 1 && typeof state.blobs === "object" ? state : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/** Whether the bytes of `entry` in the tarball hash to `digest`: a complete blob recorded by an earlier run is checked. */
async function regionMatches(handle: FileHandle, entry: PlacedEntry, digest: string): Promise<boolean> {
  const verifier = createVerifier(digest, entry.size);
  try {
    for await (const chunk of readRegion(handle, entry.dataOffset, entry.size)) verifier.update(chunk);
    verifier.finish();
    return true;
  } catch {
    return false;
  }
}

/**
 * The blobs of `plan` the archive holds as a manifest's bytes (a blob whose digest is a manifest's is the same
 * content, stored once: docker-archive.ts).
 */
function heldInMemory(plan: PullPlan, layout: ArchiveLayout): Set<string> {
  const names = new Set(layout.entries.filter((e) => e.bytes).map((e) => e.name));
  return new Set(plan.blobs.filter((b) => names.has(ociBlobName(b.digest))).map((b) => b.digest));
}

/** The target of such a blob: complete, nothing to fetch. */
const ALREADY_HELD: BlobTarget = {
  held: async () => "complete",
  async *prefix() {},
  open: async () => {
    throw new Error("internal: a blob held as a manifest's bytes is never downloaded");
  },
  commit: async () => {},
  reset: async () => {},
};

/** The names of the partial tarball and its state file, hidden beside `path` (each at most 255 bytes). */
export function partialArchivePaths(path: string): { temp: string; state: string } {
  const name = basename(path);
  return {
    temp: join(dirname(path), hiddenName(name, ".regatta-partial")),
    state: join(dirname(path), hiddenName(name, ".regatta-partial.json")),
  };
}

/** Writes a pull as a docker archive at `path`, resuming an interrupted pull of the same images. */
export async function openDockerArchiveFileWriter(
  path: string,
  plan: PullPlan,
  options: WriterOptions = {},
): Promise<LayoutWriter> {
  const layout = layOut(dockerArchiveEntries(plan));
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new UsageError(
      `${quotePath(path)} is a directory: give the tarball a file name, e.g. ${quotePath(join(path, "image.tar"))}`,
    );
  }
  await makeDirectories(dirname(path));
  const { temp, state: statePath } = partialArchivePaths(path);
  const fingerprint = fingerprintOf(layout);
  // The partial tarball and its state have names anyone can predict: only files of ours are resumed, anything else
  // planted there (a link to a file elsewhere) is removed, never written through (own-file.ts).
  const saved = await readState(statePath);
  let earlier = saved?.fingerprint === fingerprint ? await reopenOwnFile(temp) : undefined;
  if (earlier && (await earlier.stat()).size !== layout.size) {
    await earlier.close();
    earlier = undefined;
  }
  const resuming = earlier !== undefined;
  const state: ResumeState = resuming && saved ? saved : { version: 1, fingerprint, blobs: {} };
  const handle = earlier ?? (await createOwnFile(temp));
  const mine = await identity(handle);
  let saving = Promise.resolve();
  let dirty = false;
  const save = (): Promise<void> => {
    dirty = false;
    const bytes = jsonBytes(state);
    // Renamed over the name: a link planted at the state's name is replaced, not followed.
    saving = saving.then(() => replaceFileAtomic(statePath, bytes)).catch(() => {});
    return saving;
  };
  try {
    if (!resuming) await handle.truncate(layout.size);
    // Headers and the small files go in now, resuming or not; the blobs' regions stay holes until they are
    // downloaded. The fingerprint is the layout's shape (names, sizes, places): a pull of another tag of one image
    // has the same shape when the names are as long, and resumes its blobs, but its manifest.json, repositories and
    // index.json name this tag (QA: a resumed :v1 kept :v2's RepoTags).
    for (const entry of layout.entries) {
      await handle.write(entry.header, 0, entry.header.byteLength, entry.offset);
      if (entry.bytes) await handle.write(entry.bytes, 0, entry.bytes.byteLength, entry.dataOffset);
    }
    if (!resuming) await save();
  } catch (error) {
    await handle.close();
    throw error;
  }
  const timer = setInterval(() => {
    if (dirty) void save();
  }, 250);
  timer.unref();
  const placed = new Map(layout.entries.filter((e) => e.blob).map((e) => [e.blob as string, e]));
  const inMemory = heldInMemory(plan, layout);

  return {
    target(blob): BlobTarget {
      if (inMemory.has(blob.digest)) return ALREADY_HELD;
      const entry = placed.get(blob.digest);
      if (!entry) throw new Error(`internal: blob ${blob.digest} has no place in the archive`);
      state.blobs[blob.digest] ??= { written: 0, done: false };
      const record = state.blobs[blob.digest]!;
      let recheck = resuming && record.done;
      return {
        async held() {
          if (record.done) {
            if (!recheck) return "complete";
            recheck = false;
            if (await regionMatches(handle, entry, blob.digest)) return "complete";
            record.done = false;
            record.written = 0;
            dirty = true;
            return 0;
          }
          return Math.min(record.written, entry.size);
        },
        async *prefix(bytes) {
          yield* readRegion(handle, entry.dataOffset, bytes);
        },
        async open(offset) {
          record.written = offset;
          record.done = false;
          dirty = true;
          return positionalWriter(handle, entry.dataOffset + offset, {
            ownsHandle: false,
            path: temp,
            onWritten: (position) => {
              record.written = position - entry.dataOffset;
              dirty = true;
            },
          });
        },
        async commit() {
          record.done = true;
          record.written = entry.size;
          // Saved at once, not at the next tick: a pull killed (SIGKILL, no clean-up) right after a blob landed would
          // otherwise download it again.
          await save();
        },
        async reset() {
          record.done = false;
          record.written = 0;
          dirty = true;
        },
      };
    },
    async finish() {
      clearInterval(timer);
      try {
        if (options.sync) await handle.datasync();
      } finally {
        await handle.close();
      }
      await saving;
      await renameOwnFile(mine, temp, path);
      await rm(statePath, { force: true });
    },
    async abort() {
      clearInterval(timer);
      await handle.close().catch(() => {});
      await save();
    },
  };
}

/** Writes `chunk` to `out`, waiting for `drain` when its buffer is full; fails if `out` closes or errors first. */
function writeTo(out: Writable, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.destroyed || out.writableEnded) {
      reject(new AbortError("the output stream was closed before the archive was complete"));
      return;
    }
    if (out.write(chunk)) {
      resolve();
      return;
    }
    const cleanup = () => {
      out.off("drain", onDrain);
      out.off("error", onError);
      out.off("close", onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      reject(new AbortError("the output stream was closed before the archive was complete"));
    };
    out.on("drain", onDrain);
    out.on("error", onError);
    out.on("close", onClose);
  });
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/**
 * Writes a pull as a docker archive to `out` (stdout for `-o -`), entry by entry in order. `out` is not ended: it
 * belongs to the caller. The bytes are the same as {@link openDockerArchiveFileWriter} writes.
 */
export async function openDockerArchiveStreamWriter(
  out: Writable,
  plan: PullPlan,
  options: WriterOptions = {},
): Promise<LayoutWriter> {
  const layout = layOut(dockerArchiveEntries(plan));
  const spool = await mkdtemp(join(tmpdir(), "regatta-pull-"));
  // A reader that goes away (`| head`) may end the process before finish() or abort(): the spool goes with it.
  const forgetSpool = removeOnExit(spool);
  const spooled = (digest: string) => join(spool, digestParts(digest).join("-"));
  const ready = new Map(layout.entries.filter((e) => e.blob).map((e) => [e.blob as string, deferred()]));
  const inMemory = heldInMemory(plan, layout);

  const run = (async () => {
    for (const entry of layout.entries) {
      await writeTo(out, entry.header);
      if (entry.bytes) {
        await writeTo(out, entry.bytes);
      } else if (entry.blob) {
        await ready.get(entry.blob)!.promise;
        const file = spooled(entry.blob);
        for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
          await writeTo(out, chunk as Buffer);
        }
        await rm(file, { force: true });
      }
      const pad = padding(entry.size);
      if (pad > 0) await writeTo(out, new Uint8Array(pad));
    }
    await writeTo(out, END_OF_ARCHIVE);
  })();
  run.catch((error) => options.onFatal?.(error));

  return {
    target(blob): BlobTarget {
      if (inMemory.has(blob.digest)) return ALREADY_HELD;
      const base = fileTarget(spooled(blob.digest), `${spooled(blob.digest)}.partial`, blob.size);
      const done = ready.get(blob.digest);
      return {
        ...base,
        async held() {
          const held = await base.held();
          if (held === "complete") done?.resolve();
          return held;
        },
        async commit() {
          await base.commit();
          done?.resolve();
        },
      };
    },
    async finish() {
      try {
        await run;
      } finally {
        forgetSpool();
        await rm(spool, { recursive: true, force: true });
      }
    },
    async abort() {
      for (const d of ready.values()) d.reject(new AbortError("pull aborted"));
      await run.catch(() => {});
      forgetSpool();
      await rm(spool, { recursive: true, force: true });
    },
  };
}
