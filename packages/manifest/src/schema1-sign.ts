import { InvalidManifestError, quoteText, SignatureError, type UsageError } from "@regatta/errors";
import { decodeBase64 } from "./base64.js";
import { decodeBase64Url, encodeBase64Url } from "./base64url.js";
import { computeDigest } from "./compute-digest.js";
import { compareUtf8, type GoJsonValue, goMarshal, goMarshalIndent } from "./go-json.js";
import { isJsonObject, type JsonObject, parseJsonObject } from "./json-checks.js";
import { checkSchema1, schema1Payload } from "./schema1.js";
import {
  checkPublicKey,
  libtrustKeyId,
  type Schema1PrivateKey,
  type Schema1PublicKey,
  schema1Algorithm,
  schema1PublicKey,
  signWithKey,
  subtle,
  verifyWithKey,
} from "./schema1-key.js";

/*
 * libtrust's "pretty JWS" for schema 1 manifests, byte for byte: the JWS payload is the manifest without its
 * `signatures` key; each signature's protected header records how to rebuild that payload from the final document
 * (`formatLength` bytes, then the base64url `formatTail`); the final document is the payload cut at formatLength with
 * `"signatures": [...]` spliced in, indented as the payload is. https://github.com/docker/libtrust/blob/master/jsonsign.go
 * (NewJSONSignature, Sign, PrettySignature, ParsePrettySignature, Verify)
 */

/** Options of {@link signSchema1}. */
export interface SignSchema1Options {
  /** The `time` of the protected header. Default now (libtrust: `time.Now().UTC()`, RFC 3339 to the second). */
  time?: Date;
}

/** One signature {@link verifySchema1} checked. */
export interface VerifiedSchema1Signature {
  /** The libtrust key ID of the key that signed (`BMQ5:5OIV:…`). */
  keyId: string;
  /** `ES256`, `ES384`, `ES512`, `RS256`… */
  alg: string;
  /** The public key, from the header's `jwk` or the first certificate of its `x5c` chain. */
  key: Schema1PublicKey;
  /** The header's `x5c` chain (base64 DER), when the key came from it. Not checked against any trust root. */
  chain?: string[];
}

/** What {@link verifySchema1} found. */
export interface VerifiedSchema1 {
  /** The JWS payload: the manifest without its signatures. */
  payload: Uint8Array;
  /** The digest registries address the manifest by: sha256 of the payload. */
  digest: string;
  /** The signatures, all verified; empty for an unsigned manifest. */
  signatures: VerifiedSchema1Signature[];
}

const WHAT = "schema 1 manifest";

/**
 * Signs a schema 1 manifest as libtrust does (docker's and distribution's `schema1.Sign`), adding to the signatures it
 * already has: `manifest` is an unsigned payload (e.g. from {@link buildSchema1}) or a signed manifest, whose payload
 * is signed again. Returns the final `+prettyjws` bytes; their digest is the payload's, whoever signs.
 * @throws InvalidManifestError when `manifest` is not a schema 1 manifest libtrust can sign; UsageError for a bad key.
 */
export async function signSchema1(
  manifest: Uint8Array,
  key: Schema1PrivateKey,
  options: SignSchema1Options = {},
): Promise<Uint8Array> {
  const body = parseJsonObject(manifest, WHAT);
  const payload = schema1Payload(manifest, body);
  checkSchema1(payload === manifest ? body : parseJsonObject(payload, WHAT), WHAT);
  const existing = Array.isArray(body.signatures) ? body.signatures.map(normalizeSignature) : [];
  const { formatLength, formatTail } = formatOf(payload);
  const time = (options.time ?? new Date()).toISOString().replace(/\.\d+Z$/, "Z");
  // json.Marshal of a map: keys sorted.
  const protectedHeader = encodeBase64Url(
    new TextEncoder().encode(goMarshal({ formatLength, formatTail: encodeBase64Url(formatTail), time })),
  );
  const signature = await signWithKey(key, signingInput(protectedHeader, payload));
  const jwk = schema1PublicKey(key);
  const added: JsonObject = {
    header: { jwk, alg: schema1Algorithm(jwk) },
    signature: encodeBase64Url(signature),
    protected: protectedHeader,
  };
  return prettySignature(payload, formatLength, [...existing, added]);
}

/**
 * Verifies every signature of a schema 1 manifest as libtrust's `Verify` does: the payload is rebuilt from
 * `formatLength`/`formatTail`, and each signature must verify over `protected + "." + base64url(payload)` with the
 * key its header carries (`jwk`, or the first certificate of `x5c`; the chain itself is not checked, as libtrust does
 * not). A `kid` must be the key's libtrust ID. An unsigned manifest verifies with no signatures.
 * @throws SignatureError naming the signature and why; InvalidManifestError when the signatures are malformed JSON.
 */
