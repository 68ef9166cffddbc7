/**
 * The one home of the checks on what a caller hands the facade (`connect()`, `createClient()`, `client.with()` and
 * every verb of {@link RegistryClient}): callers without types (plain JavaScript, the REPL) get a UsageError that
 * names the verb, the argument and what it must be, before any request is sent, instead of a TypeError from deep
 * inside, a registry's error for a request that should never have left, or a wrong-typed option silently ignored.
 * Each verb's positional arguments and option names are listed once, in {@link VERBS}; the option tables are typed
 * against the options' interfaces, so an option added to a type and not here fails the type check.
 */
import { quoteText, UsageError } from "@regatta/errors";
import { isByteStream } from "./byte-stream.js";
import type { CatalogOptions } from "./catalog.js";
import type { ConnectOptions } from "./connect-options.js";
import type { CopyOptions } from "./copy.js";
import type { DeleteManifestOptions } from "./delete.js";
import type { DeleteRepositoryOptions } from "./delete-repository.js";
import type { DiffOptions } from "./diff/image-diff.js";
import type { ExplainAuthOptions } from "./explain/explain-auth.js";
import type { ExportOptions, FileOptions, ImageFilesOptions } from "./files/image-files.js";
import type { HeadOptions, ManifestOptions } from "./get-manifest.js";
import type { InspectOptions } from "./image-info.js";
import type { CreateIndexOptions } from "./indexes/create-index.js";
import type { EditIndexOptions } from "./indexes/edit-index.js";
import type { InventoryOptions } from "./inventory/inventory.js";
import type { PullOptions } from "./layout/pull.js";
import type { PushOptions } from "./layout/push.js";
import type { AllTagsOptions, TagsOptions } from "./list-tags.js";
import type { PushBlobOptions } from "./push-blob.js";
import type { PutManifestOptions } from "./put-manifest.js";
import type { CopyReferrersOptions } from "./referrers/copy-referrers.js";
import type { ReferrersOptions } from "./referrers/list-referrers.js";
import type { PushArtifactOptions } from "./referrers/push-artifact.js";
import type { ReferrerTreeOptions } from "./referrers/referrer-tree.js";
import type { ClientDefaults } from "./registry-client.js";
import type { ConvertSchema1Options, PushSchema1Options } from "./schema1.js";
import type { SyncOptions } from "./sync/sync-types.js";
import type { TagWalkOptions } from "./tags-for-digest.js";

/** What a value must be: a test, and the words that say it in an error. */
export interface Kind {
  readonly says: string;
  is(value: unknown): boolean;
  /** The options a value of this kind may hold, checked by name and kind (an options object). */
  readonly fields?: Readonly<Record<string, Kind>>;
  /** Never shown in an error (a password given as a number is still a password). */
  readonly secret?: boolean;
}

const kind = (says: string, is: (value: unknown) => boolean): Kind => ({ says, is });
const either = (a: Kind, b: Kind): Kind => kind(`${a.says} or ${b.says}`, (v) => a.is(v) || b.is(v));
const listOf = (item: Kind, says: string): Kind =>
  kind(says, (v) => Array.isArray(v) && v.every((x) => item.is(x)));

/** An object written as `{ … }` (not a list, not null, not a function). */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An object with these methods: how a Reference is told by shape (a second copy of @regatta/reference is as good). */
export function hasMethods(value: unknown, ...names: string[]): boolean {
  return isRecord(value) && names.every((name) => typeof value[name] === "function");
}

