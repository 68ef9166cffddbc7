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
const K256 = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

/** SHA-256: 32-bit words, kept as int32 (`| 0`, Int32Array stores) so that every sum is modulo 2^32 and stays fast. */
export class Sha256 extends BlockHash {
  readonly #state = new Int32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  readonly #w = new Int32Array(64);

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
    return Array.from(this.#state, (word) => (word >>> 0).toString(16).padStart(8, "0")).join("");
  }
}

function rotr32(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}

/**
 * The first 64 bits of the fractional parts of the cube roots of the first 80 primes (FIPS 180-4 §4.2.3), each as its
 * high and low 32 bits.
 */
const K512 = new Int32Array([
  0x428a2f98, 0xd728ae22, 0x71374491, 0x23ef65cd, 0xb5c0fbcf, 0xec4d3b2f, 0xe9b5dba5, 0x8189dbbc, 0x3956c25b,
  0xf348b538, 0x59f111f1, 0xb605d019, 0x923f82a4, 0xaf194f9b, 0xab1c5ed5, 0xda6d8118, 0xd807aa98, 0xa3030242,
  0x12835b01, 0x45706fbe, 0x243185be, 0x4ee4b28c, 0x550c7dc3, 0xd5ffb4e2, 0x72be5d74, 0xf27b896f, 0x80deb1fe,
  0x3b1696b1, 0x9bdc06a7, 0x25c71235, 0xc19bf174, 0xcf692694, 0xe49b69c1, 0x9ef14ad2, 0xefbe4786, 0x384f25e3,
  0x0fc19dc6, 0x8b8cd5b5, 0x240ca1cc, 0x77ac9c65, 0x2de92c6f, 0x592b0275, 0x4a7484aa, 0x6ea6e483, 0x5cb0a9dc,
  0xbd41fbd4, 0x76f988da, 0x831153b5, 0x983e5152, 0xee66dfab, 0xa831c66d, 0x2db43210, 0xb00327c8, 0x98fb213f,
  0xbf597fc7, 0xbeef0ee4, 0xc6e00bf3, 0x3da88fc2, 0xd5a79147, 0x930aa725, 0x06ca6351, 0xe003826f, 0x14292967,
  0x0a0e6e70, 0x27b70a85, 0x46d22ffc, 0x2e1b2138, 0x5c26c926, 0x4d2c6dfc, 0x5ac42aed, 0x53380d13, 0x9d95b3df,
  0x650a7354, 0x8baf63de, 0x766a0abb, 0x3c77b2a8, 0x81c2c92e, 0x47edaee6, 0x92722c85, 0x1482353b, 0xa2bfe8a1,
  0x4cf10364, 0xa81a664b, 0xbc423001, 0xc24b8b70, 0xd0f89791, 0xc76c51a3, 0x0654be30, 0xd192e819, 0xd6ef5218,
  0xd6990624, 0x5565a910, 0xf40e3585, 0x5771202a, 0x106aa070, 0x32bbd1b8, 0x19a4c116, 0xb8d2d0c8, 0x1e376c08,
  0x5141ab53, 0x2748774c, 0xdf8eeb99, 0x34b0bcb5, 0xe19b48a8, 0x391c0cb3, 0xc5c95a63, 0x4ed8aa4a, 0xe3418acb,
  0x5b9cca4f, 0x7763e373, 0x682e6ff3, 0xd6b2b8a3, 0x748f82ee, 0x5defb2fc, 0x78a5636f, 0x43172f60, 0x84c87814,
  0xa1f0ab72, 0x8cc70208, 0x1a6439ec, 0x90befffa, 0x23631e28, 0xa4506ceb, 0xde82bde9, 0xbef9a3f7, 0xb2c67915,
  0xc67178f2, 0xe372532b, 0xca273ece, 0xea26619c, 0xd186b8c7, 0x21c0c207, 0xeada7dd6, 0xcde0eb1e, 0xf57d4f7f,
  0xee6ed178, 0x06f067aa, 0x72176fba, 0x0a637dc5, 0xa2c898a6, 0x113f9804, 0xbef90dae, 0x1b710b35, 0x131c471b,
  0x28db77f5, 0x23047d84, 0x32caab7b, 0x40c72493, 0x3c9ebe0a, 0x15c9bebc, 0x431d67c4, 0x9c100d4c, 0x4cc5d4be,
  0xcb3e42b6, 0x597f299c, 0xfc657e2a, 0x5fcb6fab, 0x3ad6faec, 0x6c44198c, 0x4a475817,
]);

/**
 * SHA-512 on pairs of 32-bit halves (`…h` high, `…l` low), since JavaScript has no 64-bit integers but BigInt, which
 * was fourteen times slower here (0.3 against 4.2 MB/s). A 64-bit sum adds the low halves as unsigned numbers (exact
 * in a double) and carries what passes 2^32 into the high half.
 */
