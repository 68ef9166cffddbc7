/**
 * `1 blob`, `2 blobs`, `0 blobs`: a count with its noun, singular for exactly one. The plural is the noun with an `s`
 * unless given (`countNoun(n, "entry", "entries")`). One helper, so that no message says "1 blobs".
 */
export function countNoun(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
