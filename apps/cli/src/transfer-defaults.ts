/**
 * What `copy` and `pull` do when told nothing, in one place (issue 12: they agree, and say which they used).
 *
 * - Jobs: the same number of blobs at once for both, the client's DEFAULT_COPY_CONCURRENCY (tuned with
 *   bench/copy.mjs: on two cores 4 beat 2 and 8, bench/README.md). Written here as a number so that `--help` loads
 *   no client; transfer-defaults.test.ts fails if the two drift apart.
 * - Platforms: `copy` takes an index whole (every platform), as crane and regctl do, since a copy is a mirror; `pull`
 *   takes this host's platform, as docker pull and skopeo copy do, since a docker archive holds one image per
 *   reference. `--platform` (one, or for copy a list) and `--all-platforms` choose otherwise for either.
 */
import { positiveInt } from "./flag-values.js";

/** Blobs moved at once by `copy` and `pull` without `--jobs`. */
export const DEFAULT_JOBS = 4;

/**
 * Small blobs go four to a job (the client's blobLimit): their time is round trips, which overlap; a large blob's is
 * bytes through the same cores, which more streams only share (bench/README.md, issue 15). Written here as a
 * number, like DEFAULT_JOBS; transfer-defaults.test.ts holds it to the client's.
 */
export const SMALL_PER_JOB = 4;

/** `-j, --jobs` of copy and pull, with the shared default in its help. */
export const JOBS_HELP = `blobs moved at once, ${SMALL_PER_JOB} per job when under 1 MiB (default ${DEFAULT_JOBS}, the same for copy and pull)`;

/** The value of `--jobs`, or the shared default. */
export function jobsOf(value: string | undefined): number {
  return value === undefined ? DEFAULT_JOBS : positiveInt(value, "--jobs");
}

/** The line `copy` and `pull` print on stderr before they start: what they take and how many blobs at once. */
export function defaultsLine(
  verb: "copy" | "pull",
  platforms: string,
  jobs: number,
  jobsGiven: boolean,
): string {
  const small = jobs * SMALL_PER_JOB;
  return `${verb}: ${platforms}; ${jobs} blob${jobs === 1 ? "" : "s"} at once (${small} under 1 MiB)${jobsGiven ? "" : " (default)"}`;
}
