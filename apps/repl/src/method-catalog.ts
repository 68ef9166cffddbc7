/**
 * What the REPL says about each call of a client (issue 14, "the REPL shows"): `help()` lists them by group,
 * `help(reg.copy)` and `reg.copy.help` show one, and `reg.copy` prints as `[regatta method copy(source, target,
 * options?)]` instead of `[Function (anonymous)]`. Written here, not read from the functions: the REPL's bundle is
 * minified, so parameter names are gone at run time. method-catalog.test.ts fails when the client gains a method
 * this catalog does not describe.
 *
 * The options `help(reg.tags)` lists are not written here: they are the ones the call accepts, read from the table
 * the client checks them against (`verbOptions`, @regatta/client's call-arguments.ts), plus the few the REPL's
 * client adds ({@link REPL_OPTIONS}). An entry's `options` only word some of them better than their type does.
 */
import { verbOptions } from "@regatta/client";

export interface MethodEntry {
  name: string;
  group: string;
  /** The parameters, as `(source, target, options?)`. */
  params: string;
  summary: string;
  /**
   * Better words for some of the options the call takes, `name: what` (or just `name`); the list help shows is
   * every option the call accepts ({@link acceptedOptions}), in these words where given.
   */
  options?: string[];
  example: string;
  /** What the promise gives. */
  returns?: string;
}

const SIGNAL = "signal: an AbortSignal (Ctrl-C already aborts what the REPL awaits)";
const TAG_ORDER =
  'sort: "name" (natural order, 1.9 before 1.10: the default here, as in regatta tags) | "semver" | "none" (the registry\'s order)';

/**
 * Options the REPL's client takes beyond the library's (repl-client.ts handles them): `reg.tags` sorts its page as
 * `regatta tags` does; the library's `tags()` gives the registry's order and takes no `sort`.
 */
export const REPL_OPTIONS: Readonly<Record<string, readonly string[]>> = { tags: [TAG_ORDER] };

const SELECTION = [
  TAG_ORDER,
  "include: regular expressions (strings or /re/) for whole tags to keep",
  "exclude: regular expressions for whole tags to drop",
  "limit: at most this many tags, the first after include/exclude and sort",
  "n: page size asked of the registry (every page is still read)",
];
const PLATFORM = 'platform: "linux/arm64" picks that image of an index';

