import { inspect } from "node:util";
import {
  type AuthReport,
  BlobHandle,
  type ConfigResult,
  type CopyResult,
  type Diff,
  type ImageFileListing,
  type ImageSummary,
  type Inventory,
  type ManifestResult,
  type PullResult,
  type PushResult,
  quotePath,
  Reference,
  type Referrer,
  type ReferrerNode,
  type ReferrersResult,
  RegistryClient,
  RepositoryReference,
  type SyncResult,
  type TagList,
} from "@regatta/client";
import {
  authReportLines,
  type Colors,
  colorJson,
  columns,
  countNoun,
  diffReport,
  drawTree,
  envLines,
  escapeControls,
  escapeField,
  fileListingLines,
  humanSize,
  inventoryTable,
  labelLines,
  runtimeFacts,
  shortDigest,
  summaryTables,
} from "@regatta/present";
import { describeBytes } from "./bytes-view.js";
import { methodSignature } from "./method-catalog.js";
import { ByteCount, describedMethod, HelpText, INDEX_CHILDREN } from "./repl-client.js";

/** How results are shown: colours on a terminal, and its width. */
export interface PresentOptions {
  colors: Colors;
  useColors: boolean;
  width: number;
}

/**
 * The REPL's writer: a value as people want to read it. Registry results get their own layout (tags in columns,
 * manifests and configs as coloured JSON, image summaries as tables); blobs, byte arrays and streams are never
 * dumped; anything else goes through `util.inspect` with those objects replaced by one-line summaries.
 */
export function present(value: unknown, options: PresentOptions): string {
  // The output boundary (issue 10, item 4): whatever a registry put in a name, label or message is shown escaped.
  return escapeControls(layout(value, options));
}

function layout(value: unknown, options: PresentOptions): string {
  const { colors: c } = options;
  if (value instanceof HelpText) return value.text;
  const method = describedMethod(value);
  if (method)
    return `${c.cyan(`[regatta method ${methodSignature(method)}]`)} ${c.dim(`${method.summary}; help(reg.${method.name}) for more`)}`;
  if (value instanceof RegistryClient) return describeClient(value, c);
  if (value instanceof BlobHandle) return describeBlob(value, c);
  if (isBytes(value)) return describeBytes(value, c);
  if (typeof value === "string" && looksBinary(value)) {
    return c.dim(
      `<${value.length} characters of binary data decoded as text (a gzip'd layer's text() is this): not shown; await b.bytes() shows what it is — a layer's files, or a hexdump>`,
    );
  }
  if (isStream(value))
    return c.dim('<a stream; not shown: pipe it to a file, e.g. stream.pipe(fs.createWriteStream("out"))>');
  if (isStringArray(value))
    return listing(`${value.length} ${value.length === 1 ? "item" : "items"}`, value, options);
  if (isTagList(value)) return presentTags(value, options);
  if (isCatalogPage(value)) return presentCatalog(value, options);
  if (isManifestResult(value)) return presentManifest(value, c);
  if (isConfigResult(value)) return presentConfig(value, c);
  if (isImageSummary(value)) return presentSummary(value, c);
  if (isReferrers(value)) return presentReferrers(value, c);
  if (isAuthReport(value)) return authReportLines(value, { colors: c }).join("\n");
  if (isInventory(value)) return presentInventory(value, c);
  if (isFileListing(value)) {
    const n = value.entries.length;
    return [
      c.bold(
        `${quotePath(value.path)} in ${escapeField(value.image)}: ${n} ${n === 1 ? "entry" : "entries"}`,
      ),
      ...fileListingLines(value.entries),
    ].join("\n");
  }
  if (isDiff(value)) return diffReport(value);
  if (value instanceof ByteCount) return presentBytes(Number(value), c);
  const transfer = transferSummary(value, c);
  if (transfer) return `${transfer}\n${c.dim("_ holds the whole result (its blobs, manifests, digests)")}`;
  return inspect(summarised(value, 0, new Set()), { colors: options.useColors, depth: 6 });
}

function listing(title: string, words: string[], { colors: c, width }: PresentOptions): string {
  return words.length ? `${c.dim(title)}\n${columns(words, width)}` : c.dim(title);
}