const string = kind("a string", (v) => typeof v === "string");
const secretString: Kind = { ...string, secret: true };
const boolean = kind("true or false", (v) => typeof v === "boolean");
const natural = kind("a whole number (0 or more)", (v) => Number.isInteger(v) && (v as number) >= 0);
const func = kind("a function", (v) => typeof v === "function");
const record = kind("an object", isRecord);
const present = kind("a value", (v) => v !== undefined && v !== null);
const strings = listOf(string, "a list of strings");
const patterns = listOf(
  either(
    string,
    kind("", (v) => v instanceof RegExp),
  ),
  "a list of strings or regular expressions",
);
const signal = kind(
  "an AbortSignal",
  (v) => isRecord(v) && typeof v.aborted === "boolean" && typeof v.addEventListener === "function",
);
const signalSource = either(
  signal,
  kind("a function returning one", (v) => typeof v === "function"),
);
const platform = kind(
  'a platform such as "linux/arm64" or { os, architecture }',
  (v) =>
    typeof v === "string" || (isRecord(v) && typeof v.os === "string" && typeof v.architecture === "string"),
);
const platformString = kind('a platform such as "linux/arm64"', (v) => typeof v === "string");
const accept = either(string, strings);
const reference = kind(
  'an image reference (a string such as "team/api:1.0")',
  (v) => typeof v === "string" || hasMethods(v, "familiar", "repositoryOnly"),
);
const repository = kind(
  'a repository (a string such as "team/api")',
  (v) => typeof v === "string" || hasMethods(v, "familiar"),
);
const references = listOf(reference, "a list of image references");
const registry = kind(
  'a registry (a string such as "ghcr.io" or "localhost:5000")',
  (v) => typeof v === "string",
);
const digest = kind('a digest (a string such as "sha256:…")', (v) => typeof v === "string");
const path = kind("a path (a string)", (v) => typeof v === "string");
const readable = (v: unknown) =>
  hasMethods(v, "pipe", "on") && typeof (v as { read?: unknown }).read === "function";
const writable = (v: unknown) => hasMethods(v, "write", "end", "on");
const blobSource = kind(
  "bytes (a Uint8Array), a readable stream (Node or web) or async iterable of bytes, a function returning one, or { path }",
  (v) =>
    v instanceof Uint8Array ||
    isByteStream(v) ||
    typeof v === "function" ||
    (isRecord(v) && typeof v.path === "string"),
);
const layoutSource = kind(
  "a path or a readable stream of a docker archive",
  (v) => typeof v === "string" || readable(v),
);
const destination = kind("a path or a writable stream", (v) => typeof v === "string" || writable(v));
const manifest = kind(
  "a manifest (bytes, a JSON string, a fetched manifest or an object)",
  (v) => v instanceof Uint8Array || typeof v === "string" || isRecord(v),
);
const syncJob = kind(
  '{ source, target } (strings such as "docker.io/library/alpine")',
  (v) => isRecord(v) && typeof v.source === "string" && typeof v.target === "string",
);
const syncJobs = either(syncJob, listOf(syncJob, "a list of them"));
const syncInput = either(
  syncJobs,
  kind("a plan from planSync()", (v) => isRecord(v) && Array.isArray(v.repositories)),
);
const format = string;

/**
 * The options of a type, each with its kind. Every option name of `T` must be here (a new option fails the type
 * check until it is), and no other.
 */
function options<T>(fields: { [K in keyof Required<T>]-?: Kind }, says = "an options object"): Kind {
  return { says, is: isRecord, fields: fields as Record<string, Kind> };
}

const signalOnly = options<{ signal?: AbortSignal }>({ signal });
const manifestFields = { accept, platform, mirrors: boolean, signal };
const manifestOptions = options<ManifestOptions>(manifestFields);
const tagsOptions = options<TagsOptions>({
  n: natural,
  last: string,
  next: string,
  withDigests: boolean,
  concurrency: natural,
  signal,
});
const selection = { sort: string, include: patterns, exclude: patterns, limit: natural };
const catalogFields = { registry, n: natural, signal };
const pagination = options<NonNullable<ClientDefaults["pagination"]>>({
  maxPages: natural,
  maxEntries: natural,
});
const imageFiles = { platform: platformString, signal };

