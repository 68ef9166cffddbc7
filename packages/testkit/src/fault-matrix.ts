/**
 * The fault × command matrix (issue 10): for each fault the {@link startFaultProxy} can inject and each command of
 * Regatta, the requests the fault hits and what a careful client must do about it: survive a transient fault by
 * retrying (one cut, one stall, one 503, one 429, one corrupt blob), or refuse a persistent or lying one with a
 * typed error. The client's and the CLI's integration tests run the same table, so a case is defined once.
 *
 * A case that does not apply (a corrupt byte in a tags list cannot be detected; an upload has no body to slow
 * down on the way back) is left out, not faked: {@link faultCases} lists only the cases that mean something.
 */
import type { Fault, FaultRule } from "./fault-proxy.js";

/** The commands of the matrix: reads through the source proxy, writes through the target proxy. */
export const MATRIX_COMMANDS = [
  "manifest",
  "tags",
  "blob-file",
  "blob-stdout",
  "pull-docker",
  "pull-oci",
  "pull-dir",
  "push",
  "copy",
  "put-blob",
] as const;
export type MatrixCommand = (typeof MATRIX_COMMANDS)[number];

/** What must happen: the command succeeds, or fails with an error of this kind (and status). */
export type MatrixExpectation = { ok: true } | { ok: false; error: string; status?: number };

/** One cell: a fault, a command, the rules that inject it and what must come out. */
export interface FaultCase {
  fault: string;
  command: MatrixCommand;
  rules: FaultRule[];
  expect: MatrixExpectation;
  /** The fault asks the client to wait this long before its retry (Retry-After): the case takes at least that. */
  minMs?: number;
  /** The case must end (either way) within this long: a stall is bounded by the idle timeout. */
  maxMs?: number;
  /** The idle timeout the case needs, when it must be longer than the matrix's short one. */
  idleMs?: number;
}

type Where = Omit<FaultRule, "fault" | "times" | "skip">;

const MANIFEST_GET: Where = { method: ["GET", "HEAD"], path: /\/manifests\/(?!sha256:)/ };
const TAGS_GET: Where = { method: "GET", path: /\/tags\/list/ };
const BLOB_GET: Where = { method: "GET", path: /\/blobs\/sha256:/ };
/** The POST that opens an upload session (with or without `?mount=` or `?digest=`). */
const UPLOAD_OPEN: Where = { method: "POST", path: /\/blobs\/uploads\/(\?|$)/ };
/** A PATCH or PUT carrying blob bytes into a session. */
const UPLOAD_DATA: Where = {
  method: ["PATCH", "PUT"],
  path: /\/blobs\/uploads\/[^?]/,
  when: (request) => Number(request.headers["content-length"] ?? 0) > 0,
};
/** The PUT that closes a session; its answer says which digest the registry stored. */
const UPLOAD_CLOSE: Where = { method: "PUT", path: /\/blobs\/uploads\/[^?]+\?.*digest=/ };

