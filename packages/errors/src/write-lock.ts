/**
 * One writer at a time per destination. Two pulls into one tarball shared its fixed partial file and the one that
 * renamed it first left a corrupt archive behind with exit 0; two pulls into one OCI layout each rewrote index.json
 * from what they had read and dropped the other's entries. A lock file beside the destination (never inside it, so
 * an OCI layout stays one) holds the writer's pid: the next writer waits until it is gone, and takes over a lock
 * whose process is dead (a SIGKILL leaves one behind). The wait is bounded by the caller's signal.
 *
 * The lock's name is one anyone can predict, so whoever may write the directory may plant something there first. A
 * lock is read only through a handle opened with O_NOFOLLOW|O_NONBLOCK and checked once open: a small regular file
 * of this user's. A FIFO there hung a pull for ever (a read blocks until a writer comes); a symbolic link had it read
 * another file. Anything else at the name is refused with a FileSystemError (`NOT_OURS`) saying what it is: never
 * followed, waited on or removed.
 *
 * A dead holder's lock is removed by one waiter only: the one that creates the claim file named after that very
 * lock (its inode and content, which holds a random nonce), which checks under the claim that the lock is still that
 * one before removing it. Two waiters that saw the same dead lock each removed it, and the later one removed the
 * lock the first had made meanwhile: two holders. The other waiters wait for that taker, and are told whom they
 * wait for as for a live holder (a taker that stalled kept them waiting without a word). A claim left by a taker
 * killed in between is itself a dead lock, taken over the same way.
 * https://man7.org/linux/man-pages/man2/open.2.html (O_NOFOLLOW, O_NONBLOCK, O_EXCL)
 *
 * It lives here, below every package that writes a file others may write at the same time: @regatta/layout's pulls
 * and @regatta/auth's credential store (two `regatta login` at once each rewrote the docker config from what they
 * had read, and one login was lost).
 */

import { createHash, randomBytes } from "node:crypto";
import { constants, unlinkSync } from "node:fs";
import { link, lstat, open, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { abortedError } from "./abortable.js";
import { foreignFile } from "./foreign-file.js";
import { hiddenName } from "./hidden-name.js";
import { makeDirectories } from "./make-directories.js";
import { quotePath } from "./path-text.js";
import { isAlive } from "./process-alive.js";
import { FileSystemError } from "./regatta-error.js";

export { HOST_TAG, isAlive } from "./process-alive.js";

/** A held lock: release it once the destination is written (or given up). Safe to call twice. */
export interface WriteLock {
  release(): Promise<void>;
}

/** Options of {@link lockDestination}. */
export interface WriteLockOptions {
  /**
   * Told when this one starts waiting for another process, and again whenever whom it waits for changes: `holder`
   * is the pid, `lock` the file it holds, the lock itself or, while the holder is dead and another waiter takes the
   * lock over, that taker's claim file (a taker that stalls holds every waiter up as a holder would).
   */
  onWait?: (holder: number, lock: string) => void;
  /** Stops the wait. */
  signal?: AbortSignal;
  /** How often the lock is looked at again while waiting; default 100 ms. */
  pollMs?: number;
  /** Turns a failure to create the lock file (not "it exists") into the caller's error; default: as it is. */
  lockError?: (error: unknown, lockPath: string) => unknown;
}

/** The lock file of `destination`: hidden beside it, a name of at most 255 bytes however long the destination's. */
export function lockPathOf(destination: string): string {
  const full = resolve(destination);
  return join(dirname(full), hiddenName(basename(full), LOCK_SUFFIX));
}

const LOCK_SUFFIX = ".regatta-lock";

/**
 * Takes the lock of `destination`, waiting while a live process holds it.
 * @throws FileSystemError (code `NOT_OURS`) when something that is not a lock Regatta made is at the lock's name.
 */
export async function lockDestination(
  destination: string,
  options: WriteLockOptions = {},
): Promise<WriteLock> {
  const path = lockPathOf(destination);
  await makeDirectories(dirname(path));
  let told: string | undefined;
  const waitFor = (waiter: Waiter) => {
    const key = `${waiter.pid} ${waiter.file}`;
    if (key === told) return;
    told = key;
    options.onWait?.(waiter.pid, waiter.file);
  };
  for (;;) {
    stopped(options.signal, destination);
    try {
      await createLockFile(path);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST")
        throw options.lockError ? options.lockError(error, path) : error;
    }
    const found = await readLock(path);
    // Released between the failed link and the look: the next try may take it. (Taking over "no lock" would remove
    // the lock another waiter made in between.)
    if (found === "gone") continue;
    if (isDead(found)) {
      // A lock left by a process that is gone (or half written by one): taken over, unless another waiter is
      // taking it over right now (then it is looked at again after the pause, and that taker is waited for).
      const taker = await takeOver(path, found, () => stopped(options.signal, destination));
      if (taker === true) continue;
      waitFor(taker);
    } else if (found.holder) {
      waitFor({ pid: found.holder.pid, file: path });
    }
    await pause(options);
  }
  // Released on exit too: a reader that goes away (`| head`) may end the process before release().
  const onExit = () => {
    try {
      unlinkSync(path);
    } catch {}
  };
  process.once("exit", onExit);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      process.off("exit", onExit);
      await unlink(path).catch(() => {});
    },
  };
}