function presentTags(list: TagList, options: PresentOptions): string {
  const { colors: c } = options;
  const n = list.tags.length;
  const title = `${c.bold(escapeField(list.name))} ${c.dim(`${n} ${n === 1 ? "tag" : "tags"}`)}`;
  const words = list.digests
    ? list.tags.map((t) => `${t} ${shortDigest(list.digests?.[t] ?? "")}`)
    : list.tags;
  const more = list.next
    ? `\n${c.dim(`more on the next page: reg.tags(${JSON.stringify(list.name)}, { last: ${JSON.stringify(list.last)} }), or reg.allTags(…)`)}`
    : "";
  return `${title}${n ? `\n${columns(words, options.width)}` : ""}${more}`;
}

function presentCatalog(page: { repositories: string[]; next?: string }, options: PresentOptions): string {
  const n = page.repositories.length;
  const more = page.next
    ? `\n${options.colors.dim("more on the next page; reg.repositories() lists them all")}`
    : "";
  return `${listing(`${n} ${n === 1 ? "repository" : "repositories"}`, page.repositories, options)}${more}`;
}

/**
 * `name:  value` lines, the absent values left out. A value is what a registry or an image's author chose (a media
 * type, a platform, a date), so it is escaped to stay on its line; `after` is the REPL's own words (a styled hint).
 */
function header(rows: [string, string | undefined, (string | undefined)?][], c: Colors): string {
  return rows
    .filter((r): r is [string, string, (string | undefined)?] => r[1] !== undefined)
    .map(([k, v, after]) => `${c.dim(`${k}:`.padEnd(12))}${escapeField(v)}${after ?? ""}`)
    .join("\n");
}

