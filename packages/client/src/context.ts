import type { Authenticator } from "@regatta/auth";
import { UsageError } from "@regatta/errors";
import {
  parseReference,
  parseRegistry,
  parseRepository,
  type Reference,
  type RepositoryReference,
} from "@regatta/reference";
import type { Transport } from "@regatta/transport";
import { hasMethods } from "./call-arguments.js";
import type { PaginationLimits } from "./registry-api/pages.js";

/** What every operation of a client shares. Built once by `connect`/`createClient`. */
export interface ClientContext {
  transport: Transport;
  authenticator: Authenticator;
  /** Registry that references without a host resolve to (the one given to `connect`). */
  defaultRegistry: string;
  concurrency: number;
  /** Platform chosen from indexes when a call names none, `os/arch[/variant]`. */
  platform: string;
  /**
   * The platform `client.with({ platform })` chose: every call then means that platform's image of an index, as if
   * it named it (manifest, digest and inspect, which otherwise show an index whole, too).
   */
  chosenPlatform?: string;
  /** Each registry's upload chunk size (`hosts[registry].chunkSize`), for uploads whose call names none. */
  chunkSizes?: ReadonlyMap<string, number>;
  /** Each registry's mirrors (`hosts[registry].mirrors`), asked first for its content (mirrors.ts). */
  mirrors?: ReadonlyMap<string, readonly string[]>;
  /** Bounds of `tags`/`catalog` pagination (registry-api/pages.ts); unset fields take the defaults. */
  pagination?: PaginationLimits;
  /**
   * A signal every call of this client carries besides its own (`client.with({ signal })`). A function is asked at
   * each call, so a long-lived client can follow a signal that is replaced over time (the REPL's Ctrl-C).
   */
  signal?: SignalSource;
}

/** The transports of closed clients: a client and those derived with `with()` share one, so closing one closes all. */
const closedTransports = new WeakSet<Transport>();

/** Marks the client whose context this is as closed: its calls, and those of every client sharing it, are refused. */
export function markClosed(ctx: ClientContext): void {
  closedTransports.add(ctx.transport);
}

/**
 * Refuses a call on a closed client before any request, as the caller's mistake (a UsageError): the request would
 * otherwise fail in the connection pool as "cannot reach registry: connection pool closed", blaming the network for
 * what the code did (QA library6 F3).
 */
export function assertOpen(ctx: ClientContext, verb: string): void {
  if (closedTransports.has(ctx.transport))
    throw new UsageError(`${verb}: this client was closed (close()); connect() again for a new one`);
}

/** An AbortSignal, or a function that gives the one in force when a call starts. */
export type SignalSource = AbortSignal | (() => AbortSignal | undefined);

/**
 * `options` with the client's signal joined to the call's own: either aborting aborts the call. Returns `options`
 * itself when the client has no signal, so calls without one stay as they were.
 */
export function withClientSignal<T extends { signal?: AbortSignal }>(
  ctx: ClientContext,
  options: T | undefined,
): T | undefined {
  const own = typeof ctx.signal === "function" ? ctx.signal() : ctx.signal;
  if (!own) return options;
  const given = options?.signal;
  return { ...options, signal: given && given !== own ? AbortSignal.any([given, own]) : own } as T;
}

/** Both sources, as one: aborted when either is. */
export function joinSignals(
  a: SignalSource | undefined,
  b: SignalSource | undefined,
): SignalSource | undefined {
  if (!a || !b) return a ?? b;
  const now = (s: SignalSource) => (typeof s === "function" ? s() : s);
  if (typeof a !== "function" && typeof b !== "function") return AbortSignal.any([a, b]);
  return () => {
    const signals = [now(a), now(b)].filter((s): s is AbortSignal => s !== undefined);
    return signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  };
}

/** A reference string or value, resolved against the client's registry when it names no host. */
export type ReferenceInput = string | Reference;
export type RepositoryInput = string | RepositoryReference | Reference;

export function toReference(ctx: ClientContext, input: ReferenceInput): Reference {
  if (typeof input === "string") return parseReference(input, { defaultRegistry: ctx.defaultRegistry });
  // Callers without types (plain JavaScript, the REPL) get a usage error, not "ref.familiar is not a function".
  // By shape, not instanceof: a second copy of @regatta/reference makes references just as good.
  if (!hasMethods(input, "familiar", "repositoryOnly")) throw wrongInput("an image reference", input);
  return input;
}

/**
 * {@link toReference} for a call that deletes (`deleteTag`, `deleteManifest`): a string naming neither a tag nor a
 * digest is refused before any request. Reading, docker's `latest` is a fair default; deleting `latest` because a
 * tag was left out (`deleteTag("team/api")`, `regatta rmtag host/app`) is a mistake a script makes once. regctl's
 * tag delete and manifest delete need one too. `usage` is what the call takes (`REPO:TAG`).
 */
export function toReferenceToDelete(ctx: ClientContext, input: ReferenceInput, usage: string): Reference {
  if (typeof input === "string") checkNamesWhatToDelete(input, usage, ctx.defaultRegistry);
  return toReference(ctx, input);
}

/** The check of {@link toReferenceToDelete} for a reference as typed (the CLI's, before it opens a client). */
export function checkNamesWhatToDelete(input: string, usage: string, defaultRegistry?: string): void {
  const ref = parseReference(input, { defaultTag: false, ...(defaultRegistry ? { defaultRegistry } : {}) });
  if (ref.tag !== undefined || ref.digest !== undefined) return;
  throw new UsageError(
    `a delete needs ${usage}: ${ref.familiar()} names no tag, and latest is not taken for granted when deleting`,
    { hint: `write ${ref.familiar()}:latest to mean it` },
  );
}

export function toRepository(ctx: ClientContext, input: RepositoryInput): RepositoryReference {
  if (typeof input === "string") return parseRepository(input, { defaultRegistry: ctx.defaultRegistry });
  if (hasMethods(input, "repositoryOnly")) return (input as Reference).repositoryOnly();
  if (!hasMethods(input, "familiar")) throw wrongInput("a repository", input);
  return input;
}

/**
 * A registry a call names (`ping(registry)`, `catalog({ registry })`), checked as an address is (parseRegistry): an
 * InvalidReferenceError naming what is wrong and where, not a TypeError "Invalid URL" from the first request
 * (QA library6 F2). No registry named is the client's.
 */
export function toRegistry(ctx: ClientContext, input: string | undefined): string {
  return input === undefined ? ctx.defaultRegistry : parseRegistry(input).registry;
}

function wrongInput(wanted: string, input: unknown): UsageError {
  const got = input === null ? "null" : Array.isArray(input) ? "a list" : typeof input;
  return new UsageError(`expected ${wanted} (a string such as "team/api:1.0"), got ${got}`);
}