/** Every public call of a RegistryClient, in the order `help()` lists them. */
export const METHODS: readonly MethodEntry[] = [
  // ── read ──
  {
    name: "tags",
    group: "read",
    params: "(repository, options?)",
    summary: "one page of a repository's tags",
    options: [
      "n: page size",
      "last: the tag to start after",
      "next: the next-page URL a previous page gave (registries whose pages are tokens, Quay)",
      "withDigests: each tag's manifest digest too (a HEAD per tag)",
      "concurrency: HEADs at once for withDigests",
    ],
    example: 'reg.tags("team/api")',
    returns: "{ name, tags, next? }",
  },
  {
    name: "allTags",
    group: "read",
    params: "(repository, options?)",
    summary: "every tag, following the pages",
    options: SELECTION,
    example: 'reg.allTags("team/api")',
    returns: "string[]",
  },
  {
    name: "tagsWithDigests",
    group: "read",
    params: "(repository, options?)",
    summary: "tags with the digest each names (a HEAD each, concurrently)",
    options: SELECTION,
    example: 'reg.tagsWithDigests("team/api")',
  },
  {
    name: "tagPages",
    group: "read",
    params: "(repository, options?)",
    summary: "the tag list page by page, as an async iterator",
    example: 'for await (const page of reg.tagPages("team/api")) console.log(page.tags.length)',
  },
  {
    name: "catalog",
    group: "read",
    params: "(options?)",
    summary: "one page of the registry's repositories (/v2/_catalog)",
    example: "reg.catalog({ n: 100 })",
  },
  {
    name: "repositories",
    group: "read",
    params: "(options?)",
    summary: "every repository of the catalog",
    example: "reg.repositories()",
    returns: "string[]",
  },
  {
    name: "catalogPages",
    group: "read",
    params: "(options?)",
    summary: "the catalog page by page, as an async iterator",
    example: "for await (const page of reg.catalogPages()) console.log(page.repositories)",
  },
  {
    name: "search",
    group: "read",
    params: "(substring, options?)",
    summary: "repositories whose name contains substring",
    example: 'reg.search("api")',
  },
  {
    name: "manifest",
    group: "read",
    params: "(reference, options?)",
    summary: "a manifest or index: exact bytes, digest, parsed model",
    options: [PLATFORM, 'accept: media types to accept ("schema2", "oci", "index", "schema1", "all")'],
    example: 'reg.manifest("team/api:1.0")',
  },
  {
    name: "digest",
    group: "read",
    params: "(reference, options?)",
    summary: "the digest a reference names (a HEAD)",
    options: ["verify: GET and hash instead of trusting the header"],
    example: 'reg.digest("team/api:1.0")',
    returns: '"sha256:…"',
  },
  {
    name: "head",
    group: "read",
    params: "(reference, options?)",
    summary: "a manifest's HEAD: digest, media type, size, and where the digest came from",
    example: 'reg.head("team/api:1.0")',
  },
  {
    name: "resolve",
    group: "read",
    params: "(reference, platform?, options?)",
    summary: "the image manifest an index holds for one platform",
    example: 'reg.resolve("alpine:3.20", "linux/arm64")',
  },
  {
    name: "config",
    group: "read",
    params: "(reference, options?)",
    summary: "the image config (an index resolved for the platform)",
    options: [PLATFORM],
    example: 'reg.config("team/api:1.0")',
  },
  {
    name: "inspect",
    group: "read",
    params: "(reference, options?)",
    summary: "platforms, layers, sizes, created, labels, what it runs, and (in the REPL) its referrers",
    options: [PLATFORM, "referrers: count the referrers (default true in the REPL)"],
    example: 'reg.inspect("alpine:3.20")',
  },
  {
    name: "size",
    group: "read",
    params: "(reference, options?)",
    summary: "config + layers in bytes (summed over platforms for an index)",
    example: 'reg.size("alpine:3.20")',
    returns: "number",
  },
  {
    name: "blob",
    group: "read",
    params: "(repository, digest?, options?)",
    summary: "a blob handle, fetched only when asked",
    example: 'const b = reg.blob("team/api@sha256:…"); await b.toFile("layer.tgz")',
    returns: "BlobHandle (.bytes(), .json(), .stream(), .toFile(path), .size())",
  },
  {
    name: "blobSize",
    group: "read",
    params: "(repository, digest, options?)",
    summary: "a blob's size (a HEAD), undefined when absent",
    example: 'reg.blobSize("team/api", "sha256:…")',
  },
  {
    name: "hasBlob",
    group: "read",
    params: "(repository, digest, options?)",
    summary: "whether the repository holds a blob",
    example: 'reg.hasBlob("team/api", "sha256:…")',
    returns: "boolean",
  },
  // ── files in layers ──
  {
    name: "file",
    group: "files",
    params: "(reference, path, options?)",
    summary: "one file of the image's filesystem, read from its layers",
    options: [PLATFORM],
    example: 'reg.file("alpine:3.20", "/etc/os-release")',
  },
  {
    name: "fileStream",
    group: "files",
    params: "(reference, path, options?)",
    summary: "one file as a stream (large files)",
    example: 'const f = await reg.fileStream("alpine:3.20", "/bin/busybox")',
  },
  {
    name: "listFiles",
    group: "files",
    params: "(reference, path?, options?)",
    summary: "the entries of a directory of the merged filesystem",
    example: 'reg.listFiles("alpine:3.20", "/etc")',
  },
  {
    name: "exportFilesystem",
    group: "files",
    params: "(reference, target, options?)",
    summary: "the flattened filesystem as one tar (whiteouts applied), as crane export",
    example: 'reg.exportFilesystem("alpine:3.20", "rootfs.tar")',
  },
  // ── explore: inventory and diff ──
  {
    name: "inventory",
    group: "explore",
    params: "(repository, options?)",
    summary:
      "every tag with digest, media type, platforms, created, size and the tags sharing its manifest (a HEAD per tag, each manifest and config once)",
    options: [
      'sort: "name" | "created" (newest first)',
      "include: regular expressions for whole tags to keep",
      "exclude: regular expressions for whole tags to drop",
      "concurrency: tags looked at once",
      "onProgress: ({ done, total, tag }) => void",
      SIGNAL,
    ],
    example: 'reg.inventory("team/api", { sort: "created" })',
    returns:
      "{ repository, tags: [{ tag, digest, mediaType, kind, platforms, created?, size, sharedCount }], shared: [{ digest, tags }], fetched }",
  },
  {
    name: "diff",
    group: "explore",
    params: "(a, b, options?)",
    summary:
      "what differs between two images: config fields, Env/labels/ports, layers shared/added/removed/changed; files with { files: true }",
    options: [
      "files: true compares the filesystems (every layer streamed, whiteouts honoured)",
      `${PLATFORM} (an index against an image; two indexes)`,
      SIGNAL,
    ],
    example: 'reg.diff("team/api:1.0", "team/api:1.1", { files: true })',
    returns:
      '{ kind: "image", a, b, identical, notes, config, layers, files? } or, for two indexes, { kind: "index", platforms, images }',
  },
  // ── referrers and artifacts ──
  {
    name: "referrers",
    group: "referrers",
    params: "(reference, options?)",
    summary: "signatures, SBOMs and attestations of an image (API, fallback tag, cosign tags)",
    options: ["artifactType: only this type", "cosign: also cosign's .sig/.att/.sbom tags (default true)"],
    example: 'reg.referrers("team/api:1.0")',
  },
  {
    name: "referrerTree",
    group: "referrers",
    params: "(reference, options?)",
    summary: "the referrers of the referrers too, printed as a tree",
    example: 'reg.referrerTree("team/api:1.0")',
  },
  {
    name: "copyReferrers",
    group: "referrers",
    params: "(source, target, options?)",
    summary: "an image's referrers copied after it, recursively",
    example: 'reg.copyReferrers("team/api:1.0", "localhost:5001/team/api:1.0")',
  },
  {
    name: "pushArtifact",
    group: "referrers",
    params: "(reference, options)",
    summary: "files pushed as an OCI artifact, optionally attached to a subject",
    options: [
      "artifactType: the artifact's type",
      "files: [{ path } or { bytes, title }]",
      "subject: the image it refers to",
      "annotations",
    ],
    example:
      'reg.pushArtifact("team/api:sbom", { artifactType: "application/spdx+json", files: [{ path: "sbom.json" }], subject: "team/api:1.0" })',
  },
  {
    name: "pullArtifact",
    group: "referrers",
    params: "(reference, directory, options?)",
    summary: "an artifact's files into a directory, by title, verified",
    example: 'reg.pullArtifact("team/api:sbom", "out/")',
  },
  // ── write ──
  {
    name: "pushBlob",
    group: "write",
    params: "(repository, source, options?)",
    summary: "a blob uploaded (bytes, a file's stream), digest checked",
    example: 'reg.pushBlob("team/api", Buffer.from("hello"))',
  },
  {
    name: "mountBlob",
    group: "write",
    params: "(from, to, digest, options?)",
    summary: "a blob mounted from another repository of the registry (no bytes sent)",
    example: 'reg.mountBlob("team/api", "team/web", "sha256:…")',
  },
  {
    name: "putManifest",
    group: "write",
    params: "(reference, manifest, options?)",
    summary: "a manifest put as the exact bytes given (or an object, serialised)",
    options: ["mediaType: the Content-Type"],
    example: 'reg.putManifest("team/api:copy", (await reg.manifest("team/api:1.0")).bytes)',
  },
  {
    name: "tag",
    group: "write",
    params: "(source, target, options?)",
    summary: "another tag for an image (blobs mounted across repositories)",
    example: 'reg.tag("team/api:1.0", "team/api:stable")',
  },
  {
    name: "copy",
    group: "write",
    params: "(source, target, options?)",
    summary: "an image or index copied between repositories or registries, blobs streamed and verified",
    options: [
      'platforms: "all" or a list to keep (a rewritten index)',
      "platform: one platform's image manifest only",
      "referrers: carry signatures and SBOMs too",
      "concurrency: blobs at once (default 4)",
      "force: copy even when the target is up to date",
      "verify: hash each blob while it streams (default true; false leaves it to the target)",
      "onProgress: transfer events",
    ],
    example: 'reg.copy("team/api:1.0", "localhost:5001/mirror/api:1.0")',
  },
  {
    name: "createIndex",
    group: "write",
    params: "(target, sources, options?)",
    summary: "an index made from images, each with the platform its config names",
    example: 'reg.createIndex("team/api:multi", ["team/api:amd64", "team/api:arm64"])',
  },
  {
    name: "editIndex",
    group: "write",
    params: "(target, edits)",
    summary: "an index with entries appended, removed, filtered or annotated",
    options: [
      "append: references to add",
      "remove: platforms or digests",
      "platforms: keep only these",
      "annotations",
    ],
    example: 'reg.editIndex("team/api:multi", { remove: ["linux/arm/v7"] })',
  },
  {
    name: "pushSchema1",
    group: "write",
    params: "(source, target, options)",
    summary: "an image converted to a signed Docker schema 1 manifest and pushed",
    options: ["key: a libtrust key (loadSchema1Key)"],
    example: 'reg.pushSchema1("team/api:1.0", "team/api:v1", { key })',
  },
  {
    name: "convertToSchema1",
    group: "write",
    params: "(source, target, options)",
    summary: "the signed schema 1 manifest of an image, not pushed",
    example: 'reg.convertToSchema1("team/api:1.0", "team/api:v1", { key })',
  },
  // ── delete ──
  {
    name: "deleteTag",
    group: "delete",
    params: "(reference, options?)",
    summary: "one tag removed, refusing when other tags share its manifest (distribution deletes by digest)",
    example: 'reg.deleteTag("team/api:old")',
  },
  {
    name: "deleteManifest",
    group: "delete",
    params: "(reference, options?)",
    summary: "a manifest deleted by digest (every tag naming it goes)",
    options: ["referrers: delete its signatures and SBOMs too"],
    example: 'reg.deleteManifest("team/api@sha256:…")',
  },
  {
    name: "deleteRepository",
    group: "delete",
    params: "(repository, options?)",
    summary: "every manifest of a repository deleted, indexes first (failed and kept ones reported)",
    options: ["dryRun: list what would be deleted, delete nothing"],
    example: 'reg.deleteRepository("team/old")',
  },
  {
    name: "deleteBlob",
    group: "delete",
    params: "(repository, digest, options?)",
    summary: "one blob deleted",
    example: 'reg.deleteBlob("team/api", "sha256:…")',
  },
  // ── disk and mirrors ──
  {
    name: "pull",
    group: "disk and mirrors",
    params: "(references, destination, options?)",
    summary: "images to a docker tarball, an OCI layout or a dir, resumable",
    options: ['format: "docker" | "oci" | "dir"', 'platforms: "all" or a list'],
    example: 'reg.pull(["team/api:1.0"], "api.tar", { format: "docker" })',
  },
  {
    name: "push",
    group: "disk and mirrors",
    params: "(source, reference, options?)",
    summary: "an image from a tarball, an OCI layout or a dir pushed",
    example: 'reg.push("api.tar", "team/api:restored")',
  },
  {
    name: "planSync",
    group: "disk and mirrors",
    params: "(jobs, options?)",
    summary: "what a sync would copy, skip, mount and upload (nothing written)",
    example: 'reg.planSync({ source: "team/api", target: "localhost:5001/mirror/api" })',
  },
  {
    name: "sync",
    group: "disk and mirrors",
    params: "(input, options?)",
    summary: "repositories mirrored, as skopeo sync: planned, then copied jobs at a time",
    options: ["jobs: images at once", "keepGoing", "referrers: carry referrers too"],
    example: 'reg.sync({ source: "team/api", target: "localhost:5001/mirror/api" })',
  },
  {
    name: "rateLimit",
    group: "disk and mirrors",
    params: "(reference, options?)",
    summary: "Docker Hub's pull quota, from a HEAD it does not count",
    example: 'reg.rateLimit("docker.io/library/alpine")',
  },
  // ── the client ──
  {
    name: "with",
    group: "client",
    params: "(defaults)",
    summary: "a client sharing this one's connections, with a platform or signal for every call",
    example: 'const arm = reg.with({ platform: "linux/arm64" })',
  },
  {
    name: "ping",
    group: "client",
    params: "(registry?, options?)",
    summary: "GET /v2/: is it a registry, and how does it authenticate",
    example: "reg.ping()",
  },
  {
    name: "whoami",
    group: "client",
    params: "(registry?)",
    summary: "how the client authenticates, and as whom (never the secret)",
    example: "reg.whoami()",
  },
  {
    name: "explainAuth",
    group: "client",
    params: "(reference, options?)",
    summary: "step by step: challenge, credentials' source, token, grants, and a pull (or push) probe",
    options: ["push: also explain pushing (an upload opened and cancelled)", "signal: an AbortSignal"],
    example: 'reg.explainAuth("team/app:1.0", { push: true })',
  },
  {
    name: "explain",
    group: "client",
    params: "(reference, options?)",
    summary: "explainAuth, by its short name",
    example: 'reg.explain("team/app")',
  },
  {
    name: "close",
    group: "client",
    params: "()",
    summary: "closes the client's connections",
    example: "reg.close()",
  },
  { name: "toString", group: "client", params: "()", summary: "the client as text", example: "String(reg)" },
];

