/**
 * Two images' layers compared by digest (issue 14, "image diff"): a layer in both is shared (whatever its position),
 * one only in B is added, one only in A removed; and where both images hold, at the same position, a layer the other
 * image lacks, that pair is one layer changed (a rebuilt `RUN` step), not one removed plus one added.
 */

/** A layer of one image: its position there (0 is the bottom), digest, size and media type. */
export interface LayerRef {
  position: number;
  digest: string;
  size: number;
  mediaType: string;
}

/** The layers of two images compared. */
export interface LayerDiff {
  /** Layers both images hold, in B's order (positions are B's; the same digest may sit elsewhere in A). */
  shared: LayerRef[];
  /** Only in B. */
  added: LayerRef[];
  /** Only in A. */
  removed: LayerRef[];
  /** At the same position, each image's own layer. */
  changed: { a: LayerRef; b: LayerRef }[];
  /** Bytes (compressed, as stored): each image's layers, and those shared, added and removed (changed pairs included). */
  sizes: { a: number; b: number; shared: number; added: number; removed: number };
}

/** A manifest's layers as {@link LayerRef}s. */
export function layerRefs(
  layers: readonly { digest: string; size: number; mediaType: string }[],
): LayerRef[] {
  return layers.map((l, position) => ({ position, digest: l.digest, size: l.size, mediaType: l.mediaType }));
}

/** Compares the layers of A and B. */
export function diffLayers(a: readonly LayerRef[], b: readonly LayerRef[]): LayerDiff {
  const inA = new Set(a.map((l) => l.digest));
  const inB = new Set(b.map((l) => l.digest));
  const changed: LayerDiff["changed"] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as LayerRef;
    const y = b[i] as LayerRef;
    if (!inB.has(x.digest) && !inA.has(y.digest)) changed.push({ a: x, b: y });
  }
  const pairedA = new Set(changed.map((c) => c.a.position));
  const pairedB = new Set(changed.map((c) => c.b.position));
  const shared = b.filter((l) => inA.has(l.digest));
  const added = b.filter((l) => !inA.has(l.digest) && !pairedB.has(l.position));
  const removed = a.filter((l) => !inB.has(l.digest) && !pairedA.has(l.position));
  const sum = (list: readonly LayerRef[]) => list.reduce((total, l) => total + l.size, 0);
  return {
    shared,
    added,
    removed,
    changed,
    sizes: {
      a: sum(a),
      b: sum(b),
      shared: sum(shared),
      added: sum(added) + sum(changed.map((c) => c.b)),
      removed: sum(removed) + sum(changed.map((c) => c.a)),
    },
  };
}