export async function verifySchema1(manifest: Uint8Array): Promise<VerifiedSchema1> {
  const body = parseJsonObject(manifest, WHAT);
  const payload = schema1Payload(manifest, body);
  const digest = computeDigest(payload);
  const signatures = payload === manifest ? [] : (body.signatures as unknown[]);
  const checked: VerifiedSchema1Signature[] = [];
  for (const [i, raw] of signatures.entries()) {
    const label = signatures.length === 1 ? "the signature" : `signature ${i + 1} of ${signatures.length}`;
    const fail = (reason: string): never => {
      throw new SignatureError(
        `${WHAT} ${digest}: ${label} does not verify: ${reason}. The manifest was changed after it was signed, or ` +
          "the signature is corrupt: fetch it again from where it was pushed, or sign it again",
      );
    };
    const sig = raw as JsonObject; // schema1Payload checked it is an object with a protected header
    const header = sig.header;
    if (!isJsonObject(header)) return fail("it has no header");
    if (typeof header.alg !== "string") return fail("its header names no alg");
    const x5c = header.x5c;
    let key: Schema1PublicKey;
    let chain: string[] | undefined;
    if (Array.isArray(x5c) && x5c.length > 0) {
      if (!x5c.every((c) => typeof c === "string")) return fail("its x5c is not an array of base64 strings");
      chain = x5c as string[];
      key = await certificateKey(chain[0]!, header.alg).catch((e: Error) => fail(e.message));
    } else if (header.jwk !== undefined) {
      try {
        key = checkPublicKey(header.jwk, "its jwk");
      } catch (error) {
        return fail((error as Error).message);
      }
      const kid = (header.jwk as JsonObject).kid;
      if (kid !== undefined && kid !== libtrustKeyId(key)) {
        return fail(`its jwk's kid ${quoteText(kid)} is not the ID of the key it holds`);
      }
    } else return fail("its header carries no key (neither jwk nor x5c)");
    const bytes = typeof sig.signature === "string" ? decodeBase64Url(sig.signature) : undefined;
    if (!bytes) return fail("its signature is not base64url");
    const keyId = libtrustKeyId(key);
    const reason = await verifyWithKey(
      key,
      header.alg,
      bytes,
      signingInput(sig.protected as string, payload),
    );
    if (reason) fail(`key ${keyId}, ${header.alg}: ${reason}`);
    checked.push({ keyId, alg: header.alg, key, ...(chain ? { chain } : {}) });
  }
  return { payload, digest, signatures: checked };
}

/**
 * The final document libtrust's PrettySignature makes of a payload and signatures (as found in a manifest: `header`,
 * `signature`, `protected`): for putting signatures made elsewhere on a payload. Nothing is verified.
 */
export function attachSchema1Signatures(payload: Uint8Array, signatures: readonly unknown[]): Uint8Array {
  return prettySignature(payload, formatOf(payload).formatLength, signatures.map(normalizeSignature));
}

/** JWS signing input: `BASE64URL(protected) || '.' || BASE64URL(payload)` (RFC 7515 §5.1). */
function signingInput(protectedHeader: string, payload: Uint8Array): Uint8Array {
  return new TextEncoder().encode(`${protectedHeader}.${encodeBase64Url(payload)}`);
}

const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d, 0x0b, 0x0c]);

/**
 * libtrust's NewJSONSignature: the payload must end in `}` after its last value; formatLength is the length up to
 * that value, formatTail the rest (`\n}` for a pretty manifest).
 */
function formatOf(payload: Uint8Array): { formatLength: number; formatTail: Uint8Array } {
  let close = payload.length - 1;
  while (close >= 0 && SPACE.has(payload[close]!)) close--;
  let last = close - 1;
  while (last >= 0 && SPACE.has(payload[last]!)) last--;
  // `{}` would splice to `{,"signatures":…}`: libtrust writes that broken JSON; refuse it instead.
  if (payload[close] !== 0x7d || payload[last] === 0x2c || payload[last] === 0x7b) {
    throw new InvalidManifestError(`invalid ${WHAT}: libtrust can sign only a non-empty JSON object`);
  }
  return { formatLength: last + 1, formatTail: payload.subarray(last + 1) };
}

/** libtrust's detectJSONIndent: the indent of the first key, when the document opens with `{` and a newline. */
function indentOf(payload: Uint8Array): string {
  if (payload.length <= 2 || payload[0] !== 0x7b || payload[1] !== 0x0a) return "";
  const quote = payload.indexOf(0x22, 1);
  return quote > 1 ? new TextDecoder().decode(payload.subarray(2, quote)) : "";
}

