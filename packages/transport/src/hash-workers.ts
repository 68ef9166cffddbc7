/**
 * Hashing large blobs on another core. A pull or a copy receives, hashes and writes every byte; on one thread the
 * hash (sha256 at about 1.5 GiB/s with SHA-NI) stalls the socket reads it shares the thread with. Here the bytes are
 * copied into a ring of shared memory per blob and hashed by a worker thread, so the receiving thread only copies.
 *
 * - One small pool (cores − 1 workers, at most 4), started on the first large blob, never for small ones (a worker
 *   costs a few milliseconds and some memory to start; a 2 KiB config is hashed faster than a message goes out).
 * - Memory is bounded: each blob's ring is RING_BYTES; a full ring makes `update` return a promise (back-pressure,
 *   which the verify stream passes on to the socket).
 * - The workers never keep the process alive on their own (`unref`); only a caller waiting on one does, for as long
 *   as it waits. A download abandoned half-way frees its ring and its session.
 * - Nothing here decides whether content is right: manifest's `createDeferredVerifier` compares the digest.
 */
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import {
  type ContentVerifier,
  createDeferredVerifier,
  createVerifier,
  type DeferredHash,
  type DeferredVerifier,
  parseDigest,
} from "@regatta/manifest";

/** Blobs smaller than this are hashed where they are received. */
export const OFF_THREAD_MIN_BYTES = 4 * 1024 * 1024;
/** Shared memory per blob being hashed. */
const RING_BYTES = 2 * 1024 * 1024;
/** Bytes gathered before the worker is told about them: one message per 256 KiB, not per 64 KiB socket read. */
const NOTIFY_BYTES = 256 * 1024;

/** Messages to a worker. */
type ToWorker =
  | { type: "open"; id: number; algorithm: string; ring: SharedArrayBuffer }
  | { type: "data"; id: number; upTo: number }
  | { type: "end"; id: number }
  | { type: "drop"; id: number };
/** Messages from a worker. */
type FromWorker = { type: "ack"; id: number; upTo: number } | { type: "hex"; id: number; hex: string };

/**
 * The worker's whole program, evaluated (`eval: true`) so that it needs no file of its own beside the bundled CLI;
 * it reaches Node's modules through `process.getBuiltinModule`, which works whether the eval runs as CommonJS or (a
 * parent started with `--input-type=module`) as a module. It hashes each session's ring from where it stopped up to `upTo` (wrapping at the end) and says so.
 */
const WORKER_SOURCE = `
const { parentPort } = process.getBuiltinModule("node:worker_threads");
const { createHash } = process.getBuiltinModule("node:crypto");
const sessions = new Map();
parentPort.on("message", (m) => {
  if (m.type === "open") {
    sessions.set(m.id, { hash: createHash(m.algorithm), ring: new Uint8Array(m.ring), done: 0 });
    return;
  }
  const s = sessions.get(m.id);
  if (!s) return;
  if (m.type === "data") {
    const size = s.ring.byteLength;
    let from = s.done % size;
    let left = m.upTo - s.done;
    while (left > 0) {
      const n = Math.min(left, size - from);
      s.hash.update(s.ring.subarray(from, from + n));
      left -= n;
      from = 0;
    }
    s.done = m.upTo;
    parentPort.postMessage({ type: "ack", id: m.id, upTo: m.upTo });
  } else if (m.type === "end") {
    sessions.delete(m.id);
    parentPort.postMessage({ type: "hex", id: m.id, hex: s.hash.digest("hex") });
  } else if (m.type === "drop") {
    sessions.delete(m.id);
  }
});
`;

/** The main thread's side of one blob being hashed. */
interface Session {
  /** Bytes acknowledged as hashed. */
  acked: number;
  /** Called when an ack or the digest arrives, or the worker dies. */
  onAck?: (() => void) | undefined;
  onHex?: (hex: string) => void;
  onFailure: (error: Error) => void;
}

/** One worker and the sessions it hashes. */
class HashWorker {
  readonly sessions = new Map<number, Session>();
  /** Callers waiting on this worker (an ack or a digest): while any does, the worker keeps the process alive. */
  #waiting = 0;
  #worker: Worker;
  dead = false;

