import { quoteText, UsageError } from "@regatta/errors";
import { decodeBase64Url } from "./base64url.js";
import { computeDigest } from "./compute-digest.js";

/**
 * libtrust keys as JWKs (RFC 7517), the form docker daemons keep in `key.json` and signatures carry in their header.
 * Crypto goes through Web Crypto (`crypto.subtle`), on Node and in a browser alike, so this package keeps no `node:`
 * import. https://github.com/docker/libtrust/blob/master/ec_key.go, rsa_key.go
 */

/** An elliptic-curve curve libtrust signs with. */
export type Schema1Curve = "P-256" | "P-384" | "P-521";

/** A public key as a libtrust signature header carries it. */
export type Schema1PublicKey =
  | { kty: "EC"; crv: Schema1Curve; x: string; y: string; kid?: string }
  | { kty: "RSA"; n: string; e: string; kid?: string };

/** A private key that can sign: an EC JWK with `d`, or an RSA JWK with `d`, `p`, `q`, `dp`, `dq`, `qi`. */
export type Schema1PrivateKey =
  | { kty: "EC"; crv: Schema1Curve; x: string; y: string; d: string; kid?: string }
  | {
      kty: "RSA";
      n: string;
      e: string;
      d: string;
      p: string;
      q: string;
      dp: string;
      dq: string;
      qi: string;
      kid?: string;
    };

/** The JWS algorithm a libtrust signature names. */
export type Schema1Algorithm = "ES256" | "ES384" | "ES512" | "RS256" | "RS384" | "RS512";

const CURVES: Record<Schema1Curve, { bytes: number; alg: Schema1Algorithm; hash: string }> = {
  "P-256": { bytes: 32, alg: "ES256", hash: "SHA-256" },
  "P-384": { bytes: 48, alg: "ES384", hash: "SHA-384" },
  "P-521": { bytes: 66, alg: "ES512", hash: "SHA-512" },
};

const RSA_HASHES: Record<string, string> = { RS256: "SHA-256", RS384: "SHA-384", RS512: "SHA-512" };