/** A live process this one waits for, and the file (a lock or a claim) it holds. */
interface Waiter {
  pid: number;
  file: string;
}

/** A lock file as read: its text, its identity on disk and the process it names (none when it is garbage). */
interface LockFile {
  text: string;
  dev: number;
  ino: number;
  holder?: { pid: number; local: boolean };
}

/**
 * Creates the lock (or claim) file `path` with its owner (pid, host and a nonce, so that no two
 * locks ever read the same) already in it: written to a file of this process's own, then hard-linked to the lock's
 * name, which fails with EEXIST when another holds it. Created empty and then written, a lock was seen empty by a
 * waiter, taken for one a dead writer half wrote, and removed: two holders (16 logins at once kept 13). A file
 * system without hard links gets the create-then-write way.
 */
async function createLockFile(path: string): Promise<void> {
  const owner = `${process.pid} ${hostname()} ${randomBytes(8).toString("hex")}\n`;
  const own = besideLock(path, `.${process.pid}.${randomBytes(4).toString("hex")}`);
  await writeFile(own, owner, { mode: 0o600, flag: "wx" });
  try {
    await link(own, path);
  } catch (error) {
    if (!NO_HARD_LINKS.has((error as NodeJS.ErrnoException).code ?? "")) throw error;
    const handle = await open(path, "wx", 0o600);
    await handle.writeFile(owner);
    await handle.close();
  } finally {
    await unlink(own).catch(() => {});
  }
}

/** `path` (a hidden `.NAME…` of at most 255 bytes) with `suffix` added, shortened as {@link hiddenName} does. */
function besideLock(path: string, suffix: string): string {
  return join(dirname(path), hiddenName(basename(path).slice(1), suffix));
}

const NO_HARD_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV"]);

/** Longer than any lock this code writes (pid, host name of at most 255 bytes, nonce). */
const LOCK_MAX_BYTES = 512;

/** Never follows a link at the name, and never waits on a FIFO for a writer to come. */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * The lock file at `path`, or "gone". Another host's process (a shared file system) cannot be asked whether it
 * lives: its lock holds as long as the file is there.
 * @throws FileSystemError (code `NOT_OURS`) when what is there is not a lock this code made (see the file's comment).
 */
async function readLock(path: string): Promise<LockFile | "gone"> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "gone";
    // ELOOP: a symbolic link; ENXIO: a socket; EACCES: a file this user may not read. Said as what is there.
    const found = await lstat(path).catch(() => undefined);
    if (!found) return "gone";
    const what = await foreignFile(found, path, LOCK_RULES);
    if (what) throw notOurs(path, what);
    throw new FileSystemError(`cannot read the lock ${quotePath(path)} (${code ?? "error"})`, {
      path,
      ...(code ? { syscallCode: code } : {}),
    });
  }
  try {
    const found = await handle.stat();
    const what = await foreignFile(found, path, LOCK_RULES);
    if (what) throw notOurs(path, what);
    const buffer = Buffer.alloc(LOCK_MAX_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, 0);
    if (bytesRead > LOCK_MAX_BYTES) throw notOurs(path, `a file of more than ${LOCK_MAX_BYTES} bytes`);
    const text = buffer.subarray(0, bytesRead).toString("utf8");
    const [pid, host] = text.trim().split(" ");
    const number = Number(pid);
    const holder =
      Number.isInteger(number) && number > 0
        ? { pid: number, local: host === undefined || host === hostname() }
        : undefined;
    return { text, dev: found.dev, ino: found.ino, ...(holder ? { holder } : {}) };
  } finally {
    await handle.close();
  }
}

