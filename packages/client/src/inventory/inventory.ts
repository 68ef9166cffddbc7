/**
 * The inventory of a repository (issue 14, "tag inventory"): every tag with its digest, media type, platforms,
 * created date and total size, and which tags name the same manifest. docs/explore.md has the story.
 *
 * The requests are the fewest that answer: the tag list, one HEAD per tag (the digest; cheap, and not counted by
 * Docker Hub's pull limit), then one GET per DISTINCT manifest (an index's children included, each once however many
 * indexes list it) and one GET per distinct image config (for created and the platform), all deduplicated by digest
 * (once-per-digest.ts). Each tag runs as one small pipeline, `concurrency` tags at a time; a tag that needs a
 * manifest another tag is already fetching waits for that fetch instead of starting its own.
 */
import {
  DigestMismatchError,
  InvalidManifestError,
  NotFoundError,
  quoteText,
  type RegattaError,
  SizeMismatchError,
  UnsupportedError,
  UsageError,
} from "@regatta/errors";
import {
  type Descriptor,
  formatPlatform,
  IMAGE_CONFIG_TYPES,
  type ImageConfig,
  type ImageManifest,
  type Index,
  manifestSum,
} from "@regatta/manifest";
import type { RepositoryReference } from "@regatta/reference";
import { type ClientContext, type RepositoryInput, toRepository } from "../context.js";
import { describedSize, getManifest, headManifest, type ManifestResult } from "../get-manifest.js";
import { configPlatform, readConfig } from "../image-info.js";
import { allTags } from "../list-tags.js";
import { mapConcurrent } from "../map-concurrent.js";
import { compareNatural, type TagSelection } from "../tag-selection.js";
import { OncePerDigest } from "./once-per-digest.js";

/** The orders of an inventory. */
export type InventorySort = "name" | "created";

/** The orders {@link InventorySort} names, for a flag's validation. */
export const INVENTORY_SORTS: readonly InventorySort[] = ["name", "created"];

/** Options of `reg.inventory()`. */
export interface InventoryOptions extends Pick<TagSelection, "include" | "exclude"> {
  /**
   * `name` (default): natural order (1.9 before 1.10). `created`: newest first, as `docker images` lists them;
   * tags without a created date last; ties by name.
   */
  sort?: InventorySort;
  /** Tags worked on at once (default the client's concurrency). */
  concurrency?: number;
  /** Called each time a tag is done (`done` of `total`): what a progress counter shows. */
  onProgress?: (progress: InventoryProgress) => void;
  signal?: AbortSignal;
}

/** How far an inventory is. */
export interface InventoryProgress {
  done: number;
  total: number;
  /** The tag just done. */
  tag: string;
}

/** One tag of an inventory. */
export interface InventoryTag {
  tag: string;
  digest: string;
  mediaType: string;
  /** `image`, `index` or `schema1`. */
  kind: ManifestResult["kind"];
  /**
   * `os/arch[/variant]`: an image's own (from its config), an index's entries in its order. Entries that are no
   * platform (`unknown/unknown`, buildx's attestation manifests) are left out.
   */
  platforms: string[];
  /** RFC 3339, from the config; for an index, the newest of its platform images. Absent when no config says. */
  created?: string;
  /**
   * Bytes stored, compressed: config + layers of an image (as `reg.size()`); for an index, the sum over every entry
   * it lists. A layer shared by two platforms counts twice, as `reg.size()` counts it.
   */
  size: number;
  /**
   * How many other tags name the same manifest (0 when none). The tags themselves are listed once per manifest, in
   * {@link Inventory.shared} under this row's digest: a list on every row grew with the square of the tags (4,000
   * tags of one image made a 250 MB inventory).
   */
  sharedCount: number;
  /** An artifact's type (its `artifactType`, else its config's media type when that is no image config). */
  artifactType?: string;
}

/** The result of `reg.inventory()`. */
export interface Inventory {
  /** The repository's name, e.g. `localhost:5000/team/api`. */
  repository: string;
  /** Sorted as asked. */
  tags: InventoryTag[];
  /**
   * Each manifest more than one tag names, with those tags (name order); manifests in the order of their first tag.
   * The one place the tags sharing a manifest are listed: a row says only how many ({@link InventoryTag.sharedCount}).
   */
  shared: { digest: string; tags: string[] }[];
  /** How many distinct manifests (top-level and children) and configs were fetched: one GET each. */
  fetched: { manifests: number; configs: number };
  /** Tags the list named whose manifest was then not found (deleted while the inventory ran); absent when none. */
  vanished?: string[];
  /**
   * Tags whose manifest could not be inventoried (a lying index entry, a manifest that is no manifest, a missing
   * platform image), each with its error's code and message, in name order; absent when none. The other tags are
   * listed as usual: one bad tag does not hide a repository. The CLI prints them and exits 1.
   */
  failed?: InventoryFailure[];
}