/** A descriptor as the tree draws it. */
interface TreeDescriptor {
  digest: string;
  size: number;
  mediaType: string;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

/** `application/vnd.oci.image.layer.v1.tar+gzip` → `layer.v1.tar+gzip`: the part that tells blobs apart. */
const shortType = (mediaType: string) =>
  mediaType.replace(
    /^application\/vnd\.(?:oci\.image|docker\.image\.rootfs|docker\.container\.image|docker\.distribution\.manifest)\./,
    "",
  );

/**
 * An index as a tree: each platform's image, and below it its config and layers with sizes and short digests (the
 * REPL's `manifest()` fetched the children: INDEX_CHILDREN). The JSON is one step away: `_.manifest`.
 */
function presentIndexTree(m: ManifestResult, children: (ManifestResult | undefined)[], c: Colors): string {
  const entries = ((m.manifest as { manifests?: TreeDescriptor[] }).manifests ?? []).map((d, i) => ({
    d,
    child: children[i],
  }));
  type Node = { text: string; kids: Node[] };
  const blobLine = (role: string, d: TreeDescriptor) =>
    `${role.padEnd(6)} ${shortDigest(d.digest)}  ${humanSize(d.size).padStart(8)}  ${c.dim(escapeField(shortType(d.mediaType)))}`;
  const nodes: Node[] = entries.map(({ d, child }) => {
    const p = d.platform;
    const what =
      d.annotations?.["vnd.docker.reference.type"] === "attestation-manifest"
        ? "attestation"
        : p
          ? `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`
          : "no platform";
    const image =
      child?.kind === "image"
        ? (child.manifest as { config: TreeDescriptor; layers: TreeDescriptor[] })
        : undefined;
    const total = image ? image.config.size + image.layers.reduce((n, l) => n + l.size, 0) : undefined;
    return {
      text: `${c.bold(escapeField(what).padEnd(14))} ${shortDigest(d.digest)}  ${total !== undefined ? humanSize(total) : humanSize(d.size)}${image ? c.dim(`  ${countNoun(image.layers.length, "layer")}`) : ""}`,
      kids: image
        ? [
            { text: blobLine("config", image.config), kids: [] },
            ...image.layers.map((l) => ({ text: blobLine("layer", l), kids: [] })),
          ]
        : [],
    };
  });
  const top = header(
    [
      ["reference", m.reference.toString()],
      ["media type", m.mediaType],
      ["size", `${m.size} bytes`],
    ],
    c,
  );
  const tree = drawTree(
    nodes,
    (n) => n.kids,
    (n) => n.text,
  ).map((l) => `  ${l}`);
  return [
    top,
    `${c.bold("index")} ${c.dim(`${nodes.length} ${nodes.length === 1 ? "manifest" : "manifests"}`)}`,
    ...tree,
    c.dim("the JSON: _.manifest; the exact bytes: _.bytes"),
  ].join("\n");
}

function presentManifest(m: ManifestResult, c: Colors): string {
  const children = (m as unknown as Record<symbol, unknown>)[INDEX_CHILDREN];
  if (m.kind === "index" && Array.isArray(children)) return presentIndexTree(m, children, c);
  const top = header(
    [
      ["reference", m.reference.toString()],
      ["digest", m.digest],
      ["media type", m.mediaType],
      ["size", `${m.size} bytes`],
      ["from index", m.index ? `${m.index.digest} for ${m.platform}` : undefined],
    ],
    c,
  );
  return `${top}\n${colorJson(m.manifest, c)}`;
}

function presentConfig(r: ConfigResult, c: Colors): string {
  const top = header(
    [
      ["digest", r.digest],
      ["media type", r.mediaType],
      ["size", `${r.bytes.length} bytes`],
    ],
    c,
  );
  return `${top}\n${colorJson(r.config, c)}`;
}

function presentSummary(s: ImageSummary, c: Colors): string {
  const parts = [
    header(
      [
        ["reference", s.reference],
        ["digest", s.digest],
        ["media type", s.mediaType],
        ["platform", s.platform],
        ["created", s.created],
        ["artifact", s.artifactType],
        ["subject", s.subject],
        ["size", `${humanSize(s.size)} (${s.size} bytes)`],
        [
          "referrers",
          s.referrers === undefined ? undefined : String(s.referrers),
          s.referrers
            ? c.dim(
                `  await reg.referrers(${escapeField(JSON.stringify(`${repositoryOf(s.reference)}@${s.digest}`))}) lists them`,
              )
            : undefined,
        ],
      ],
      c,
    ),
  ];
  // What it runs, as the CLI's inspect shows it (its values escaped there).
  const runs = runtimeFacts(s).map(([k, v]) => `${c.dim(`${k}:`.padEnd(12))}${v}`);
  if (runs.length) parts.push(runs.join("\n"));
  parts.push(...summaryTables(s, c.bold));
  const env = envLines(s);
  if (env.length) parts.push(`${c.dim("Env:")}\n${env.join("\n")}`);
  const labels = labelLines(s);
  if (labels.length) parts.push(`${c.dim("labels:")}\n${labels.join("\n")}`);
  return parts.join("\n\n");
}

/**
 * `reg.referrers()` and `reg.referrerTree()`: the subject, then its signatures, SBOMs and attestations as a tree
 * (a tree's referrers of referrers below them), each with its type, size, title and where it was found.
 */
function presentReferrers(r: ReferrersResult, c: Colors): string {
  const n = r.referrers.length;
  const from = r.api ? "the referrers API" : "the fallback tag (the registry has no referrers API)";
  const title = `${c.bold(escapeField(r.subject.familiar()))} ${c.dim(`${n} ${n === 1 ? "referrer" : "referrers"}${n ? `, from ${from}` : ""}`)}`;
  const line = (x: Referrer) => {
    const name = x.annotations?.["org.opencontainers.image.title"];
    const created = x.annotations?.["org.opencontainers.image.created"];
    return [
      shortDigest(x.digest),
      escapeField(x.artifactType ?? x.mediaType),
      humanSize(x.size),
      ...(name ? [JSON.stringify(name)] : []),
      ...(created ? [escapeField(created)] : []),
      x.source === "cosign-tag" ? `cosign tag ${escapeField(x.tag ?? "")}` : "",
    ]
      .filter(Boolean)
      .join("  ");
  };
  const kids = (x: Referrer) => (x as Partial<ReferrerNode>).referrers ?? [];
  const tree = drawTree(r.referrers, kids, line).map((l) => `  ${l}`);
  const ignored = r.ignored ? [c.dim(`  ignored: ${escapeField(r.ignored)}`)] : [];
  return [title, `  ${c.dim(r.digest)}`, ...tree, ...ignored].join("\n");
}

function describeClient(reg: RegistryClient, c: Colors): string {
  return `${c.bold(`RegistryClient(${reg.registry})`)} ${c.dim(`${reg.url}; .whoami for how it authenticates`)}`;
}

function describeBlob(blob: BlobHandle, c: Colors): string {
  return [
    `${c.bold(`Blob ${escapeField(`${blob.repository.name}@${blob.digest}`)}`)}${blob.expectedSize !== undefined ? ` ${c.dim(`(${humanSize(blob.expectedSize)})`)}` : ""}`,
    c.dim(
      'not fetched, never dumped here: await _.bytes() shows what it is (a layer\'s files, text, hex), await _.toFile("layer.tgz") saves it, await _.json() reads a config',
    ),
  ].join("\n");
}

/** A size: human and exact, `1.6 MB (1,562,330 bytes)`. */
function presentBytes(n: number, c: Colors): string {
  return `${c.bold(humanSize(n))} ${c.dim(`(${n.toLocaleString("en-US")} bytes)`)}`;
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

/** One line for what a transfer did (copy, pull, push, sync), or undefined when `value` is none of those. */
function transferSummary(value: unknown, c: Colors): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  // Names and messages stand inside one line: a registry chose some of them (a sync's tags, an error's text).
  const e = escapeField;
  if (typeof v.sourceDigest === "string" && Array.isArray(v.blobs) && typeof v.bytesUploaded === "number") {
    const r = value as CopyResult;
    // The digest is shown once, short: the target names it again in full.
    const target = e(r.target.replace(/@sha256:[0-9a-f]{64}$/, ""));
    if (r.upToDate) return `${c.green("up to date")} ${target} ${c.dim(shortDigest(r.digest))}: nothing sent`;
    const by = (o: string) => r.blobs.filter((b) => b.outcome === o).length;
    const referrers = r.referrers ? `; ${count(r.referrers.copied.length, "referrer")}` : "";
    return `${c.green("copied")} ${e(r.source)} → ${target} ${c.dim(shortDigest(r.digest))}${r.platform ? ` (${e(r.platform)})` : ""}: ${count(r.blobs.length, "blob")} (${by("uploaded")} sent, ${by("mounted")} mounted, ${by("skipped")} there), ${humanSize(r.bytesUploaded)} sent${referrers}`;
  }
  if (typeof v.destination === "string" && Array.isArray(v.references) && typeof v.format === "string") {
    const r = value as PullResult;
    return `${c.green("pulled")} ${count(r.references.length, "image")} to ${quotePath(r.destination)} (${r.format}): ${count(r.blobs.total, "blob")} (${r.blobs.downloaded} downloaded, ${r.blobs.resumed} resumed, ${r.blobs.cached} already there), ${humanSize(r.bytes.downloaded)} fetched`;
  }
  if (typeof v.reference === "string" && typeof v.format === "string" && typeof v.manifests === "number") {
    const r = value as PushResult;
    return `${c.green("pushed")} ${e(r.reference)} ${c.dim(shortDigest(r.digest))}: ${count(r.blobs.total, "blob")} (${r.blobs.uploaded} sent, ${r.blobs.skipped} there), ${humanSize(r.bytes.uploaded)} sent, ${count(r.manifests, "manifest")}`;
  }
  if (typeof v.plan === "object" && Array.isArray(v.images) && typeof v.copied === "number") {
    const r = value as SyncResult;
    const failed = r.images
      .filter((i) => i.outcome === "failed")
      .map((i) => `\n  ${c.red("failed")} ${e(i.source)}: ${e(i.error ?? "")}`);
    return `${c.green("synced")}: ${r.copied} copied, ${r.skipped} up to date, ${r.failed} failed; blobs ${r.blobs.uploaded} sent, ${r.blobs.mounted} mounted, ${r.blobs.skipped} there; ${humanSize(r.bytesUploaded)} in ${r.seconds.toFixed(1)} s${failed.join("")}`;
  }
  return undefined;
}

/** A one-line stand-in that `util.inspect` prints as is. */
function placeholder(text: string): object {
  return { [inspect.custom]: () => text };
}

/**
 * Walks plain objects and arrays and replaces what must not be dumped (clients with their connection state, blob
 * handles, large byte arrays, streams) with one-line stand-ins, so a result that merely contains one stays readable.
 */
function summarised(value: unknown, depth: number, seen: Set<object>): unknown {
  const method = describedMethod(value);
  if (method) return placeholder(`[regatta method ${methodSignature(method)}]`);
  if (value === null || typeof value !== "object") return value;
  if (value instanceof RegistryClient) return placeholder(`[RegistryClient ${value.registry}]`);
  if (value instanceof BlobHandle) return placeholder(`[${value.toString()}]`);
  if (isBytes(value)) return value.length > 64 ? placeholder(`[${value.length} bytes]`) : value;
  if (isStream(value)) return placeholder("[stream]");
  if (value instanceof Reference || value instanceof RepositoryReference) {
    return placeholder(`Reference(${value.toString()})`);
  }
  if (depth > 6 || seen.has(value)) return value;
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    seen.add(value);
    return value.map((v) => summarised(v, depth + 1, seen));
  }
  if (proto !== Object.prototype && proto !== null) return value;
  seen.add(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = summarised(v, depth + 1, seen);
  return out;
}

/** Text that came from bytes that are not text: UTF-8 replacement characters, or NULs and other controls. */
function looksBinary(text: string): boolean {
  if (text.length < 16) return false;
  const odd = text.slice(0, 4096).match(/[\uFFFD\x00-\x08\x0e-\x1f]/g)?.length ?? 0;
  return odd > Math.min(text.length, 4096) / 50;
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

function isStream(value: unknown): boolean {
  const v = value as { pipe?: unknown; on?: unknown } | null;
  return typeof v === "object" && v !== null && typeof v.pipe === "function" && typeof v.on === "function";
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string");
}

function isTagList(value: unknown): value is TagList {
  const v = value as Partial<TagList> | null;
  return typeof v === "object" && v !== null && typeof v.name === "string" && Array.isArray(v.tags);
}

function isCatalogPage(value: unknown): value is { repositories: string[]; next?: string } {
  const v = value as { repositories?: unknown } | null;
  return typeof v === "object" && v !== null && isStringArrayOrEmpty(v.repositories);
}

function isStringArrayOrEmpty(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

function isManifestResult(value: unknown): value is ManifestResult {
  const v = value as Partial<ManifestResult> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.digest === "string" &&
    typeof v.kind === "string" &&
    "manifest" in v &&
    isBytes(v.bytes)
  );
}

function isConfigResult(value: unknown): value is ConfigResult {
  const v = value as Partial<ConfigResult> | null;
  return (
    typeof v === "object" && v !== null && typeof v.digest === "string" && "config" in v && isBytes(v.bytes)
  );
}

/** `host:port/repo:tag` or `repo@sha256:…` without its tag or digest. */
function repositoryOf(reference: string): string {
  const name = reference.split("@")[0] as string;
  const colon = name.lastIndexOf(":");
  return colon > name.lastIndexOf("/") ? name.slice(0, colon) : name;
}

/** `reg.inventory(repo)`: the table the CLI prints, under a title, and which tags share an image. */
function presentInventory(inv: Inventory, c: Colors): string {
  const n = inv.tags.length;
  const title = `${c.bold(escapeField(inv.repository))} ${c.dim(`${n} ${n === 1 ? "tag" : "tags"}, ${inv.shared.length} shared digests; _.tags holds the rows`)}`;
  const vanished = inv.vanished?.length
    ? [c.dim(`vanished while listed: ${inv.vanished.map(escapeField).join(", ")}`)]
    : [];
  const failed = (inv.failed ?? []).map((f) =>
    c.red(`failed ${escapeField(f.tag)}: ${escapeField(f.message)} (${f.code}); _.failed holds them`),
  );
  return [title, inventoryTable(inv, c.bold), ...vanished, ...failed].filter(Boolean).join("\n");
}

function isFileListing(value: unknown): value is ImageFileListing {
  const v = value as Partial<ImageFileListing> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.path === "string" &&
    typeof v.image === "string" &&
    Array.isArray(v.entries)
  );
}

function isInventory(value: unknown): value is Inventory {
  const v = value as Partial<Inventory> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.repository === "string" &&
    Array.isArray(v.tags) &&
    Array.isArray(v.shared) &&
    typeof v.fetched === "object"
  );
}

function isDiff(value: unknown): value is Diff {
  const v = value as {
    kind?: unknown;
    identical?: unknown;
    notes?: unknown;
    a?: unknown;
    b?: unknown;
  } | null;
  return (
    typeof v === "object" &&
    v !== null &&
    (v.kind === "image" || v.kind === "index") &&
    typeof v.identical === "boolean" &&
    Array.isArray(v.notes) &&
    v.a !== undefined &&
    v.b !== undefined
  );
}

function isAuthReport(value: unknown): value is AuthReport {
  const v = value as Partial<AuthReport> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.verdict === "string" &&
    typeof v.summary === "string" &&
    Array.isArray(v.steps) &&
    Array.isArray(v.actions)
  );
}

function isReferrers(value: unknown): value is ReferrersResult {
  const v = value as Partial<ReferrersResult> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    v.subject instanceof Reference &&
    typeof v.digest === "string" &&
    typeof v.api === "boolean" &&
    Array.isArray(v.referrers)
  );
}

function isImageSummary(value: unknown): value is ImageSummary {
  const v = value as Partial<ImageSummary> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.reference === "string" &&
    typeof v.digest === "string" &&
    typeof v.kind === "string" &&
    typeof v.size === "number" &&
    !("bytes" in v)
  );
}
