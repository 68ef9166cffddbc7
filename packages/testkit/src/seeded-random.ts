import { createCipheriv, createHash } from "node:crypto";
import { Readable } from "node:stream";

const CHUNK = 64 * 1024;
const ZEROS = Buffer.alloc(CHUNK);

/**
 * Deterministic, incompressible bytes from a seed: AES-256-CTR keystream keyed with sha256(seed). Runs at
 * memory speed (GB/s), so benchmark layers of several GiB cost nothing but disk.
 */
export function seededStream(seed: string, size: number): Readable {
  const cipher = keystream(seed);
  let remaining = size;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      if (remaining <= 0) {
        this.push(null);
        return;
      }
      const n = Math.min(CHUNK, remaining);
      remaining -= n;
      this.push(cipher.update(n === CHUNK ? ZEROS : ZEROS.subarray(0, n)));
    },
  });
}

/** The first `size` bytes of {@link seededStream}, in memory. */
export function seededBytes(seed: string, size: number): Buffer {
  return keystream(seed).update(Buffer.alloc(size));
}

function keystream(seed: string) {
  const key = createHash("sha256").update(`regatta-testkit:${seed}`).digest();
  return createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
}