/** The defaults `client.with()` may change. */
export const CLIENT_DEFAULTS = options<ClientDefaults>({
  signal: signalSource,
  platform: platformString,
  concurrency: natural,
  pagination,
});

/** What `connect()` and `createClient()` take. `hosts` is checked field by field in hosts.ts. */
export const CONNECT_OPTIONS = options<ConnectOptions>({
  hosts: record,
  username: secretString,
  password: secretString,
  identityToken: secretString,
  registryToken: secretString,
  anonymous: boolean,
  credentials: kind("a credential provider (an object with get())", (v) => hasMethods(v, "get")),
  registryCredentials: record,
  insecure: either(boolean, strings),
  ca: kind("a PEM string or Buffer", (v) => typeof v === "string" || v instanceof Uint8Array),
  caName: string,
  tlsSkipVerify: boolean,
  proxy: string,
  timeouts: options<NonNullable<ConnectOptions["timeouts"]>>({
    connect: natural,
    idle: natural,
    request: natural,
    read: natural,
  }),
  retry: options<NonNullable<ConnectOptions["retry"]>>({
    attempts: natural,
    baseDelayMs: natural,
    maxDelayMs: natural,
  }),
  logger: func,
  notice: func,
  har: kind("a HarRecorder", (v) => isRecord(v)),
  dispatcher: kind("an undici Dispatcher", (v) => hasMethods(v, "dispatch")),
  userAgent: string,
  ping: boolean,
  concurrency: natural,
  pagination,
  signal: signalSource,
  platform: platformString,
  env: record,
});

/** One positional argument: its name in the signature, its kind, and whether it may be left out. */
type Parameter = readonly [name: string, kind: Kind, optional?: "optional"];
const opt = (kindOf: Kind): Parameter => ["options", kindOf, "optional"];