const READ: Record<Exclude<MatrixCommand, "push" | "put-blob">, Where> = {
  manifest: { method: "GET", path: /\/manifests\// },
  tags: TAGS_GET,
  "blob-file": BLOB_GET,
  "blob-stdout": BLOB_GET,
  "pull-docker": BLOB_GET,
  "pull-oci": BLOB_GET,
  "pull-dir": BLOB_GET,
  copy: BLOB_GET,
};
const isWrite = (c: MatrixCommand): c is "push" | "put-blob" => c === "push" || c === "put-blob";
/** Commands that move blob bytes (what a corrupt byte, a throttle, a re-fetch are about). */
const carriesBlobs = (c: MatrixCommand) => c !== "manifest" && c !== "tags";
const ALWAYS = Number.POSITIVE_INFINITY;
const OK: MatrixExpectation = { ok: true };
const refused = (error: string, status?: number): MatrixExpectation => ({
  ok: false,
  error,
  ...(status !== undefined ? { status } : {}),
});

/** A rule on the command's reads (`read`) and/or its writes (`write`); copy gets both. */
function on(
  command: MatrixCommand,
  times: number,
  read: Fault | undefined,
  write: Fault | undefined,
  writeWhere: Where = UPLOAD_OPEN,
): FaultRule[] {
  const rules: FaultRule[] = [];
  if (read && !isWrite(command)) rules.push({ ...READ[command as keyof typeof READ], times, fault: read });
  if (write && (isWrite(command) || command === "copy")) rules.push({ ...writeWhere, times, fault: write });
  return rules;
}

interface FaultColumn {
  name: string;
  /** The rules for `command`, or undefined when the fault means nothing for it. */
  rules(command: MatrixCommand): FaultRule[] | undefined;
  expect(command: MatrixCommand): MatrixExpectation;
  minMs?: number;
  maxMs?: number;
  idleMs?: number;
}

/**
 * How long a stalled command may take with the idle timeout its runner gives a stall (1.5 s in the client's matrix,
 * 2 s in the CLI's) and the retry budget (3).
 */
const STALL_BOUND_MS = 6_000;

/** Slow enough that a blob takes longer than the matrix's whole-request deadline, fast enough to move every 50 ms. */
export const MATRIX_SLOW_BYTES_PER_SECOND = 128 * 1024;

const COLUMNS: FaultColumn[] = [
  {
    name: "drop once",
    rules: (c) =>
      on(c, 1, { type: "drop", afterBytes: 16 }, { type: "cut-request", afterBytes: 1000 }, UPLOAD_DATA),
    expect: () => OK,
  },
  {
    name: "drop always",
    rules: (c) =>
      on(c, ALWAYS, { type: "drop", afterBytes: 16 }, { type: "cut-request", afterBytes: 1000 }, UPLOAD_DATA),
    expect: () => refused("RegattaError"),
  },
  {
    name: "stall once",
    rules: (c) => on(c, 1, { type: "stall", afterBytes: 16 }, { type: "stall" }),
    // A stall is the user's limit on silence (issue 10, item 8): every command, pull too, gives up within the idle
    // timeout instead of trying again (packages/transport/README.md, the timeouts table).
    expect: () => refused("TimeoutError"),
    maxMs: STALL_BOUND_MS,
  },
  {
    name: "stall always",
    rules: (c) => on(c, ALWAYS, { type: "stall", afterBytes: 16 }, { type: "stall" }),
    expect: () => refused("TimeoutError"),
    maxMs: STALL_BOUND_MS,
  },
  {
    name: "corrupt once",
    // A blob that does not verify is fetched again once before giving up (issue 10, item 9).
    rules: (c) => (carriesBlobs(c) && !isWrite(c) ? on(c, 1, { type: "corrupt" }, undefined) : undefined),
    // Except on stdout: bytes already handed on cannot be taken back, so the stream fails instead.
    expect: (c) => (c === "blob-stdout" ? refused("DigestMismatchError") : OK),
  },
  {
    name: "corrupt always",
    rules: (c) => (c !== "tags" && !isWrite(c) ? on(c, ALWAYS, { type: "corrupt" }, undefined) : undefined),
    expect: () => refused("DigestMismatchError"),
  },
  {
    name: "slow",
    rules: (c) =>
      carriesBlobs(c)
        ? on(
            c,
            ALWAYS,
            { type: "slow", bytesPerSecond: MATRIX_SLOW_BYTES_PER_SECOND },
            { type: "slow", bytesPerSecond: MATRIX_SLOW_BYTES_PER_SECOND },
            UPLOAD_DATA,
          )
        : undefined,
    expect: () => OK,
    // An upload's last bytes sit in the socket buffers while the slow link drains them, unseen by the client, so its
    // idle timeout must outlast that drain (packages/transport/README.md): a healthy slow transfer, not a stall.
    idleMs: 3_000,
  },
  {
    name: "503 once",
    rules: (c) => on(c, 1, { type: "status", status: 503 }, { type: "status", status: 503 }),
    expect: () => OK,
  },
  {
    name: "503 always",
    rules: (c) => on(c, ALWAYS, { type: "status", status: 503 }, { type: "status", status: 503 }),
    expect: () => refused("RegistryError", 503),
  },
  {
    name: "429 once, Retry-After 1",
    rules: (c) =>
      on(
        c,
        1,
        { type: "status", status: 429, retryAfter: 1 },
        { type: "status", status: 429, retryAfter: 1 },
      ),
    expect: () => OK,
    minMs: 900,
  },
  {
    name: "wrong digest header",
    rules(c) {
      if (c === "tags") return undefined;
      if (isWrite(c)) return [{ ...UPLOAD_CLOSE, times: ALWAYS, fault: { type: "digest" } }];
      // A blob is checked against the digest asked for, so its header does not matter; a manifest by tag is
      // checked against the header, so the lie must be refused (issue 10, item 5).
      const where = c.startsWith("blob") ? BLOB_GET : MANIFEST_GET;
      return [{ ...where, times: ALWAYS, fault: { type: "digest" } }];
    },
    expect: (c) => (c.startsWith("blob") ? OK : refused("DigestMismatchError")),
  },
  {
    name: "paginate",
    rules: (c) =>
      c === "tags" ? [{ ...TAGS_GET, times: ALWAYS, fault: { type: "paginate", pageSize: 1 } }] : undefined,
    expect: () => OK,
  },
  {
    name: "redirect elsewhere",
    // A GET redirected to another origin (a CDN in front of blob storage) is followed; an upload POST is not
    // re-sent to an origin the registry did not name as its upload Location.
    rules: (c) =>
      isWrite(c) ? on(c, 1, undefined, { type: "redirect" }) : on(c, 1, { type: "redirect" }, undefined),
    expect: (c) => (isWrite(c) ? refused("RegattaError") : OK),
  },
];

/** The faults of the matrix, in order. */
export const MATRIX_FAULTS = COLUMNS.map((c) => c.name);

/** Every case of the matrix that applies, for `commands` (default all). */
export function faultCases(commands: readonly MatrixCommand[] = MATRIX_COMMANDS): FaultCase[] {
  const cases: FaultCase[] = [];
  for (const column of COLUMNS) {
    for (const command of commands) {
      const rules = column.rules(command);
      if (!rules?.length) continue;
      cases.push({
        fault: column.name,
        command,
        rules,
        expect: column.expect(command),
        ...(column.minMs ? { minMs: column.minMs } : {}),
        ...(column.maxMs ? { maxMs: column.maxMs } : {}),
        ...(column.idleMs ? { idleMs: column.idleMs } : {}),
      });
    }
  }
  return cases;
}

/** `{ command: { fault: n } }`: how many cases each cell holds (for the report). */
export function countCases(cases: readonly FaultCase[]): Record<string, Record<string, number>> {
  const counts: Record<string, Record<string, number>> = {};
  for (const c of cases) {
    counts[c.command] ??= {};
    const row = counts[c.command] as Record<string, number>;
    row[c.fault] = (row[c.fault] ?? 0) + 1;
  }
  return counts;
}