/**
 * A lock this code made is a small regular file of this user's. (It may have two names for a moment: it is made as
 * a link to its writer's own file, which is removed right after.)
 */
const LOCK_RULES = { maxBytes: LOCK_MAX_BYTES };

function notOurs(path: string, what: string): FileSystemError {
  return new FileSystemError(`${quotePath(path)} is not a regatta lock (${what}); remove it and try again`, {
    code: "NOT_OURS",
    path,
  });
}

/** Whether the lock's holder is gone (a process of this host's that has ended), or it names none (garbage). */
function isDead(lock: LockFile): boolean {
  return lock.holder === undefined || (lock.holder.local && !isAlive(lock.holder.pid));
}

/**
 * The claim on the lock `lock` read at `path`: `.NAME.regatta-lock.<16 hex>.claim` beside it, the hex from a hash of
 * the lock's name, inode and text, so each lock file that ever was there has a claim of its own.
 * @internal exported for tests
 */
export function claimPathOf(path: string, lock: Pick<LockFile, "dev" | "ino" | "text">): string {
  const key = createHash("sha256")
    .update(`${basename(path)}\0${lock.dev}\0${lock.ino}\0${lock.text}`)
    .digest("hex")
    .slice(0, 16);
  return besideLock(path, `.${key}.claim`);
}

/** How deep claims on claims go (each level a taker killed while it held its claim) before giving up. */
const CLAIM_DEPTH = 4;

/**
 * Removes the dead lock `lock` read at `path`, if this process wins the claim on it ({@link claimPathOf}), made as
 * a lock is (EEXIST for all but one). Under the claim the lock is read again and removed only if it is still the very same file: a waiter that
 * saw it dead after another had removed it and made its own finds another inode or text and leaves it. True once
 * the lock is gone; the live process that holds the claim (it is removing the lock now) when there is one.
 */
async function takeOver(path: string, lock: LockFile, stop: () => void, depth = 0): Promise<true | Waiter> {
  const claim = claimPathOf(path, lock);
  for (;;) {
    stop();
    try {
      await createLockFile(claim);
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") {
        throw new FileSystemError(
          `cannot create ${quotePath(claim)} to take over the lock ${quotePath(path)} (${code ?? "error"})`,
          {
            path: claim,
            ...(code ? { syscallCode: code } : {}),
            hint: "check the permissions of its directory",
            cause: error,
          },
        );
      }
    }
    const other = await readLock(claim);
    if (other === "gone") continue;
    if (other.holder && !isDead(other)) return { pid: other.holder.pid, file: claim };
    if (depth >= CLAIM_DEPTH) {
      throw new FileSystemError(
        `cannot take over the lock ${quotePath(path)}: takers of it keep dying; remove it and ${quotePath(claim)}, then try again`,
        { code: "NOT_OURS", path },
      );
    }
    // A taker killed while it held the claim: its claim is a dead lock, taken over the same way.
    const taker = await takeOver(claim, other, stop, depth + 1);
    if (taker !== true) return taker;
  }
  try {
    const now = await readLock(path);
    if (now !== "gone" && now.dev === lock.dev && now.ino === lock.ino && now.text === lock.text) {
      await unlink(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return;
        throw new FileSystemError(
          `cannot remove the lock ${quotePath(path)} a dead process left (${error.code})`,
          {
            path,
            ...(error.code ? { syscallCode: error.code } : {}),
            hint: "check the permissions of its directory",
          },
        );
      });
    }
  } finally {
    await unlink(claim).catch(() => {});
  }
  return true;
}

function pause(options: WriteLockOptions): Promise<void> {
  return sleep(options.pollMs ?? 100, undefined, options.signal ? { signal: options.signal } : {}).catch(
    () => {},
  );
}

/** Throws the typed abort error once `signal` has stopped the wait for `destination`. */
function stopped(signal: AbortSignal | undefined, destination: string): void {
  if (signal?.aborted) throw abortedError(signal, `waiting to write ${quotePath(destination)}`);
}