/** Every verb of the facade: its parameters, in order. */
export const VERBS = {
  tags: [["repository", repository], opt(tagsOptions)],
  allTags: [["repository", repository], opt(options<AllTagsOptions>({ n: natural, signal, ...selection }))],
  tagsWithDigests: [
    ["repository", repository],
    opt(
      options<AllTagsOptions & { concurrency?: number }>({
        n: natural,
        concurrency: natural,
        signal,
        ...selection,
      }),
    ),
  ],
  tagPages: [
    ["repository", repository],
    opt(
      options<Omit<TagsOptions, "last" | "next">>({
        n: natural,
        withDigests: boolean,
        concurrency: natural,
        signal,
      }),
    ),
  ],
  catalog: [opt(options<CatalogOptions>({ ...catalogFields, last: string, next: string }))],
  repositories: [opt(options<Omit<CatalogOptions, "last" | "next">>(catalogFields))],
  catalogPages: [opt(options<Omit<CatalogOptions, "last" | "next">>(catalogFields))],
  search: [
    ["substring", string],
    opt(options<{ registry?: string; signal?: AbortSignal }>({ registry, signal })),
  ],
  manifest: [["reference", reference], opt(manifestOptions)],
  digest: [["reference", reference], opt(options<HeadOptions>({ ...manifestFields, verify: boolean }))],
  head: [["reference", reference], opt(options<HeadOptions>({ ...manifestFields, verify: boolean }))],
  resolve: [
    ["reference", reference],
    ["platform", platform, "optional"],
    opt(options<Omit<ManifestOptions, "platform">>({ accept, mirrors: boolean, signal })),
  ],
  referrers: [
    ["reference", reference],
    opt(options<ReferrersOptions>({ artifactType: string, cosign: boolean, mirrors: boolean, signal })),
  ],
  copyReferrers: [
    ["source", reference],
    ["target", reference],
    opt(options<CopyReferrersOptions>({ depth: natural, cosign: boolean, mediaType: string, signal })),
  ],
  referrerTree: [
    ["reference", reference],
    opt(
      options<ReferrerTreeOptions>({
        depth: natural,
        onListed: func,
        artifactType: string,
        cosign: boolean,
        mirrors: boolean,
        signal,
      }),
    ),
  ],
  pushArtifact: [
    ["reference", reference],
    [
      "options",
      options<PushArtifactOptions>(
        {
          artifactType: string,
          files: kind("a list of files", Array.isArray),
          annotations: record,
          subject: reference,
          fallback: boolean,
          signal,
        },
        "{ artifactType, files, … }",
      ),
    ],
  ],
  pullArtifact: [["reference", reference], ["directory", path], opt(signalOnly)],
  createIndex: [
    ["target", reference],
    ["sources", references],
    opt(
      options<CreateIndexOptions>({
        mediaType: string,
        annotations: record,
        platformFromConfig: boolean,
        signal,
      }),
    ),
  ],
  editIndex: [
    ["target", reference],
    [
      "edits",
      options<EditIndexOptions>(
        {
          from: reference,
          append: references,
          replace: boolean,
          platformFromConfig: boolean,
          remove: kind("a list of platforms, digests or entry selectors", Array.isArray),
          platforms: listOf(platform, "a list of platforms"),
          annotations: record,
          entryAnnotations: kind("a list of entry selectors with annotations", Array.isArray),
          signal,
        },
        "an object of edits ({ append, remove, platforms, … })",
      ),
    ],
  ],
  blob: [
    ["repository", either(repository, reference)],
    ["digest", digest, "optional"],
    opt(options<{ size?: number }>({ size: natural })),
  ],
  blobSize: [["repository", repository], ["digest", digest], opt(signalOnly)],
  hasBlob: [["repository", repository], ["digest", digest], opt(signalOnly)],
  config: [["reference", reference], opt(manifestOptions)],
  inspect: [
    ["reference", reference],
    opt(options<InspectOptions>({ ...manifestFields, referrers: boolean, config: boolean })),
  ],
  size: [["reference", reference], opt(manifestOptions)],
  file: [
    ["reference", reference],
    ["path", path],
    opt(options<FileOptions>({ ...imageFiles, limit: natural })),
  ],
  fileStream: [["reference", reference], ["path", path], opt(options<ImageFilesOptions>(imageFiles))],
  listFiles: [
    ["reference", reference],
    ["path", path, "optional"],
    opt(options<ImageFilesOptions & { recursive?: boolean }>({ ...imageFiles, recursive: boolean })),
  ],
  exportFilesystem: [
    ["reference", reference],
    ["target", destination],
    opt(options<ExportOptions>({ ...imageFiles, onReaderWait: func })),
  ],
  inventory: [
    ["repository", repository],
    opt(
      options<InventoryOptions>({
        sort: string,
        concurrency: natural,
        onProgress: func,
        signal,
        include: patterns,
        exclude: patterns,
      }),
    ),
  ],
  diff: [
    ["a", reference],
    ["b", reference],
    opt(options<DiffOptions>({ platform: platformString, files: boolean, signal })),
  ],
  pushBlob: [
    ["repository", repository],
    ["source", blobSource],
    opt(
      options<PushBlobOptions>({
        digest,
        size: natural,
        chunkSize: natural,
        mountFrom: repository,
        force: boolean,
        onProgress: func,
        signal,
      }),
    ),
  ],
  mountBlob: [
    ["from", repository],
    ["to", repository],
    ["digest", digest],
    opt(options<{ size?: number; signal?: AbortSignal }>({ size: natural, signal })),
  ],
  putManifest: [
    ["reference", reference],
    ["manifest", manifest],
    opt(options<PutManifestOptions>({ mediaType: string, fallback: boolean, signal })),
  ],
  pushSchema1: [
    ["source", reference],
    ["target", reference],
    [
      "options",
      options<PushSchema1Options>(
        { key: present, onProgress: func, dryRun: boolean, platform: platformString, signal },
        "{ key, … }",
      ),
    ],
  ],
  convertToSchema1: [
    ["source", reference],
    ["target", reference],
    opt(options<ConvertSchema1Options>({ key: present, platform: platformString, signal })),
  ],
  tag: [["source", reference], ["target", reference], opt(signalOnly)],
  copy: [
    ["source", reference],
    ["target", reference],
    opt(
      options<CopyOptions>({
        platform: platformString,
        platforms: either(string, strings),
        force: boolean,
        verify: boolean,
        concurrency: natural,
        referrers: boolean,
        onProgress: func,
        signal,
      }),
    ),
  ],
  deleteTag: [
    ["reference", reference],
    opt(options<TagWalkOptions>({ concurrency: natural, limit: natural, signal })),
  ],
  deleteManifest: [
    ["reference", reference],
    opt(
      options<DeleteManifestOptions>({
        force: boolean,
        referrers: boolean,
        dryRun: boolean,
        concurrency: natural,
        limit: natural,
        signal,
      }),
    ),
  ],
  deleteRepository: [
    ["repository", repository],
    opt(options<DeleteRepositoryOptions>({ signal, concurrency: natural, dryRun: boolean })),
  ],
  deleteBlob: [["repository", repository], ["digest", digest], opt(signalOnly)],
  pull: [
    ["reference", either(reference, references)],
    ["destination", destination],
    opt(
      options<PullOptions>({
        format,
        platform: platformString,
        platforms: string,
        name: string,
        concurrency: natural,
        sync: boolean,
        onProgress: func,
        signal,
      }),
    ),
  ],
  push: [
    ["source", layoutSource],
    ["reference", reference],
    opt(options<PushOptions>({ format, name: string, concurrency: natural, onProgress: func, signal })),
  ],
  planSync: [["jobs", syncJobs], opt(syncOptions())],
  sync: [["input", syncInput], opt(syncOptions())],
  rateLimit: [["reference", reference], opt(signalOnly)],
  ping: [["registry", registry, "optional"], opt(signalOnly)],
  whoami: [["registry", registry, "optional"]],
  explainAuth: [["reference", reference], opt(options<ExplainAuthOptions>({ push: boolean, signal }))],
  explain: [["reference", reference], opt(options<ExplainAuthOptions>({ push: boolean, signal }))],
} satisfies Record<string, readonly Parameter[]>;

