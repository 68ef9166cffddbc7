import type { DigestAlgorithm } from "./digest.js";
import { Sha256, Sha512, type SyncHash } from "./sha2.js";

/** The part of node:crypto used here. */
interface NodeCrypto {
  createHash(algorithm: string): { update(data: Uint8Array): unknown; digest(encoding: "hex"): string };
}

/**
 * A synchronous hash of `algorithm`. On Node, node:crypto's native one, reached through `process.getBuiltinModule`
 * (Node ≥ 20.16) rather than an `import`, so that this package has no `node:` import and bundles for a browser
 * unchanged; elsewhere (browsers, workers) the plain-JavaScript SHA-2 of sha2.ts.
 * https://nodejs.org/api/process.html#processgetbuiltinmoduleid
 */
export function createSyncHash(algorithm: DigestAlgorithm): SyncHash {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const nodeCrypto = proc?.getBuiltinModule?.("node:crypto") as NodeCrypto | undefined;
  if (nodeCrypto) {
    const hash = nodeCrypto.createHash(algorithm);
    return {
      update: (chunk) => void hash.update(chunk),
      hex: () => hash.digest("hex"),
    };
  }
  return algorithm === "sha256" ? new Sha256() : new Sha512();
}
