import { decodeBase64 } from "./base64.js";

/**
 * base64url without padding (RFC 7515 §2, "Base64url Encoding"), the encoding of every JWS part and JWK member.
 * https://www.rfc-editor.org/rfc/rfc7515#section-2
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** `bytes` as unpadded base64url (libtrust's joseBase64UrlEncode). */
export function encodeBase64Url(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let j = 0; j < chars; j++) out += ALPHABET[(n >> (18 - 6 * j)) & 63];
  }
  return out;
}

/**
 * The bytes of unpadded base64url `text` (trailing `=` tolerated), or undefined when it is not base64url: libtrust's
 * joseBase64UrlDecode refuses a length of 1 mod 4 too.
 */
export function decodeBase64Url(text: string): Uint8Array | undefined {
  const body = text.replace(/=+$/, "");
  if (!BASE64URL.test(body) || body.length % 4 === 1) return undefined;
  return decodeBase64(body);
}