const BY_NAME = new Map(METHODS.map((m) => [m.name, m]));

/** The catalog entry of a client method's name, if it has one. */
export function methodEntry(name: string): MethodEntry | undefined {
  return BY_NAME.get(name);
}

/** `copy(source, target, options?)`. */
export function methodSignature(entry: MethodEntry): string {
  return `${entry.name}${entry.params}`;
}

/** `sort: …` → `sort`: the option a line of help is about. */
export const optionName = (line: string) => line.split(":")[0]?.trim() ?? "";

/**
 * The options a REPL client's call accepts, each as help words it (`name: what`): the library's (`verbOptions`), then
 * the REPL's own ({@link REPL_OPTIONS}); an entry's own words where it has them, else what the option's type says.
 * A call that is no verb of the library (`with`, `close`) keeps the entry's words.
 */
export function acceptedOptions(entry: MethodEntry): string[] {
  const accepted = verbOptions(entry.name);
  if (!accepted) return entry.options ?? [];
  const words = [...(entry.options ?? []), ...(REPL_OPTIONS[entry.name] ?? []), SIGNAL];
  const worded = (name: string, says: string) =>
    words.find((line) => optionName(line) === name) ?? `${name}: ${says}`;
  return [...accepted.map(({ name, says }) => worded(name, says)), ...(REPL_OPTIONS[entry.name] ?? [])];
}

/** What `help(reg.copy)` prints. */
export function methodHelp(entry: MethodEntry): string {
  const options = acceptedOptions(entry);
  return [
    `reg.${methodSignature(entry)}`,
    `  ${entry.summary}`,
    ...(entry.returns ? [`  returns: ${entry.returns}`] : []),
    ...(options.length ? ["  options:", ...options.map((o) => `    ${o}`)] : []),
    `  example: ${entry.example}`,
  ].join("\n");
}
