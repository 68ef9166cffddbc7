import { createPublicKey, verify } from "node:crypto";
import { InvalidManifestError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import {
  computeDigest,
  DOCKER_SCHEMA1_SIGNED_MANIFEST,
  parseManifest,
  type Schema1Signature,
  schema1Payload,
} from "./index.js";
import { enc, SCHEMA1_SIGNED, SCHEMA1_SIGNED_DIGEST, SCHEMA1_UNSIGNED } from "./test-fixtures.js";

const b64u = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64url");

/** Checks a libtrust ES256 signature: the JWS signing input is `protected + "." + base64url(payload)`. */
function signatureVerifies(sig: Schema1Signature, payload: Uint8Array): boolean {
  const jwk = sig.header.jwk as { x: string; y: string; crv: string };
  const key = createPublicKey({ key: { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y }, format: "jwk" });
  const input = Buffer.from(`${sig.protected}.${b64u(payload)}`);
  return verify("sha256", input, { key, dsaEncoding: "ieee-p1363" }, Buffer.from(sig.signature, "base64url"));
}

/** A protected header as libtrust writes it. */
const protectedHeader = (formatLength: number, formatTail: string) =>
  b64u(JSON.stringify({ formatLength, formatTail: b64u(formatTail), time: "2017-09-18T14:33:40Z" }));

describe("schema1Payload (libtrust formatLength/formatTail)", () => {
  it("rebuilds the signed payload of a real busybox:1.23 manifest: its ES256 signature verifies", () => {
    const bytes = enc(SCHEMA1_SIGNED);
    const payload = schema1Payload(bytes);
    const parsed = parseManifest(bytes, DOCKER_SCHEMA1_SIGNED_MANIFEST);
    if (parsed.kind !== "schema1") throw new Error("kind");
    expect(parsed.signed).toBe(true);
    expect(parsed.payload).toEqual(payload);
    expect(signatureVerifies(parsed.manifest.signatures![0]!, payload)).toBe(true);
    expect(computeDigest(payload)).toBe(SCHEMA1_SIGNED_DIGEST);
    // The payload is the document without its signatures: same fields, and it ends the way the tail says.
    const text = new TextDecoder().decode(payload);
    expect(text.endsWith("   ]\n}")).toBe(true);
    expect(JSON.parse(text)).toEqual({ ...JSON.parse(SCHEMA1_SIGNED), signatures: undefined });
  });

  it("reads the manifest from the signed payload, and keeps the signatures", () => {
    const parsed = parseManifest(enc(SCHEMA1_SIGNED));
    if (parsed.kind !== "schema1") throw new Error("kind");
    expect(parsed.manifest).toMatchObject({ name: "library/busybox", tag: "1.23", architecture: "amd64" });
    expect(parsed.manifest.fsLayers.map((l) => l.blobSum)).toEqual([
      "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4",
      "sha256:9d7588d3c0635b53bd9a7dcd40bdf5d2d32cd3fb919c3a29ec2febbc2449eb19",
    ]);
    expect(JSON.parse(parsed.manifest.history[0]!.v1Compatibility).id).toMatch(/^d7057cb0/);
    expect(parsed.manifest.signatures).toHaveLength(1);
  });

  it("a tampered signed field changes the digest and breaks the signature", () => {
    const tampered = enc(SCHEMA1_SIGNED.replace('"tag": "1.23"', '"tag": "1.24"'));
    const parsed = parseManifest(tampered);
    if (parsed.kind !== "schema1") throw new Error("kind");
    expect(parsed.digest).not.toBe(SCHEMA1_SIGNED_DIGEST);
    expect(signatureVerifies(parsed.manifest.signatures![0]!, parsed.payload)).toBe(false);
  });

  it("signatures are outside the digest: re-signing keeps the digest", () => {
    const resigned = enc(SCHEMA1_SIGNED.replace(/"signature": "[^"]+"/, '"signature": "AAAA"'));
    expect(parseManifest(resigned).digest).toBe(SCHEMA1_SIGNED_DIGEST);
  });

  it("an unsigned manifest is its own payload", () => {
    const bytes = enc(SCHEMA1_UNSIGNED);
    expect(schema1Payload(bytes)).toBe(bytes);
    const parsed = parseManifest(bytes);
    expect(parsed).toMatchObject({ kind: "schema1", signed: false, digest: computeDigest(bytes) });
  });

  it("handles the canonical two-signature case when both agree", () => {
    const doc = JSON.parse(SCHEMA1_SIGNED);
    const second = { ...doc.signatures[0], signature: "BBBB" };
    const body = SCHEMA1_SIGNED.replace(/\n {3}\]\n\}$/, `,\n      ${JSON.stringify(second)}\n   ]\n}`);
    expect(parseManifest(enc(body)).digest).toBe(SCHEMA1_SIGNED_DIGEST);
  });

  const unsignedPrefix = SCHEMA1_UNSIGNED.replace(/\n\}$/, "");
  const signed = (...headers: string[]) =>
    `${unsignedPrefix},\n   "signatures": [${headers
      .map((p) => JSON.stringify({ header: { alg: "ES256" }, signature: "AAAA", protected: p }))
      .join(",")}]\n}`;

  it.each([
    [
      "signatures disagree on formatLength",
      signed(protectedHeader(10, "\n}"), protectedHeader(11, "\n}")),
      "signatures disagree on formatLength",
    ],
    [
      "signatures disagree on formatTail",
      signed(protectedHeader(10, "\n}"), protectedHeader(10, "}")),
      "signatures disagree on formatTail",
    ],
    [
      "formatLength past the end",
      signed(protectedHeader(1e6, "\n}")),
      "formatLength 1000000 is beyond the end",
    ],
    [
      "formatLength negative",
      signed(protectedHeader(-1, "\n}")),
      "formatLength must be a non-negative integer",
    ],
    [
      "formatLength missing",
      signed(b64u(JSON.stringify({ formatTail: "Cn0" }))),
      "formatLength must be a non-negative integer, got nothing",
    ],
    ["protected not base64url", signed("not base64!"), "signatures[0].protected is not base64url"],
    ["protected not JSON", signed(b64u("nope")), "signatures[0].protected is not base64url JSON"],
    ["formatTail missing", signed(b64u(JSON.stringify({ formatLength: 3 }))), "formatTail must be a string"],
    ["payload not the manifest", signed(protectedHeader(5, "")), "invalid schema 1 manifest: not JSON"],
    [
      "payload without schemaVersion",
      signed(protectedHeader(1, "}")),
      "schemaVersion must be 1, got nothing",
    ],
    [
      "signature not an object",
      `${unsignedPrefix},\n   "signatures": ["x"]\n}`,
      "signatures[0] must be an object",
    ],
  ])("%s", (_name, body, message) => {
    expect(() => parseManifest(enc(body), DOCKER_SCHEMA1_SIGNED_MANIFEST)).toThrow(InvalidManifestError);
    expect(() => parseManifest(enc(body), DOCKER_SCHEMA1_SIGNED_MANIFEST)).toThrow(message);
  });

  it("a payload rebuilt correctly from a hand-made signature parses", () => {
    const formatLength = unsignedPrefix.length;
    const body = signed(protectedHeader(formatLength, "\n}"));
    const parsed = parseManifest(enc(body));
    if (parsed.kind !== "schema1") throw new Error("kind");
    expect(new TextDecoder().decode(parsed.payload)).toBe(SCHEMA1_UNSIGNED);
    expect(parsed.digest).toBe(computeDigest(enc(SCHEMA1_UNSIGNED)));
  });
});