/** A tag {@link Inventory.failed} names: what its HEAD said and what went wrong after. */
export interface InventoryFailure {
  tag: string;
  /** The digest its HEAD answered. */
  digest: string;
  /** The error's code (`SIZE_INVALID`, `DIGEST_INVALID`, `MANIFEST_INVALID`, `MANIFEST_UNKNOWN`…). */
  code: string;
  message: string;
}

/**
 * The errors that are one tag's own (its manifest's content), recorded on its row; any other error (auth, network,
 * an interrupt) ends the whole inventory, as it would end every other tag too.
 */
function isTagsOwnError(error: unknown): error is RegattaError {
  return (
    error instanceof SizeMismatchError ||
    error instanceof DigestMismatchError ||
    error instanceof InvalidManifestError ||
    error instanceof UnsupportedError ||
    error instanceof NotFoundError
  );
}

/** What a manifest (by digest) contributes to its tags' rows, computed once per distinct manifest. */
interface ManifestFacts {
  mediaType: string;
  kind: ManifestResult["kind"];
  platforms: string[];
  created?: string;
  size: number;
  artifactType?: string;
}

/** Inventories a repository: see the module comment. */
export async function inventoryRepository(
  ctx: ClientContext,
  input: RepositoryInput,
  options: InventoryOptions = {},
): Promise<Inventory> {
  const sort = options.sort ?? "name";
  if (!INVENTORY_SORTS.includes(sort)) {
    throw new UsageError(
      `inventory sort must be one of ${INVENTORY_SORTS.join(", ")}, not ${quoteText(sort)}`,
    );
  }
  const concurrency = options.concurrency ?? ctx.concurrency;
  if (!(Number.isInteger(concurrency) && concurrency > 0))
    throw new UsageError(`concurrency must be a positive integer, got ${concurrency}`);
  const repo = toRepository(ctx, input);
  const signal = options.signal ? { signal: options.signal } : {};
  const tags = await allTags(ctx, repo, {
    ...(options.include ? { include: options.include } : {}),
    ...(options.exclude ? { exclude: options.exclude } : {}),
    ...signal,
  });
  const facts = new FactsOfManifests(ctx, repo);
  let done = 0;
  const results = await mapConcurrent(
    tags,
    concurrency,
    async (tag, _i, s) => {
      const head = await headManifest(ctx, repo.withTag(tag), { signal: s }).catch((error: unknown) => {
        // Listed, then gone: deleted (or moved away) while the inventory ran. Said, not fatal: on a busy repository
        // an inventory would otherwise never finish.
        if (error instanceof NotFoundError) return undefined;
        throw error;
      });
      // A manifest (or a platform image of it) that cannot be read as its tag says is this tag's failure, not the
      // inventory's: recorded, and the other tags go on.
      const got = head
        ? await facts.of(head.digest, s).catch((error: unknown): InventoryFailure => {
            if (!isTagsOwnError(error)) throw error;
            return { tag, digest: head.digest, code: error.code, message: error.message };
          })
        : undefined;
      options.onProgress?.({ done: ++done, total: tags.length, tag });
      if (!head || !got) return tag;
      return "code" in got ? got : { tag, digest: head.digest, ...got };
    },
    options.signal,
  );
  const vanished = results.filter((r): r is string => typeof r === "string");
  const failed = results
    .filter((r): r is InventoryFailure => typeof r !== "string" && "code" in r)
    .sort((a, b) => compareNatural(a.tag, b.tag));
  const rows = results.filter(
    (r): r is Exclude<typeof r, string | InventoryFailure> => typeof r !== "string" && !("code" in r),
  );
  // Grouped once by digest, each tag pushed once: linear in the tags however many name one manifest.
  const byDigest = new Map<string, string[]>();
  for (const row of [...rows].sort((a, b) => compareNatural(a.tag, b.tag))) {
    const group = byDigest.get(row.digest);
    if (group) group.push(row.tag);
    else byDigest.set(row.digest, [row.tag]);
  }
  const inventoried = rows.map(
    (row): InventoryTag => ({ ...row, sharedCount: (byDigest.get(row.digest)?.length ?? 1) - 1 }),
  );
  inventoried.sort(sort === "created" ? byCreated : (a, b) => compareNatural(a.tag, b.tag));
  const shared = [...byDigest]
    .filter(([, named]) => named.length > 1)
    .map(([digest, named]) => ({ digest, tags: named }));
  return {
    repository: repo.familiar(),
    tags: inventoried,
    shared,
    fetched: { manifests: facts.manifests.size, configs: facts.configs.size },
    ...(vanished.length ? { vanished } : {}),
    ...(failed.length ? { failed } : {}),
  };
}

