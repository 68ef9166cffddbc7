/**
 * Manifest puts into one target repository, kept from overlapping where they touch the same manifest.
 *
 * Why: a registry may store a manifest's links non-atomically. CNCF distribution's filesystem driver writes a link
 * by truncating the file and writing it again (registry/storage/driver/filesystem/driver.go, PutContent → Writer →
 * Truncate(0)), so while one PUT of manifest D rewrites `_manifests/revisions/sha256/D/link`, another request that
 * reads it — an index PUT checking that its child D exists — finds it empty and answers MANIFEST_BLOB_UNKNOWN for
 * a manifest that is there. A sync meets exactly that: tags that share a digest, or an image that is also a child of
 * an index, are copied by concurrent jobs. Each put here holds the digests it writes or checks (the manifest and
 * the children it names), so puts of unrelated images still run side by side.
 */
export class ManifestLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `put` once no other put holding one of `digests` of `repository` is in flight. */
  async hold<T>(repository: string, digests: readonly string[], put: () => Promise<T>): Promise<T> {
    // Every key is queued for at once, synchronously: a put waits only on puts queued before it, so none deadlock.
    const keys = [...new Set(digests)].map((d) => `${repository}|${d}`);
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const before = keys.map((key) => this.tails.get(key));
    const mine = keys.map((key) => {
      const previous = this.tails.get(key);
      const tail = previous ? previous.then(() => released) : released;
      this.tails.set(key, tail);
      return tail;
    });
    try {
      await Promise.all(before);
      return await put();
    } finally {
      release();
      keys.forEach((key, i) => {
        // The last holder of a key clears it, so the map does not grow with every manifest of a long sync.
        if (this.tails.get(key) === mine[i]) this.tails.delete(key);
      });
    }
  }
}