function syncOptions(): Kind {
  return options<SyncOptions>({
    platforms: either(string, strings),
    shard: options<NonNullable<SyncOptions["shard"]>>({ index: natural, count: natural }),
    jobs: natural,
    concurrency: natural,
    referrers: boolean,
    keepGoing: boolean,
    verify: boolean,
    rateLimit: record,
    dryRun: boolean,
    onImage: func,
    onProgress: func,
    signal,
  });
}

/** A verb of the facade. */
export type Verb = keyof typeof VERBS;

/**
 * Throws a UsageError when the arguments of `reg.<verb>(…)` are not what the verb takes: a missing or wrong-typed
 * argument, options that are not an object, an option of the wrong type or an unknown option name. Only the types
 * and names: what the values mean (a reference's grammar, a platform's) is checked where they are parsed.
 */
export function checkArguments(verb: Verb, args: readonly unknown[]): void {
  const parameters: readonly Parameter[] = VERBS[verb];
  const call = `reg.${verb}(${parameters.map(([name]) => name).join(", ")})`;
  parameters.forEach(([name, kindOf, optional], i) => {
    const value = args[i];
    if (value === undefined && optional) return;
    checkValue(call, name, kindOf, value);
  });
}

/**
 * The options `reg.<verb>(…)` takes, by name, each with what it must be (`{ name: "n", says: "a whole number (0 or
 * more)" }`), in declaration order; [] for a verb without options, undefined for a name that is no verb. What the
 * REPL's `help(reg.tags)` lists, read from the table {@link checkArguments} checks against, so the two cannot differ.
 */
