/**
 * A HAR recording on disk (issue 14, item 5): `--har FILE` in the CLI, `.har FILE` in the REPL. Written atomically
 * (a reader never sees half an archive), and the path checked before any request, so a run that cannot save its
 * recording says so before it does anything, not after a long copy.
 */
import { closeSync, constants, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { access, realpath, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { quotePath, UsageError } from "@regatta/errors";
import { writeFileAtomic } from "@regatta/layout";
import { type HarRecorder, VERSION } from "@regatta/transport";

/** Where `path` lands once its directory's links are followed (the file itself may not exist yet). */
async function realLocation(path: string): Promise<string> {
  const dir = dirname(resolve(path));
  return join(await realpath(dir).catch(() => dir), basename(path));
}

/**
 * Whether two names reach one file: the same inode when both exist (a symbolic or hard link, `./x` and `x`), else
 * the same place once their directories' links are followed.
 */
async function sameFile(a: string, b: string): Promise<boolean> {
  const [first, second] = await Promise.all([stat(a).catch(() => undefined), stat(b).catch(() => undefined)]);
  if (first && second) return first.dev === second.dev && first.ino === second.ino;
  if (first || second) return false;
  return (await realLocation(a)) === (await realLocation(b));
}

/**
 * Throws a UsageError (`LABEL PATH: cannot write there (DIR: no such directory)`) when the directory `path` would be
 * written into is missing, or is not a directory: every path a command writes (a pull's destination, `-o FILE`,
 * `--har`) is checked so, before anything is sent, as `docker save -o` and skopeo refuse it; a typo must not make a
 * tree of directories (as root, `/nonexistent-dir`). `kind` "file" (the default: a tarball, a blob, a HAR file)
 * also refuses a directory at `path` itself (`LABEL PATH: is a directory; name a file`), which was found only after
 * the download; "directory" (an OCI layout, an artifact's files) takes one.
 */
export async function checkOutputDirectory(
  path: string,
  label: string,
  kind: "file" | "directory" = "file",
): Promise<void> {
  if (kind === "file" && (await stat(resolve(path)).catch(() => undefined))?.isDirectory()) {
    throw new UsageError(`${label} ${quotePath(path)}: is a directory; name a file`);
  }
  const dir = dirname(resolve(path));
  const found = await stat(dir).catch((error: NodeJS.ErrnoException) => error);
  if (found instanceof Error) {
    // ENOTDIR: a file on the way (a/b.har/x.har), which no directory can be made under either.
    const why = found.code === "ENOTDIR" ? "a file is on the way" : "no such directory";
    throw new UsageError(`${label} ${quotePath(path)}: cannot write there (${quotePath(dir)}: ${why})`);
  }
  if (!found.isDirectory()) {
    throw new UsageError(
      `${label} ${quotePath(path)}: cannot write there (${quotePath(dir)} is not a directory)`,
    );
  }
}

/**
 * Throws a UsageError naming the problem when a HAR file cannot be written at `path`: a directory there, a file
 * where a directory must be, or one of `ownFiles`, the files the run itself reads or writes (`-o FILE`, a pull's
 * destination, a push's source): the recording, written last, would replace them. A directory that does not exist is
 * refused too, as `blob -o` and `export -o` refuse it (and crane's `--har`): a typo must not make directories (it made
 * `/nonexist` at the root).
 */
export async function checkHarPath(path: string, ownFiles: readonly string[] = []): Promise<void> {
  // `-` is stdout for -o, but stdout carries the command's own output: the recording would be mixed into it, and a
  // file named `-` is never what was meant (it was made).
  if (path === "-") {
    throw new UsageError(
      "--har -: a recording is written to a file, never to stdout (the command's output); name a file",
    );
  }
  for (const own of ownFiles) {
    if (await sameFile(path, own)) {
      throw new UsageError(
        `--har ${quotePath(path)} and ${quotePath(own)} name the same file; record the HTTP exchanges elsewhere`,
      );
    }
  }
  await checkOutputDirectory(path, "--har", "file");
  const dir = dirname(resolve(path));
  try {
    await access(dir, constants.W_OK);
  } catch {
    throw new UsageError(`--har ${quotePath(path)}: cannot write there (${quotePath(dir)} is not writable)`);
  }
}

/** A HAR file's bytes: the recording as JSON, two spaces of indent, one newline at the end. */
function harBytes(log: ReturnType<HarRecorder["toJSON"]>): Buffer {
  return Buffer.from(JSON.stringify(log, null, 2).concat("\n"));
}

/**
 * Writes what `recorder` holds to `path` as HAR 1.2 JSON; returns how many exchanges it holds. `onReaderWait` is told
 * once when `path` is a FIFO that has had no reader for a second. The file is its owner's alone (0600, as the REPL's
 * `.save`): secrets are redacted, but the response bodies of registries that asked for credentials are in it.
 */
export async function writeHarFile(
  path: string,
  recorder: HarRecorder,
  options: { onReaderWait?: () => void } = {},
): Promise<number> {
  await writeFileAtomic(path, harBytes(recorder.toJSON(VERSION)), { ...options, mode: 0o600 });
  return recorder.size;
}

/**
 * {@link writeHarFile} for a run that ends now (Ctrl-C, SIGTERM: the CLI's interrupt path, where the process exits
 * before any promise settles): synchronous, atomic (a temporary file beside it, 0600, renamed over it), the requests
 * still waiting included. A FIFO or device at `path` is written only if it can be without waiting (a FIFO with a
 * reader). Returns how many exchanges it holds, or undefined when it could not write.
 */
export function writeHarFileNow(path: string, recorder: HarRecorder): number | undefined {
  const log = recorder.toJSON(VERSION);
  const json = harBytes(log);
  const existing = statSync(path, { throwIfNoEntry: false });
  try {
    if (existing && !existing.isFile()) {
      const fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
      try {
        writeSync(fd, json);
      } finally {
        closeSync(fd);
      }
    } else {
      const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
      try {
        const fd = openSync(temp, "wx", 0o600);
        try {
          writeSync(fd, json);
        } finally {
          closeSync(fd);
        }
        renameSync(temp, path);
      } finally {
        rmSync(temp, { force: true });
      }
    }
  } catch {
    return undefined;
  }
  return log.log.entries.length;
}