/** The part of Web Crypto's SubtleCrypto used here (the package is built without the DOM types). */
export interface Subtle {
  importKey(
    format: "jwk",
    key: object,
    algorithm: object,
    extractable: boolean,
    usages: string[],
  ): Promise<unknown>;
  sign(algorithm: object, key: unknown, data: Uint8Array): Promise<ArrayBuffer>;
  verify(algorithm: object, key: unknown, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
  generateKey(algorithm: object, extractable: boolean, usages: string[]): Promise<{ privateKey: unknown }>;
  exportKey(format: "jwk", key: unknown): Promise<Record<string, unknown>>;
}

/** Web Crypto, or a clear error where there is none (a page served over plain http is not a secure context). */
export function subtle(): Subtle {
  const found = (globalThis as unknown as { crypto?: { subtle?: Subtle } }).crypto?.subtle;
  if (!found)
    throw new UsageError("signing and verifying schema 1 manifests needs Web Crypto (crypto.subtle)");
  return found;
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/**
 * libtrust's key ID: SHA-256 of the key's DER SubjectPublicKeyInfo (`x509.MarshalPKIXPublicKey`), truncated to 240
 * bits, base32 in 12 groups of 4 (`BMQ5:5OIV:…:KUUA`). libtrust refuses a JWK whose `kid` differs.
 * https://github.com/docker/libtrust/blob/master/util.go (keyIDFromCryptoKey)
 */
export function libtrustKeyId(key: Schema1PublicKey): string {
  const hex = computeDigest(subjectPublicKeyInfo(key)).slice("sha256:".length, "sha256:".length + 60);
  let bits = "";
  for (let i = 0; i < hex.length; i += 2)
    bits += Number.parseInt(hex.slice(i, i + 2), 16)
      .toString(2)
      .padStart(8, "0");
  let encoded = "";
  for (let i = 0; i < bits.length; i += 5) encoded += BASE32[Number.parseInt(bits.slice(i, i + 5), 2)];
  return encoded.match(/.{4}/g)!.join(":");
}

/** AlgorithmIdentifier of an EC key on each curve: id-ecPublicKey with the curve's OID (RFC 5480). */
const EC_ALGORITHM: Record<Schema1Curve, string> = {
  "P-256": "301306072a8648ce3d020106082a8648ce3d030107",
  "P-384": "301006072a8648ce3d020106052b81040022",
  "P-521": "301006072a8648ce3d020106052b81040023",
};
/** AlgorithmIdentifier of rsaEncryption with NULL parameters (RFC 3279). */
const RSA_ALGORITHM = "300d06092a864886f70d0101010500";

/** The DER SubjectPublicKeyInfo of a key (RFC 5280 §4.1.2.7), as Go's x509.MarshalPKIXPublicKey writes it. */
function subjectPublicKeyInfo(key: Schema1PublicKey): Uint8Array {
  const bitString = (content: Uint8Array) => der(0x03, concat(new Uint8Array([0]), content));
  if (key.kty === "EC") {
    const point = concat(new Uint8Array([4]), member(key.x, "x"), member(key.y, "y"));
    return der(0x30, concat(fromHex(EC_ALGORITHM[key.crv]), bitString(point)));
  }
  const integer = (bytes: Uint8Array) => {
    const trimmed = trimZeros(bytes);
    return der(
      0x02,
      trimmed.length === 0 || trimmed[0]! & 0x80 ? concat(new Uint8Array([0]), trimmed) : trimmed,
    );
  };
  const rsaKey = der(0x30, concat(integer(member(key.n, "n")), integer(member(key.e, "e"))));
  return der(0x30, concat(fromHex(RSA_ALGORITHM), bitString(rsaKey)));
}

function der(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const length =
    n < 0x80
      ? [n]
      : n < 0x100
        ? [0x81, n]
        : n < 0x10000
          ? [0x82, n >> 8, n & 0xff]
          : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return concat(new Uint8Array([tag, ...length]), content);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function fromHex(hex: string): Uint8Array {
  return new Uint8Array(hex.match(/../g)!.map((h) => Number.parseInt(h, 16)));
}

/** The public half of a key, as libtrust writes it in a signature header: members sorted, with its `kid`. */
export function schema1PublicKey(key: Schema1PublicKey | Schema1PrivateKey): Schema1PublicKey {
  const checked = checkPublicKey(key);
  const kid = libtrustKeyId(checked);
  // Go writes the JWK from a map, so its members come sorted: crv, kid, kty, x, y / e, kid, kty, n.
  return checked.kty === "EC"
    ? { crv: checked.crv, kid, kty: "EC", x: checked.x, y: checked.y }
    : ({ e: checked.e, kid, kty: "RSA", n: checked.n } as Schema1PublicKey);
}

/** The algorithm a key signs with: ES256/ES384/ES512 by curve, RS256 for RSA (libtrust signs with SHA-256). */
export function schema1Algorithm(key: Schema1PublicKey): Schema1Algorithm {
  return key.kty === "EC" ? CURVES[key.crv].alg : "RS256";
}

/**
 * Checks a JWK read from a file (`key.json`, as docker daemons keep it) and returns it as a signing key.
 * @throws UsageError saying what is wrong with it.
 */
export function schema1PrivateKey(value: unknown): Schema1PrivateKey {
  const key = checkPublicKey(value) as Record<string, unknown>;
  const names = key.kty === "EC" ? ["d"] : ["d", "p", "q", "dp", "dq", "qi"];
  for (const name of names) member(key[name], name, "the signing key");
  const kid = key.kid;
  if (kid !== undefined && kid !== libtrustKeyId(key as Schema1PublicKey)) {
    throw new UsageError(`the signing key's kid ${quoteText(kid)} is not the libtrust ID of its public key`);
  }
  return key as unknown as Schema1PrivateKey;
}

/** A new private key (EC P-256 by default, as docker daemons and distribution generate them), with its `kid`. */
export async function generateSchema1Key(curve: Schema1Curve = "P-256"): Promise<Schema1PrivateKey> {
  const api = subtle();
  const { privateKey } = await api.generateKey({ name: "ECDSA", namedCurve: curve }, true, ["sign"]);
  const jwk = await api.exportKey("jwk", privateKey);
  const key = { kty: "EC", crv: curve, x: jwk.x, y: jwk.y, d: jwk.d } as Schema1PrivateKey;
  return { ...schema1PublicKey(key), d: jwk.d } as Schema1PrivateKey;
}

/** Signs `data` as libtrust does: ECDSA with the curve's hash, r||s (JOSE form); RSA PKCS#1 v1.5 with SHA-256. */
export async function signWithKey(key: Schema1PrivateKey, data: Uint8Array): Promise<Uint8Array> {
  const api = subtle();
  const { kid: _kid, ...jwk } = key;
  if (key.kty === "EC") {
    const curve = CURVES[key.crv];
    const handle = await api.importKey("jwk", jwk, { name: "ECDSA", namedCurve: key.crv }, false, ["sign"]);
    return new Uint8Array(await api.sign({ name: "ECDSA", hash: curve.hash }, handle, data));
  }
  const handle = await api.importKey("jwk", jwk, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return new Uint8Array(await api.sign({ name: "RSASSA-PKCS1-v1_5" }, handle, data));
}

/**
 * Whether `signature` over `data` verifies with `key` under `alg`. An EC key verifies only the algorithm of its curve
 * and only an r||s of twice the curve's size, as libtrust's ecPublicKey.Verify requires. Returns a reason when not.
 */
export async function verifyWithKey(
  key: Schema1PublicKey,
  alg: string,
  signature: Uint8Array,
  data: Uint8Array,
): Promise<string | undefined> {
  const api = subtle();
  if (key.kty === "EC") {
    const curve = CURVES[key.crv];
    if (alg !== curve.alg) return `an ${key.crv} key signs ${curve.alg}, not ${alg}`;
    if (signature.length !== 2 * curve.bytes) {
      return `the signature is ${signature.length} bytes, an ${curve.alg} one is ${2 * curve.bytes}`;
    }
    const handle = await api.importKey(
      "jwk",
      { kty: "EC", crv: key.crv, x: key.x, y: key.y },
      { name: "ECDSA", namedCurve: key.crv },
      false,
      ["verify"],
    );
    const ok = await api.verify({ name: "ECDSA", hash: curve.hash }, handle, signature, data);
    return ok ? undefined : "the signature does not match";
  }
  const hash = RSA_HASHES[alg];
  if (!hash) return `an RSA key signs RS256, RS384 or RS512, not ${alg}`;
  const handle = await api.importKey(
    "jwk",
    { kty: "RSA", n: key.n, e: key.e },
    { name: "RSASSA-PKCS1-v1_5", hash },
    false,
    ["verify"],
  );
  const ok = await api.verify({ name: "RSASSA-PKCS1-v1_5" }, handle, signature, data);
  return ok ? undefined : "the signature does not match";
}

/**
 * Checks the public members of a JWK: `kty` EC with a supported `crv` and `x`/`y` of the curve's size (libtrust
 * refuses other sizes), or RSA with `n` and `e`.
 * @throws UsageError naming what is wrong.
 */
export function checkPublicKey(value: unknown, what = "the signing key"): Schema1PublicKey {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`${what} is not a JWK object`);
  }
  const key = value as Record<string, unknown>;
  if (key.kty === "EC") {
    const curve = CURVES[key.crv as Schema1Curve];
    if (!curve || !Object.hasOwn(CURVES, key.crv as string)) {
      throw new UsageError(
        `${what} is on curve ${quoteText(key.crv)}; libtrust signs with P-256, P-384 or P-521`,
      );
    }
    for (const name of ["x", "y"]) {
      if (member(key[name], name, what).length !== curve.bytes) {
        throw new UsageError(`${what}'s ${name} must be ${curve.bytes} bytes for ${key.crv as string}`);
      }
    }
    return key as Schema1PublicKey;
  }
  if (key.kty === "RSA") {
    member(key.n, "n", what);
    member(key.e, "e", what);
    return key as Schema1PublicKey;
  }
  throw new UsageError(`${what} has kty ${quoteText(key.kty)}; libtrust keys are EC or RSA`);
}

function member(value: unknown, name: string, what = "the key"): Uint8Array {
  const bytes = typeof value === "string" ? decodeBase64Url(value) : undefined;
  if (!bytes || bytes.length === 0) throw new UsageError(`${what}'s ${name} is not a base64url string`);
  return bytes;
}

function trimZeros(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  return bytes.subarray(i);
}
