/**
 * The shapes of `reg.sync()` and `reg.planSync()`: what to mirror (a {@link SyncJob} per repository), how
 * ({@link SyncOptions}), what the plan found ({@link SyncPlan}) and what a run did ({@link SyncResult}). The plan and
 * the result are plain data (JSON as they are): the CLI's `--dry-run --json` and `--json` print them.
 */
import type { OnTransferProgress } from "../transfer-events.js";
import type { RateLimitInfo } from "./rate-limit.js";

/**
 * One repository to mirror, with the tags wanted. `source` and `target` are each a repository (`registry/repo`, no
 * tag) or an OCI image layout directory written `oci:DIR`, as skopeo names one; one of them must be a registry.
 */
export interface SyncJob {
  source: string;
  target: string;
  /** Which tags: all of them when absent. */
  tags?: TagFilter;
  /** Overrides {@link SyncOptions.platforms} for this repository. */
  platforms?: "all" | readonly string[];
}

/**
 * Tag selection, as skopeo sync's `images` / `images-by-tag-regex` / `images-by-semver` and regsync's
 * `tags: {allow, deny, semverRange}` (tag-selection.ts). A tag is kept when it is in `list` (when given), matches one
 * of `include` or satisfies `semver` (when either is given), matches none of `exclude`, passes every filter of
 * `allOf` and, when given, one of `anyOf`.
 */
export interface TagFilter {
  /** Exactly these tags (skopeo's `images: {repo: [tags]}`); a tag the source lacks is a failure of that image. */
  list?: readonly string[];
  /**
   * Regular expressions a tag must match one of. A string is RE2's syntax, matched in linear time against the whole
   * tag (`^(?:…)$`, as regsync's `allow`; skopeo's `images-by-tag-regex` is unanchored: pass `anywhereInTag(text)`);
   * a RegExp is JavaScript's, as it is (a backtracking engine: never build one from text you did not write).
   */
  include?: readonly (string | RegExp)[];
  /** Regular expressions that drop a tag; strings whole-tag, as {@link TagFilter.include}. */
  exclude?: readonly (string | RegExp)[];
  /**
   * A semver range (npm `semver` syntax: `>=1.2 <2`, `^3.19`, `~1.4.0`, `1.x`). Tags are read as versions the way
   * skopeo's Masterminds parser does: an optional `v`, one to three numbers, an optional `-prerelease`
   * (`3.20` is `3.20.0`); tags that are not versions never match. Prereleases match only when the range names one.
   */
  semver?: string;
  /**
   * Filters a tag must also pass, each of them: command-line filters narrowing a config file's (`--exclude latest`
   * on a job that denies `.*-rc.*` keeps both), or the tag a `repo:tag` source names.
   */
  allOf?: readonly TagFilter[];
  /**
   * Filters of which a tag must pass one (when given): the entries of a config that name the same source and target
   * (skopeo's `images` and `images-by-tag-regex` for one repository, two regsync entries) take the union of their
   * tags, as skopeo and regsync do.
   */
  anyOf?: readonly TagFilter[];
}

/** A slice of the work for one of `count` workers (`index` from 0), split by repository (shard.ts). */
export interface Shard {
  index: number;
  count: number;
}

/** What to do when a source registry's pull quota (RateLimit-Remaining) runs low (rate-limit-guard.ts). */
export interface RateLimitPolicy {
  /** Manifest GETs kept in hand: the sync stops (or waits) rather than let the remaining count fall below this. Default 0. */
  reserve?: number;
  /** Wait for the quota to come back (asking again every `pollMs`) instead of stopping with a RateLimitLowError. */
  wait?: boolean;
  /** How often a waiting sync asks the registry again (a HEAD, free). Default 60 000 ms. */
  pollMs?: number;
}

export interface SyncOptions {
  /**
   * Platforms of an index to copy: `all` (default) keeps indexes whole; one platform copies that platform's image
   * manifest alone, the target naming the image (copy's `platform`, skopeo's and regsync's single platform); two or
   * more keep an index, rewritten to list them (copy's `platforms`).
   */
  platforms?: "all" | readonly string[];
  /** Only this share of the repositories (shard.ts); the plan is the same for every worker, so no coordination. */
  shard?: Shard;
  /** Images copied at once. Default 4. */
  jobs?: number;
  /** Blobs copied at once within an image (copy's own concurrency). Default 4 (DEFAULT_COPY_CONCURRENCY). */
  concurrency?: number;
  /**
   * Also copy each image's referrers (signatures, SBOMs, attestations; theirs in turn; cosign's tags), as
   * `copy --referrers` does (referrers/copy-referrers.ts), the target's fallback tag indexes kept where it has no
   * referrers API. An up-to-date image whose referrers are missing at the target gets them. Registry to registry
   * only, and whole images only (referrers name the source's digest: no platform selection).
   */
  referrers?: boolean;
  /** Record a failed image and carry on with the others (default: stop at the first failure). */
  keepGoing?: boolean;
  /** Verify blob digests while they stream (default true; see CopyOptions.verify). */
  verify?: boolean;
  rateLimit?: RateLimitPolicy;
  /**
   * `planSync` only: the plan is for a dry run, which only reads the destination, so its looks there (the HEADs of
   * its manifests) ask `pull`, and a user with read-only credentials on the destination gets the plan. Without it they
   * ask `pull,push`, as the run's uploads will (one token serves both, and a refusal names the push). `sync` plans
   * as for a run whatever this says.
   */
  dryRun?: boolean;
  /**
   * Called when an image is done (copied, failed) during execution; the images (and repositories) the plan already
   * failed (kept with keepGoing) are reported first, as failed.
   */
  onImage?: (image: SyncedImage) => void;
  /** Transfer events of every image's blobs and manifests, as copy emits them. */
  onProgress?: OnTransferProgress;
  signal?: AbortSignal;
}

