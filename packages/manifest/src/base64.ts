/**
 * Base64 without Node's `Buffer`, so that the package runs in a browser. Callers check the text against their
 * alphabet first (descriptor `data` is base64, schema 1 signatures are base64url); for such text this decodes exactly
 * as `Buffer.from(text, "base64")` does: either alphabet, padding optional, a trailing partial byte dropped.
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** The bytes `text` encodes; `-` and `_` (base64url) count as `+` and `/`. */
export function decodeBase64(text: string): Uint8Array {
  const body = text.replace(/=+$/, "");
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let value = 0;
  let bits = 0;
  let j = 0;
  for (const ch of body) {
    value = ((value << 6) | ALPHABET.indexOf(ch === "-" ? "+" : ch === "_" ? "/" : ch)) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = value >> bits;
    }
  }
  return out;
}

/** Whether two byte arrays hold the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i]);
}