export class Sha512 extends BlockHash {
  readonly #state = new Int32Array([
    0x6a09e667, 0xf3bcc908, 0xbb67ae85, 0x84caa73b, 0x3c6ef372, 0xfe94f82b, 0xa54ff53a, 0x5f1d36f1,
    0x510e527f, 0xade682d1, 0x9b05688c, 0x2b3e6c1f, 0x1f83d9ab, 0xfb41bd6b, 0x5be0cd19, 0x137e2179,
  ]);
  readonly #w = new Int32Array(160);

  constructor() {
    super(128, 16);
  }

  protected compress(bytes: Uint8Array, at: number): void {
    const w = this.#w;
    for (let i = 0; i < 32; i++) {
      const j = at + 4 * i;
      w[i] = (bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!;
    }
    for (let t = 16; t < 80; t++) {
      const xh = w[2 * (t - 15)]!;
      const xl = w[2 * (t - 15) + 1]!;
      const s0h = rotrH(xh, xl, 1) ^ rotrH(xh, xl, 8) ^ (xh >>> 7);
      const s0l = rotrL(xh, xl, 1) ^ rotrL(xh, xl, 8) ^ ((xl >>> 7) | (xh << 25));
      const yh = w[2 * (t - 2)]!;
      const yl = w[2 * (t - 2) + 1]!;
      const s1h = rotrH(yh, yl, 19) ^ rotrH(yh, yl, 61) ^ (yh >>> 6);
      const s1l = rotrL(yh, yl, 19) ^ rotrL(yh, yl, 61) ^ ((yl >>> 6) | (yh << 26));
      const lo = (s0l >>> 0) + (s1l >>> 0) + (w[2 * (t - 7) + 1]! >>> 0) + (w[2 * (t - 16) + 1]! >>> 0);
      w[2 * t] = s0h + s1h + w[2 * (t - 7)]! + w[2 * (t - 16)]! + carry(lo);
      w[2 * t + 1] = lo;
    }
    const s = this.#state;
    let ah = s[0]!;
    let al = s[1]!;
    let bh = s[2]!;
    let bl = s[3]!;
    let ch = s[4]!;
    let cl = s[5]!;
    let dh = s[6]!;
    let dl = s[7]!;
    let eh = s[8]!;
    let el = s[9]!;
    let fh = s[10]!;
    let fl = s[11]!;
    let gh = s[12]!;
    let gl = s[13]!;
    let hh = s[14]!;
    let hl = s[15]!;
    for (let t = 0; t < 80; t++) {
      const sigma1h = rotrH(eh, el, 14) ^ rotrH(eh, el, 18) ^ rotrH(eh, el, 41);
      const sigma1l = rotrL(eh, el, 14) ^ rotrL(eh, el, 18) ^ rotrL(eh, el, 41);
      const chooseH = (eh & fh) ^ (~eh & gh);
      const chooseL = (el & fl) ^ (~el & gl);
      const t1lo =
        (hl >>> 0) + (sigma1l >>> 0) + (chooseL >>> 0) + (K512[2 * t + 1]! >>> 0) + (w[2 * t + 1]! >>> 0);
      const t1h = (hh + sigma1h + chooseH + K512[2 * t]! + w[2 * t]! + carry(t1lo)) | 0;
      const t1l = t1lo | 0;
      const sigma0h = rotrH(ah, al, 28) ^ rotrH(ah, al, 34) ^ rotrH(ah, al, 39);
      const sigma0l = rotrL(ah, al, 28) ^ rotrL(ah, al, 34) ^ rotrL(ah, al, 39);
      const majorityH = (ah & bh) ^ (ah & ch) ^ (bh & ch);
      const majorityL = (al & bl) ^ (al & cl) ^ (bl & cl);
      const t2lo = (sigma0l >>> 0) + (majorityL >>> 0);
      const t2h = (sigma0h + majorityH + carry(t2lo)) | 0;
      const t2l = t2lo | 0;
      hh = gh;
      hl = gl;
      gh = fh;
      gl = fl;
      fh = eh;
      fl = el;
      const elo = (dl >>> 0) + (t1l >>> 0);
      eh = (dh + t1h + carry(elo)) | 0;
      el = elo | 0;
      dh = ch;
      dl = cl;
      ch = bh;
      cl = bl;
      bh = ah;
      bl = al;
      const alo = (t1l >>> 0) + (t2l >>> 0);
      ah = (t1h + t2h + carry(alo)) | 0;
      al = alo | 0;
    }
    add64(s, 0, ah, al);
    add64(s, 2, bh, bl);
    add64(s, 4, ch, cl);
    add64(s, 6, dh, dl);
    add64(s, 8, eh, el);
    add64(s, 10, fh, fl);
    add64(s, 12, gh, gl);
    add64(s, 14, hh, hl);
  }

  protected output(): string {
    return Array.from(this.#state, (word) => (word >>> 0).toString(16).padStart(8, "0")).join("");
  }
}

/** What a sum of unsigned 32-bit halves carries into the high half. */
function carry(sum: number): number {
  return (sum / 0x100000000) | 0;
}

/** High half of a 64-bit rotation right by `n` (never 0 or 32 here). */
function rotrH(h: number, l: number, n: number): number {
  return n < 32 ? (h >>> n) | (l << (32 - n)) : (l >>> (n - 32)) | (h << (64 - n));
}

/** Low half of a 64-bit rotation right by `n` (never 0 or 32 here). */
function rotrL(h: number, l: number, n: number): number {
  return n < 32 ? (l >>> n) | (h << (32 - n)) : (h >>> (n - 32)) | (l << (64 - n));
}

/** Adds the 64-bit value `h:l` into `state` at `i` (high) and `i + 1` (low); Int32Array stores wrap modulo 2^32. */
function add64(state: Int32Array, i: number, h: number, l: number): void {
  const lo = (state[i + 1]! >>> 0) + (l >>> 0);
  state[i] = state[i]! + h + carry(lo);
  state[i + 1] = lo;
}
