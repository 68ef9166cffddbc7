/**
 * The clients the REPL hands out: the library's RegistryClient, seen through a Proxy that makes it explorable.
 * - `inspect` also counts the image's referrers (issue 13: exploring, one wants to know an image is signed); a
 *   per-call option of the library, off there because it costs requests a script may not want;
 * - each method is a function that knows what it is (issue 14): it prints as `[regatta method copy(source, target,
 *   options?)]`, and `reg.copy.help` or `help(reg.copy)` shows its signature, options and an example;
 * - transfers (copy, pull, push, sync, pushBlob) show live progress on the REPL's terminal — a bar per blob with
 *   bytes, rate and ETA, and a total — unless the call brings its own `onProgress`; the bars go when it ends;
 * - tags come in natural order (1.9 before 1.10), as `regatta tags` prints them: `tags` sorts its page and takes a
 *   `sort` option the library's does not (REPL_OPTIONS), `allTags` and `tagsWithDigests` default to `sort: "name"`
 *   (the library's default is the registry's order, `"none"`, which the REPL takes when asked);
 * - `with()` hands back such a client too;
 * - arguments are checked against the catalog's parameters before the call (arguments.ts): `reg.tags()` and
 *   `reg.manifest(42)` are UsageErrors naming the call and what it takes, not TypeErrors from deep in the library.
 * Methods are bound to the client itself: its private fields are not reachable through a Proxy.
 */
import { type RegistryClient, sortTags, type TagSort, type TransferEvent } from "@regatta/client";
import { transferProgress } from "@regatta/present";
import { checkArguments } from "./arguments.js";
import { type MethodEntry, methodEntry, methodHelp } from "./method-catalog.js";

/** Marks a function as a described client method (present.ts prints it by its entry). */
export const METHOD_ENTRY = Symbol("regatta.method");