/** What the plan says of one blob a repository's images need at the target. */
export type BlobAction = "skip" | "mount" | "upload" | "foreign";

/** One image (a tag) of a planned repository. */
export interface PlannedImage {
  tag: string;
  /** `registry/repo:tag`, or `oci:DIR:tag`. */
  source: string;
  target: string;
  /** The digest at the source (the HEAD's, or the layout's). */
  sourceDigest?: string;
  /** What the target's tag names now (undefined: nothing). */
  targetDigest?: string;
  /** `copy`: missing or different at the target; `skip`: up to date; `failed`: the plan could not work it out. */
  action: "copy" | "skip" | "failed";
  /** Blobs this image needs at the target, by digest (only for `copy`; shared blobs are listed in each image). */
  blobs: string[];
  /** Manifests to push (children of an index, then the tagged one). */
  manifests: number;
  /** Why the plan failed for this image. */
  error?: string;
  /** With `referrers`: the image's referrers at the source (every level), and how many the target lacks. */
  referrers?: { total: number; copy: number };
}

/** A repository pair of the plan, with its tags and the distinct blobs they need. */
export interface PlannedRepository {
  source: string;
  target: string;
  images: PlannedImage[];
  /**
   * Each blob once, with what will happen to it (the target's HEAD at planning time, or what the run knows without
   * one: plan-run.ts planBlobs). A `mount` with `from` mounts from that repository of the target registry, another
   * target of the same run; without it, from the source repository.
   */
  blobs: { digest: string; size: number; action: BlobAction; from?: string }[];
  /** Why the repository could not be planned (its tags could not be listed), when it could not. */
  error?: string;
  /**
   * What the plan left out of a layout source, and why: images without a ref.name, ref.names that are neither a tag
   * nor a reference, tags two entries give (layout-ends.ts). The other images are planned as usual.
   */
  warnings?: string[];
}

/** Counts over a plan. */
export interface SyncTotals {
  repositories: number;
  /** `failed` (and `total`) count a repository the plan could not list as one, as a run's result does. */
  images: { total: number; copy: number; skip: number; failed: number };
  blobs: Record<BlobAction, number>;
  bytes: Record<BlobAction, number>;
  /** Manifest GETs made at the sources (planning reads each manifest to copy once; execution reuses it). */
  manifestGets: number;
  /**
   * Of those, the ones against a registry with a pull quota (Docker Hub, or any that sent RateLimit headers): each
   * counts as a pull. HEADs (every tag's up-to-date check) never do.
   */
  quotaGets: number;
  /** With `referrers`: referrers of the planned images (every level), and those to copy. */
  referrers?: { total: number; copy: number };
}

/** A deterministic plan: the same jobs, options and registry content give the same plan, in the same order. */
export interface SyncPlan {
  repositories: PlannedRepository[];
  /** The shard this plan is for, when split. */
  shard?: Shard;
  /** Repositories of the whole job list (before the shard split). */
  repositoriesInAll: number;
  totals: SyncTotals;
  /** The last pull quota each source registry announced, by registry. */
  rateLimits: Record<string, RateLimitInfo>;
}

/** One image after execution. */
export interface SyncedImage {
  source: string;
  target: string;
  tag: string;
  outcome: "copied" | "skipped" | "failed";
  digest?: string;
  error?: string;
  /** With `referrers`: how many of its referrers were copied (an up-to-date image may have got some). */
  referrers?: number;
}

export interface SyncResult {
  plan: SyncPlan;
  images: SyncedImage[];
  copied: number;
  skipped: number;
  failed: number;
  /** Blobs sent once per target repository, however many of the run's tags share them. */
  blobs: { uploaded: number; mounted: number; skipped: number };
  bytesUploaded: number;
  seconds: number;
  /** With `referrers`: referrers copied, over every image. */
  referrers?: number;
}