  constructor(private readonly onDeath: (worker: HashWorker) => void) {
    // Loaded here, not imported: a command that moves no large blob (most of them) never loads worker_threads.
    const { Worker: WorkerThread } = process.getBuiltinModule("node:worker_threads");
    this.#worker = new WorkerThread(WORKER_SOURCE, { eval: true, execArgv: [] });
    this.#worker.on("message", (message: FromWorker) => {
      const session = this.sessions.get(message.id);
      if (!session) return;
      if (message.type === "ack") {
        session.acked = message.upTo;
        session.onAck?.();
      } else {
        this.sessions.delete(message.id);
        session.onHex?.(message.hex);
      }
    });
    const die = (error: Error) => {
      if (this.dead) return;
      this.dead = true;
      this.onDeath(this);
      for (const session of this.sessions.values()) session.onFailure(error);
      this.sessions.clear();
    };
    this.#worker.on("error", (error) => die(error));
    this.#worker.on("exit", (code) => die(new Error(`the hashing thread stopped (exit code ${code})`)));
    // After the listeners: adding a "message" listener refs the worker's port again.
    this.#worker.unref();
  }

  post(message: ToWorker): void {
    this.#worker.postMessage(message);
  }

  /** Runs `wait` with the worker holding the process open, so a pending digest cannot be cut off by exit. */
  async hold<T>(wait: Promise<T>): Promise<T> {
    if (this.#waiting++ === 0) this.#worker.ref();
    try {
      return await wait;
    } finally {
      if (--this.#waiting === 0) this.#worker.unref();
    }
  }
}

/** The process's pool, started on first use. */
class HashPool {
  #workers: HashWorker[] = [];
  #nextId = 1;
  readonly size: number;

  constructor(size: number) {
    this.size = size;
  }

  /** The worker with the fewest sessions, starting one while the pool is not full. */
  #pick(): HashWorker {
    const least = this.#workers.reduce<HashWorker | undefined>(
      (best, w) => (best && best.sessions.size <= w.sessions.size ? best : w),
      undefined,
    );
    if (least && (least.sessions.size === 0 || this.#workers.length >= this.size)) return least;
    const worker = new HashWorker((dead) => {
      this.#workers = this.#workers.filter((w) => w !== dead);
    });
    this.#workers.push(worker);
    return worker;
  }

  open(algorithm: string): DeferredHash {
    const worker = this.#pick();
    const id = this.#nextId++;
    const shared = new SharedArrayBuffer(RING_BYTES);
    const ring = new Uint8Array(shared);
    let written = 0;
    let notified = 0;
    let failure: Error | undefined;
    let closed = false;
    const session: Session = {
      acked: 0,
      onFailure: (error) => {
        failure = error;
        session.onAck?.();
      },
    };
    worker.sessions.set(id, session);
    worker.post({ type: "open", id, algorithm, ring: shared });

    const notify = () => {
      if (notified === written) return;
      worker.post({ type: "data", id, upTo: written });
      notified = written;
    };
    /** Waits until the worker has hashed enough of the ring to make room. */
    const room = () =>
      worker.hold(
        new Promise<void>((resolve) => {
          session.onAck = () => {
            session.onAck = undefined;
            resolve();
          };
        }),
      );
    /** Copies `chunk` into the ring, waiting for room as often as it takes. */
    const copyIn = async (chunk: Uint8Array, from: number): Promise<void> => {
      let offset = from;
      while (offset < chunk.byteLength) {
        if (failure) throw failure;
        const free = RING_BYTES - (written - session.acked);
        if (free === 0) {
          notify();
          await room();
          continue;
        }
        offset += place(chunk, offset, free);
      }
    };
    /** Copies as much of `chunk` from `offset` as fits in `free` bytes and up to the ring's end; returns how much. */
    const place = (chunk: Uint8Array, offset: number, free: number): number => {
      const at = written % RING_BYTES;
      const n = Math.min(chunk.byteLength - offset, free, RING_BYTES - at);
      ring.set(chunk.subarray(offset, offset + n), at);
      written += n;
      if (written - notified >= NOTIFY_BYTES) notify();
      return n;
    };

    return {
      update(chunk) {
        if (failure) throw failure;
        if (closed) throw new Error("hash updated after it ended");
        // The common case: room for the whole chunk, no promise, no await.
        let offset = 0;
        while (offset < chunk.byteLength) {
          const free = RING_BYTES - (written - session.acked);
          if (free === 0) return copyIn(chunk, offset);
          offset += place(chunk, offset, free);
        }
        return undefined;
      },
      hex() {
        if (failure) return Promise.reject(failure);
        closed = true;
        notify();
        const digest = new Promise<string>((resolve, reject) => {
          session.onHex = resolve;
          session.onFailure = reject;
        });
        worker.post({ type: "end", id });
        return worker.hold(digest);
      },
      abandon() {
        if (closed) return;
        closed = true;
        worker.sessions.delete(id);
        if (!worker.dead) worker.post({ type: "drop", id });
      },
    };
  }
}

let pool: HashPool | undefined | null;

/**
 * A hash of `algorithm` (sha256, sha512) computed on a worker thread, or undefined where that would not help: a
 * machine with one core, or worker threads not available (then the caller hashes in place).
 */
export function offThreadHash(algorithm: string): DeferredHash | undefined {
  if (pool === undefined) {
    const size = Math.min(4, availableParallelism() - 1);
    pool = size >= 1 ? new HashPool(size) : null;
  }
  if (pool === null) return undefined;
  try {
    return pool.open(algorithm);
  } catch {
    return undefined; // the worker could not start (resource limits): hash in place, as on one core
  }
}

/**
 * The verifier for a blob of `size` bytes that must hash to `digest`: hashed on a worker thread when it is large
 * and a worker is there, where it is received otherwise. Either checks size and digest the same way (manifest's).
 */
export function blobVerifier(digest: string, size: number | undefined): ContentVerifier | DeferredVerifier {
  const { algorithm } = parseDigest(digest);
  const hash = size !== undefined && size >= OFF_THREAD_MIN_BYTES ? offThreadHash(algorithm) : undefined;
  return hash ? createDeferredVerifier(digest, size, hash) : createVerifier(digest, size);
}