/** Newest first; no date last; ties in name order. RFC 3339 times are compared as instants, not as text. */
function byCreated(a: InventoryTag, b: InventoryTag): number {
  const x = a.created ? Date.parse(a.created) : Number.NaN;
  const y = b.created ? Date.parse(b.created) : Number.NaN;
  if (Number.isNaN(x) !== Number.isNaN(y)) return Number.isNaN(x) ? 1 : -1;
  if (!Number.isNaN(x) && x !== y) return y - x;
  return compareNatural(a.tag, b.tag);
}

/** The facts of each manifest of one repository, each manifest and config fetched once. */
class FactsOfManifests {
  readonly manifests = new OncePerDigest<ManifestResult>();
  readonly configs = new OncePerDigest<ImageConfig>();
  readonly #facts = new OncePerDigest<ManifestFacts>();

  constructor(
    readonly ctx: ClientContext,
    readonly repo: RepositoryReference,
  ) {}

  of(digest: string, signal: AbortSignal): Promise<ManifestFacts> {
    return this.#facts.get(digest, () => this.#compute(digest, signal));
  }

  #manifest(digest: string, signal: AbortSignal): Promise<ManifestResult> {
    return this.manifests.get(digest, () => getManifest(this.ctx, this.repo.withDigest(digest), { signal }));
  }

  async #compute(digest: string, signal: AbortSignal): Promise<ManifestFacts> {
    const got = await this.#manifest(digest, signal);
    if (got.kind === "index") return this.#indexFacts(got, signal);
    if (got.kind === "image") return this.#imageFacts(got, signal);
    return { mediaType: got.mediaType, kind: got.kind, platforms: [], size: got.size };
  }

  async #imageFacts(got: ManifestResult, signal: AbortSignal): Promise<ManifestFacts> {
    const manifest = got.manifest as ImageManifest;
    const base = { mediaType: got.mediaType, kind: got.kind, size: manifestSum(manifest) };
    if (!IMAGE_CONFIG_TYPES.has(manifest.config.mediaType)) {
      // An artifact: its config is no image config, so there is no platform or date to read from it.
      return { ...base, platforms: [], artifactType: manifest.artifactType ?? manifest.config.mediaType };
    }
    // Keyed by digest and size, as a descriptor names a blob by both: two manifests sharing a config, one of them
    // with a wrong size, each get their own answer (by digest alone, whichever was asked first decided both).
    const config = await this.configs.get(
      `${manifest.config.digest} ${manifest.config.size}`,
      async () => (await readConfig(this.ctx, got, signal)).config,
    );
    const platform = configPlatform(config);
    return {
      ...base,
      platforms: platform ? [platform] : [],
      ...(config.created ? { created: config.created } : {}),
      ...(manifest.artifactType ? { artifactType: manifest.artifactType } : {}),
    };
  }

  async #indexFacts(got: ManifestResult, signal: AbortSignal): Promise<ManifestFacts> {
    const index = got.manifest as Index;
    // The children in turn: the tags around this one keep the connection pool busy, and a child shared by two
    // indexes is fetched once either way.
    let size = 0;
    let created: string | undefined;
    const platforms: string[] = [];
    for (const entry of index.manifests) {
      // Each entry checked against its manifest's size, the manifest fetched once however many entries name it.
      describedSize(await this.#manifest(entry.digest, signal), entry);
      const child = await this.of(entry.digest, signal);
      size += child.size;
      const platform = entryPlatform(entry);
      if (platform === undefined) continue;
      if (!platforms.includes(platform)) platforms.push(platform);
      if (child.created && (!created || Date.parse(child.created) > Date.parse(created)))
        created = child.created;
    }
    return {
      mediaType: got.mediaType,
      kind: got.kind,
      platforms,
      size,
      ...(created ? { created } : {}),
      ...(index.artifactType ? { artifactType: index.artifactType } : {}),
    };
  }
}

/** The platform an index entry names; undefined for none or buildx's `unknown/unknown` attestation entries. */
function entryPlatform(entry: Descriptor): string | undefined {
  if (!entry.platform || entry.platform.os === "unknown") return undefined;
  return formatPlatform(entry.platform);
}
