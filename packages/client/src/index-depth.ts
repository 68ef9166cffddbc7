import { UnsupportedError } from "@regatta/errors";
import { MAX_INDEX_DEPTH } from "@regatta/manifest";
import type { Reference } from "@regatta/reference";

/**
 * Refuses an index at nesting level `depth` (the top one is 1) deeper than MAX_INDEX_DEPTH: no real image has one
 * (one level, two for an index of indexes), and a hostile registry's chain of thousands, each verified by digest,
 * would otherwise be walked request by request for minutes. For every walk down indexes (pull, copy).
 */
export function refuseDeepIndex(ref: Reference, depth: number): void {
  if (depth > MAX_INDEX_DEPTH) {
    throw new UnsupportedError(
      `${ref.familiar()} nests indexes more than ${MAX_INDEX_DEPTH} deep; real images use one or two levels: refused`,
    );
  }
}
