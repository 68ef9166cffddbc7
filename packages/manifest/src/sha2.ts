/**
 * SHA-256 and SHA-512 (FIPS 180-4) in plain JavaScript, for runtimes without node:crypto: browsers and workers. Web
 * Crypto's `crypto.subtle.digest` is async and cannot be fed chunk by chunk, while parseManifest, descriptorData,
 * buildImageManifest and Digester hash synchronously and Digester hashes a stream. On Node, hash.ts uses node:crypto
 * and none of this runs. sha2.test.ts checks both against node:crypto on generated inputs and chunkings.
 * https://nvlpubs.nist.gov/nistpubs/FIPS/NIST.FIPS.180-4.pdf
 */

/** A hash fed chunk by chunk: node:crypto's `Hash`, or the classes below. */
export interface SyncHash {
  update(chunk: Uint8Array): void;
  /** The hash of everything fed, as lower-case hex. Call once, after the last update. */
  hex(): string;
}

/** The Merkle–Damgård frame both hashes share: fill blocks, compress each, pad with 0x80, zeros and the bit length. */
abstract class BlockHash implements SyncHash {
  readonly #block: Uint8Array;
  #filled = 0;
  #length = 0;

  constructor(
    private readonly blockSize: number,
    /** Bytes of the big-endian bit length at the end of the padding: 8 for SHA-256, 16 for SHA-512. */
    private readonly lengthSize: number,
  ) {
    this.#block = new Uint8Array(blockSize);
  }

  protected abstract compress(bytes: Uint8Array, at: number): void;
  protected abstract output(): string;