export function verbOptions(verb: string): { name: string; says: string }[] | undefined {
  if (!Object.hasOwn(VERBS, verb)) return undefined;
  const parameters: readonly Parameter[] = VERBS[verb as Verb];
  const fields = parameters.find(([, kindOf]) => kindOf.fields)?.[1].fields ?? {};
  return Object.entries(fields).map(([name, kindOf]) => ({ name, says: kindOf.says }));
}

/**
 * The error for an option `key` that `call` does not take, naming the ones it does (`names`) and the nearest of them:
 * the one wording of it, the library's check and the REPL's (whose calls take a few options more) both use.
 */
export function unknownOptionError(
  call: string,
  name: string,
  key: string,
  names: readonly string[],
): UsageError {
  const near = nearest(key, names);
  return new UsageError(
    `${call}: unknown option ${quoteText(key)} in ${name}${near ? ` (did you mean ${quoteText(near)}?)` : ""}; ` +
      `it takes ${names.join(", ")}`,
  );
}

/** Throws a UsageError when `options` are not what `connect()` / `createClient()` take. */
export function checkConnectOptions(registry: unknown, options: unknown): void {
  const call = "connect(registry, options)";
  if (registry !== undefined) checkValue(call, "registry", registry_, registry);
  if (options !== undefined) checkValue(call, "options", CONNECT_OPTIONS, options);
}
const registry_ = kind('a registry (a host such as "ghcr.io" or a URL)', (v) => typeof v === "string");

/** Throws a UsageError when `defaults` are not what `client.with()` takes. */
export function checkClientDefaults(defaults: unknown): void {
  checkValue(
    "reg.with(defaults)",
    "defaults",
    { ...CLIENT_DEFAULTS, says: "an object such as { platform }" },
    defaults,
  );
}

function checkValue(call: string, name: string, kindOf: Kind, value: unknown): void {
  if (!kindOf.is(value)) {
    throw new UsageError(
      `${call}: ${name} must be ${kindOf.says}, got ${describe(value, kindOf.secret)}${hint(kindOf, value)}`,
    );
  }
  if (kindOf.fields) checkFields(call, name, kindOf.fields, value as Record<string, unknown>);
}

function checkFields(
  call: string,
  name: string,
  fields: Readonly<Record<string, Kind>>,
  value: Record<string, unknown>,
) {
  for (const [key, given] of Object.entries(value)) {
    const fieldKind = fields[key];
    if (fieldKind === undefined) throw unknownOptionError(call, name, key, Object.keys(fields));
    // An option given as undefined is an option not given, as the verbs read it.
    if (given === undefined) continue;
    checkValue(call, name === "options" ? key : `${name}.${key}`, fieldKind, given);
  }
}

/** What a wrong value is, shown when it is short and no secret: `the number 42`, `the string "x"`, `a list`. */
function describe(value: unknown, secret = false): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "number":
    case "boolean":
    case "bigint":
      return secret ? `a ${typeof value}` : `the ${typeof value} ${String(value)}`;
    case "string":
      return secret || value.length > 60 ? "a string" : `the string ${quoteText(value)}`;
    case "function":
      return "a function";
    case "object": {
      const name = Object.getPrototypeOf(value)?.constructor?.name;
      return name && name !== "Object" ? `a ${name}` : "an object";
    }
    default:
      return `a ${typeof value}`;
  }
}

/** A platform written where the options go (`reg.manifest(ref, "linux/arm64")`) is answered with the object to write. */
function hint(kindOf: Kind, value: unknown): string {
  if (typeof value === "string" && kindOf.fields && "platform" in kindOf.fields && value.length <= 60) {
    return `: write { platform: ${quoteText(value)} }`;
  }
  return "";
}

/** The option name a typo most likely meant: at most two letters off. */
function nearest(key: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of names) {
    const d = distance(key.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/** Levenshtein distance, with adjacent transpositions (`platfrom`) counted once. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [
    i,
    ...Array<number>(b.length).fill(0),
  ]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}