/**
 * libtrust's PrettySignature("signatures"): the payload cut at formatLength, then `,`, the signatures sorted by key ID
 * then signature, indented as the payload is, and `}`.
 */
function prettySignature(payload: Uint8Array, formatLength: number, signatures: JsonObject[]): Uint8Array {
  const keyOf = (s: JsonObject) =>
    String(((s.header as JsonObject).jwk as JsonObject | undefined)?.kid ?? "");
  const sorted = [...signatures].sort(
    (a, b) => compareUtf8(keyOf(a), keyOf(b)) || compareUtf8(String(a.signature), String(b.signature)),
  );
  const indent = indentOf(payload);
  const list = sorted as unknown as GoJsonValue;
  const tail = indent
    ? `,\n${indent}"signatures": ${goMarshalIndent(list, indent, indent)}\n}`
    : `,"signatures":${goMarshal(list)}}`;
  const tailBytes = new TextEncoder().encode(tail);
  const out = new Uint8Array(formatLength + tailBytes.length);
  out.set(payload.subarray(0, formatLength));
  out.set(tailBytes, formatLength);
  return out;
}

/** An existing signature as libtrust re-marshals it: header `jwk` (sorted, with its kid), `alg`, `x5c`. */
function normalizeSignature(raw: unknown): JsonObject {
  const sig = raw as JsonObject;
  const header = (isJsonObject(sig.header) ? sig.header : {}) as JsonObject;
  const jwk =
    header.jwk === undefined ? undefined : schema1PublicKey(checkPublicKey(header.jwk, "a signature's jwk"));
  return {
    header: {
      ...(jwk ? { jwk } : {}),
      alg: header.alg as string,
      ...(Array.isArray(header.x5c) && header.x5c.length ? { x5c: header.x5c } : {}),
    },
    signature: sig.signature as string,
    ...(sig.protected ? { protected: sig.protected as string } : {}),
  };
}

/**
 * The public key of a base64 DER X.509 certificate: its subjectPublicKeyInfo, imported through Web Crypto for the
 * algorithm the header names (ES256 → P-256…, RS* → RSA).
 */
async function certificateKey(certificate: string, alg: string): Promise<Schema1PublicKey> {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(certificate)) throw new Error("its x5c certificate is not base64");
  const spki = subjectPublicKeyInfo(decodeBase64(certificate));
  const params: Record<string, object> = {
    ES256: { name: "ECDSA", namedCurve: "P-256" },
    ES384: { name: "ECDSA", namedCurve: "P-384" },
    ES512: { name: "ECDSA", namedCurve: "P-521" },
    RS256: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    RS384: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" },
    RS512: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" },
  };
  const algorithm = params[alg];
  if (!algorithm) throw new Error(`its alg ${quoteText(alg)} is not one libtrust signs with`);
  const api = subtle() as unknown as {
    importKey(f: "spki", k: Uint8Array, a: object, e: boolean, u: string[]): Promise<unknown>;
    exportKey(f: "jwk", k: unknown): Promise<Record<string, unknown>>;
  };
  let jwk: Record<string, unknown>;
  try {
    jwk = await api.exportKey("jwk", await api.importKey("spki", spki, algorithm, true, ["verify"]));
  } catch {
    throw new Error(`the key of its x5c certificate is not a ${alg} key`);
  }
  try {
    return checkPublicKey(
      jwk.kty === "EC" ? { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: "RSA", n: jwk.n, e: jwk.e },
    );
  } catch (error) {
    throw new Error((error as UsageError).message);
  }
}

/** The subjectPublicKeyInfo TLV of a DER certificate (RFC 5280 §4.1: tbsCertificate's seventh field, counting version). */
function subjectPublicKeyInfo(der: Uint8Array): Uint8Array {
  const cert = tlv(der, 0);
  const tbs = tlv(der, cert.content);
  let at = tbs.content;
  const first = tlv(der, at);
  if (der[at] === 0xa0) at = first.end; // explicit [0] version
  for (let field = 0; field < 5; field++) at = tlv(der, at).end; // serial, signature, issuer, validity, subject
  const spki = tlv(der, at);
  if (der[at] !== 0x30 || spki.end > tbs.end)
    throw new Error("its x5c certificate is not an X.509 certificate");
  return der.subarray(at, spki.end);
}

/** A DER tag-length-value at `at`: where its content starts and where it ends. */
function tlv(der: Uint8Array, at: number): { content: number; end: number } {
  let length = der[at + 1];
  let content = at + 2;
  if (length === undefined) throw new Error("its x5c certificate is truncated");
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error("its x5c certificate is not DER");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[content + i] ?? 0);
    content += count;
  }
  const end = content + length;
  if (end > der.length) throw new Error("its x5c certificate is truncated");
  return { content, end };
}