  update(chunk: Uint8Array): void {
    this.#length += chunk.byteLength;
    let i = 0;
    if (this.#filled > 0) {
      i = Math.min(this.blockSize - this.#filled, chunk.byteLength);
      this.#block.set(chunk.subarray(0, i), this.#filled);
      this.#filled += i;
      if (this.#filled < this.blockSize) return;
      this.compress(this.#block, 0);
      this.#filled = 0;
    }
    for (; i + this.blockSize <= chunk.byteLength; i += this.blockSize) this.compress(chunk, i);
    this.#block.set(chunk.subarray(i));
    this.#filled = chunk.byteLength - i;
  }

  hex(): string {
    const bits = BigInt(this.#length) * 8n;
    // 0x80, then zeros up to a block boundary less the length field, then the length.
    const zeros =
      (((this.blockSize - this.lengthSize - 1 - this.#filled) % this.blockSize) + this.blockSize) %
      this.blockSize;
    const pad = new Uint8Array(1 + zeros + this.lengthSize);
    pad[0] = 0x80;
    for (let i = 0; i < 16 && i < this.lengthSize; i++)
      pad[pad.length - 1 - i] = Number((bits >> BigInt(8 * i)) & 0xffn);
    this.update(pad);
    return this.output();
  }
}

/** The first 32 bits of the fractional parts of the cube roots of the first 64 primes (FIPS 180-4 §4.2.2). */
const K256 = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

/** SHA-256: 32-bit words; `| 0` and Uint32Array stores keep every sum modulo 2^32. */
export class Sha256 extends BlockHash {
  readonly #state = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  readonly #w = new Uint32Array(64);

  constructor() {
    super(64, 8);
  }

  protected compress(bytes: Uint8Array, at: number): void {
    const w = this.#w;
    for (let t = 0; t < 16; t++) {
      const j = at + 4 * t;
      w[t] = (bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!;
    }
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15]!;
      const y = w[t - 2]!;
      const s0 = rotr32(x, 7) ^ rotr32(x, 18) ^ (x >>> 3);
      const s1 = rotr32(y, 17) ^ rotr32(y, 19) ^ (y >>> 10);
      w[t] = w[t - 16]! + s0 + w[t - 7]! + s1;
    }
    const s = this.#state;
    let a = s[0]!;
    let b = s[1]!;
    let c = s[2]!;
    let d = s[3]!;
    let e = s[4]!;
    let f = s[5]!;
    let g = s[6]!;
    let h = s[7]!;
    for (let t = 0; t < 64; t++) {
      const t1 =
        (h + (rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25)) + ((e & f) ^ (~e & g)) + K256[t]! + w[t]!) | 0;
      const t2 = ((rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    s[0] = s[0]! + a;
    s[1] = s[1]! + b;
    s[2] = s[2]! + c;
    s[3] = s[3]! + d;
    s[4] = s[4]! + e;
    s[5] = s[5]! + f;
    s[6] = s[6]! + g;
    s[7] = s[7]! + h;
  }

  protected output(): string {
    return Array.from(this.#state, (word) => word.toString(16).padStart(8, "0")).join("");
  }
}

function rotr32(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}

/** The first 64 bits of the fractional parts of the cube roots of the first 80 primes (FIPS 180-4 §4.2.3). */
const K512 = new BigUint64Array([
  0x428a2f98d728ae22n,
  0x7137449123ef65cdn,
  0xb5c0fbcfec4d3b2fn,
  0xe9b5dba58189dbbcn,
  0x3956c25bf348b538n,
  0x59f111f1b605d019n,
  0x923f82a4af194f9bn,
  0xab1c5ed5da6d8118n,
  0xd807aa98a3030242n,
  0x12835b0145706fben,
  0x243185be4ee4b28cn,
  0x550c7dc3d5ffb4e2n,
  0x72be5d74f27b896fn,
  0x80deb1fe3b1696b1n,
  0x9bdc06a725c71235n,
  0xc19bf174cf692694n,
  0xe49b69c19ef14ad2n,
  0xefbe4786384f25e3n,
  0x0fc19dc68b8cd5b5n,
  0x240ca1cc77ac9c65n,
  0x2de92c6f592b0275n,
  0x4a7484aa6ea6e483n,
  0x5cb0a9dcbd41fbd4n,
  0x76f988da831153b5n,
  0x983e5152ee66dfabn,
  0xa831c66d2db43210n,
  0xb00327c898fb213fn,
  0xbf597fc7beef0ee4n,
  0xc6e00bf33da88fc2n,
  0xd5a79147930aa725n,
  0x06ca6351e003826fn,
  0x142929670a0e6e70n,
  0x27b70a8546d22ffcn,
  0x2e1b21385c26c926n,
  0x4d2c6dfc5ac42aedn,
  0x53380d139d95b3dfn,
  0x650a73548baf63den,
  0x766a0abb3c77b2a8n,
  0x81c2c92e47edaee6n,
  0x92722c851482353bn,
  0xa2bfe8a14cf10364n,
  0xa81a664bbc423001n,
  0xc24b8b70d0f89791n,
  0xc76c51a30654be30n,
  0xd192e819d6ef5218n,
  0xd69906245565a910n,
  0xf40e35855771202an,
  0x106aa07032bbd1b8n,
  0x19a4c116b8d2d0c8n,
  0x1e376c085141ab53n,
  0x2748774cdf8eeb99n,
  0x34b0bcb5e19b48a8n,
  0x391c0cb3c5c95a63n,
  0x4ed8aa4ae3418acbn,
  0x5b9cca4f7763e373n,
  0x682e6ff3d6b2b8a3n,
  0x748f82ee5defb2fcn,
  0x78a5636f43172f60n,
  0x84c87814a1f0ab72n,
  0x8cc702081a6439ecn,
  0x90befffa23631e28n,
  0xa4506cebde82bde9n,
  0xbef9a3f7b2c67915n,
  0xc67178f2e372532bn,
  0xca273eceea26619cn,
  0xd186b8c721c0c207n,
  0xeada7dd6cde0eb1en,
  0xf57d4f7fee6ed178n,
  0x06f067aa72176fban,
  0x0a637dc5a2c898a6n,
  0x113f9804bef90daen,
  0x1b710b35131c471bn,
  0x28db77f523047d84n,
  0x32caab7b40c72493n,
  0x3c9ebe0a15c9bebcn,
  0x431d67c49c100d4cn,
  0x4cc5d4becb3e42b6n,
  0x597f299cfc657e2an,
  0x5fcb6fab3ad6faecn,
  0x6c44198c4a475817n,
]);

const MASK64 = 0xffffffffffffffffn;

/**
 * SHA-512 on BigInt words: simple and exact, but slower than the 32-bit SHA-256 above. Registries address content by
 * sha256; sha512 is the rare case, and `computeDigestAsync` (Web Crypto) is there for large content in a browser.
 */
export class Sha512 extends BlockHash {
  readonly #state = new BigUint64Array([
    0x6a09e667f3bcc908n,
    0xbb67ae8584caa73bn,
    0x3c6ef372fe94f82bn,
    0xa54ff53a5f1d36f1n,
    0x510e527fade682d1n,
    0x9b05688c2b3e6c1fn,
    0x1f83d9abfb41bd6bn,
    0x5be0cd19137e2179n,
  ]);
  readonly #w = new BigUint64Array(80);

  constructor() {
    super(128, 16);
  }

  protected compress(bytes: Uint8Array, at: number): void {
    const w = this.#w;
    for (let t = 0; t < 16; t++) {
      const j = at + 8 * t;
      const hi = ((bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!) >>> 0;
      const lo = ((bytes[j + 4]! << 24) | (bytes[j + 5]! << 16) | (bytes[j + 6]! << 8) | bytes[j + 7]!) >>> 0;
      w[t] = (BigInt(hi) << 32n) | BigInt(lo);
    }
    for (let t = 16; t < 80; t++) {
      const x = w[t - 15]!;
      const y = w[t - 2]!;
      const s0 = rotr64(x, 1n) ^ rotr64(x, 8n) ^ (x >> 7n);
      const s1 = rotr64(y, 19n) ^ rotr64(y, 61n) ^ (y >> 6n);
      w[t] = BigInt.asUintN(64, w[t - 16]! + s0 + w[t - 7]! + s1);
    }
    const s = this.#state;
    let a = s[0]!;
    let b = s[1]!;
    let c = s[2]!;
    let d = s[3]!;
    let e = s[4]!;
    let f = s[5]!;
    let g = s[6]!;
    let h = s[7]!;
    for (let t = 0; t < 80; t++) {
      const t1 = BigInt.asUintN(
        64,
        h + (rotr64(e, 14n) ^ rotr64(e, 18n) ^ rotr64(e, 41n)) + ((e & f) ^ (~e & g)) + K512[t]! + w[t]!,
      );
      const t2 = BigInt.asUintN(
        64,
        (rotr64(a, 28n) ^ rotr64(a, 34n) ^ rotr64(a, 39n)) + ((a & b) ^ (a & c) ^ (b & c)),
      );
      h = g;
      g = f;
      f = e;
      e = BigInt.asUintN(64, d + t1);
      d = c;
      c = b;
      b = a;
      a = BigInt.asUintN(64, t1 + t2);
    }
    s[0] = s[0]! + a;
    s[1] = s[1]! + b;
    s[2] = s[2]! + c;
    s[3] = s[3]! + d;
    s[4] = s[4]! + e;
    s[5] = s[5]! + f;
    s[6] = s[6]! + g;
    s[7] = s[7]! + h;
  }

  protected output(): string {
    return Array.from(this.#state, (word) => word.toString(16).padStart(16, "0")).join("");
  }
}

function rotr64(x: bigint, n: bigint): bigint {
  return ((x >> n) | (x << (64n - n))) & MASK64;
}