/** Text the REPL prints as it is (help pages), rather than as a quoted string. */
export class HelpText {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/**
 * A number of bytes (`reg.size()`, `blob.size()` in the REPL): a Number, so arithmetic and comparisons work, that the
 * REPL prints human and exact.
 */
export class ByteCount extends Number {}

/**
 * The child manifests of an index the REPL's `manifest()` fetched (by digest, concurrently), so the index prints as
 * a tree down to each image's config and layers. Not a field of the result: `_` stays the library's value.
 */
export const INDEX_CHILDREN = Symbol("regatta.indexChildren");

/** How many children an index may have for the REPL to fetch them all to draw its tree. */
const TREE_CHILDREN = 32;

/** The entry a function was described with, if it is a REPL client's method. */
export function describedMethod(value: unknown): MethodEntry | undefined {
  return typeof value === "function"
    ? ((value as unknown as Record<symbol, unknown>)[METHOD_ENTRY] as MethodEntry | undefined)
    : undefined;
}

/** The calls that move blobs, and where their options are (the last argument the REPL passes on). */
const TRANSFERS = new Map<PropertyKey, number>([
  ["copy", 2],
  ["pull", 2],
  ["push", 2],
  ["sync", 1],
  ["pushBlob", 2],
]);

export interface ReplClientOptions {
  /** The terminal progress is drawn on; none (a pipe, a test) draws nothing. */
  progress?: () => NodeJS.WritableStream | undefined;
  /**
   * Told of each transfer drawing progress: Ctrl-C waits a moment for it to end (its bars cleared, its own error
   * read, with a pull's "partial download kept in …" note) before the REPL prints anything (session.ts).
   */
  track?: (transfer: Transfer) => void;
}

/** A transfer drawing progress bars on the terminal. */
export interface Transfer {
  /** Settles with the transfer, its bars already cleared. */
  done: Promise<unknown>;
  /** Clears its bars now (a transfer that does not end after Ctrl-C must not draw over the prompt). */
  stop(): void;
}

export function replClient(client: RegistryClient, options: ReplClientOptions = {}): RegistryClient {
  const methods = new Map<string | symbol, unknown>();
  const described = (key: string | symbol, fn: (...args: never[]) => unknown) => {
    let method = methods.get(key);
    if (!method) {
      const entry = typeof key === "string" ? methodEntry(key) : undefined;
      method = entry
        ? Object.defineProperties(checked(entry, fn), {
            [METHOD_ENTRY]: { value: entry },
            help: { value: new HelpText(methodHelp(entry)) },
          })
        : fn;
      methods.set(key, method);
    }
    return method;
  };
  return new Proxy(client, {
    get(target, key) {
      if (key === "inspect") {
        return described(key, ((reference, options) =>
          target.inspect(reference, { referrers: true, ...options })) as RegistryClient["inspect"]);
      }
      if (key === "manifest") {
        return described(key, (async (reference, opts) => {
          const got = await target.manifest(reference, opts);
          if (got.kind !== "index") return got;
          const entries = (got.manifest as { manifests?: { digest: string }[] }).manifests ?? [];
          if (entries.length > TREE_CHILDREN) return got;
          const repo = got.reference.withoutTag();
          const signal = opts?.signal ? { signal: opts.signal } : {};
          // A child that cannot be read (an attestation the registry lost) is drawn without its layers.
          const children = await Promise.all(
            entries.map((e) => target.manifest(repo.withDigest(e.digest), signal).catch(() => undefined)),
          );
          return Object.defineProperty(got, INDEX_CHILDREN, { value: children });
        }) as RegistryClient["manifest"]);
      }
      if (key === "tags") {
        return described(key, (async (repository, opts) => {
          const { sort = "name", ...rest } = (opts ?? {}) as { sort?: TagSort };
          sortTags([], sort); // a UsageError for an order there is none of, before the request
          const page = await target.tags(repository, ...(opts ? [rest] : []));
          return { ...page, tags: sortTags(page.tags, sort) };
        }) as RegistryClient["tags"]);
      }
      if (key === "allTags" || key === "tagsWithDigests") {
        const list = target[key] as (repository: unknown, options: object) => Promise<unknown>;
        return described(key, ((repository: never, opts?: object) =>
          list.call(target, repository, { sort: "name", ...opts })) as RegistryClient["allTags"]);
      }
      if (key === "size") {
        return described(
          key,
          (async (reference, opts) =>
            new ByteCount(await target.size(reference, opts)) as unknown as number) as RegistryClient["size"],
        );
      }
      if (key === "with") {
        return described(key, ((changes) =>
          replClient(target.with(changes), options)) as RegistryClient["with"]);
      }
      const value: unknown = Reflect.get(target, key, target);
      const at = TRANSFERS.get(key);
      if (at !== undefined && typeof value === "function") {
        return described(key, (...args: unknown[]) =>
          withProgress(options.progress?.(), args, at, (given) => value.apply(target, given), options.track),
        );
      }
      return typeof value === "function" ? described(key, value.bind(target)) : value;
    },
  });
}

/** `fn` with its arguments checked first: a UsageError for a missing or wrong one (see arguments.ts). */
function checked<F extends (...args: never[]) => unknown>(entry: MethodEntry, fn: F): F {
  return function (this: unknown, ...args: never[]) {
    checkArguments(entry, args);
    return fn.apply(this, args);
  } as F;
}

/**
 * Calls a transfer with `onProgress` drawing on `stream`, unless there is no terminal or the caller passed its own.
 * The options object is at `at` in `args` (absent: one is added there).
 */
async function withProgress(
  stream: NodeJS.WritableStream | undefined,
  args: unknown[],
  at: number,
  call: (args: unknown[]) => unknown,
  track?: (transfer: Transfer) => void,
): Promise<unknown> {
  const given = (args[at] ?? {}) as { onProgress?: unknown };
  if (!stream || typeof given !== "object" || given.onProgress) return call(args);
  const progress = await transferProgress({ enabled: true, stream });
  const withBars = [...args];
  while (withBars.length < at) withBars.push(undefined);
  withBars[at] = { ...given, onProgress: (event: TransferEvent) => progress.onEvent(event) };
  const running = (async () => {
    try {
      return await call(withBars);
    } finally {
      progress.stop();
    }
  })();
  track?.({ done: running, stop: () => progress.stop() });
  return running;
}
