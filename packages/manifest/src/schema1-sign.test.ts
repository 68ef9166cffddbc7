import { generateKeyPairSync } from "node:crypto";
import { InvalidManifestError, SignatureError } from "@regatta/errors";
import fc from "fast-check";
import { flattenedVerify, importJWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import {
  attachSchema1Signatures,
  buildSchema1,
  computeDigest,
  GZIPPED_EMPTY_TAR_DIGEST,
  generateSchema1Key,
  libtrustKeyId,
  parseManifest,
  type Schema1PrivateKey,
  schema1Payload,
  schema1PrivateKey,
  signSchema1,
  verifySchema1,
} from "./index.js";
import { enc, SCHEMA1_SIGNED, SCHEMA1_SIGNED_DIGEST } from "./test-fixtures.js";

const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const b64u = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64url");
const TIME = new Date("2026-01-02T03:04:05.678Z");

const payload = buildSchema1({
  name: "team/app",
  tag: "v1",
  architecture: "amd64",
  fsLayers: [GZIPPED_EMPTY_TAR_DIGEST],
  history: ['{"id":"0123","created":"2026-01-01T00:00:00Z"}'],
});

interface Signature {
  header: { jwk?: Record<string, string>; alg: string; x5c?: string[] };
  signature: string;
  protected: string;
}
const signaturesOf = (bytes: Uint8Array) => JSON.parse(dec(bytes)).signatures as Signature[];
/** The signed bytes with their (only) signature changed by `edit`, spliced back as libtrust would. */
const withSignature = (bytes: Uint8Array, edit: (s: Signature) => Signature) =>
  attachSchema1Signatures(schema1Payload(bytes), signaturesOf(bytes).map(edit));

let p256: Schema1PrivateKey;
let other: Schema1PrivateKey;
beforeAll(async () => {
  p256 = await generateSchema1Key();
  other = await generateSchema1Key();
});

describe("libtrust's pretty JWS, against what libtrust wrote", () => {
  it("splices a real busybox manifest's signature back byte for byte (PrettySignature)", () => {
    const doc = JSON.parse(SCHEMA1_SIGNED);
    const rebuilt = attachSchema1Signatures(schema1Payload(enc(SCHEMA1_SIGNED)), doc.signatures);
    expect(dec(rebuilt)).toBe(SCHEMA1_SIGNED);
  });

  it("verifies that manifest's ES256 signature and names its key", async () => {
    const verified = await verifySchema1(enc(SCHEMA1_SIGNED));
    expect(verified.digest).toBe(SCHEMA1_SIGNED_DIGEST);
    expect(verified.signatures).toEqual([
      {
        keyId: "BMQ5:5OIV:TJXC:IJQE:BYCE:7UBD:SWFQ:HFBN:STVV:XDNE:VJRG:KUUA",
        alg: "ES256",
        key: JSON.parse(SCHEMA1_SIGNED).signatures[0].header.jwk,
      },
    ]);
  });

  it("finds an unsigned manifest to have no signatures", async () => {
    await expect(verifySchema1(payload)).resolves.toEqual({
      payload,
      digest: computeDigest(payload),
      signatures: [],
    });
  });
});

describe("signSchema1", () => {
  const rsa = () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    return schema1PrivateKey(privateKey.export({ format: "jwk" }));
  };
  const keys: [string, string, () => Promise<Schema1PrivateKey> | Schema1PrivateKey][] = [
    ["EC P-256", "ES256", () => p256],
    ["EC P-384", "ES384", () => generateSchema1Key("P-384")],
    ["EC P-521", "ES512", () => generateSchema1Key("P-521")],
    ["RSA 2048", "RS256", rsa],
  ];
  it.each(keys)(
    "signs with an %s key as %s, and the signature verifies (here and with jose)",
    async (_, alg, make) => {
      const key = await make();
      const signed = await signSchema1(payload, key, { time: TIME });
      const [sig] = signaturesOf(signed);
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicKey } = key as Record<string, string>;
      expect(sig!.header).toEqual({ jwk: { ...publicKey, kid: libtrustKeyId(key) }, alg });
      // Go writes the JWK from a map: members sorted.
      expect(Object.keys(sig!.header.jwk!)).toEqual(Object.keys(sig!.header.jwk!).sort());
      const verified = await verifySchema1(signed);
      expect(verified.signatures).toMatchObject([{ keyId: libtrustKeyId(key), alg }]);
      expect(verified.digest).toBe(computeDigest(payload));
      expect(parseManifest(signed).digest).toBe(computeDigest(payload));
      // jose: the same JWS in flattened form (the payload rebuilt from formatLength/formatTail) verifies.
      const jwk = await importJWK({ ...sig!.header.jwk, alg }, alg);
      const result = await flattenedVerify(
        {
          protected: sig!.protected,
          header: { alg },
          payload: b64u(schema1Payload(signed)),
          signature: sig!.signature,
        },
        jwk,
      );
      expect(dec(result.payload)).toBe(dec(payload));
    },
  );

  it("writes the protected header as libtrust: formatLength, formatTail, time to the second", async () => {
    const signed = await signSchema1(payload, p256, { time: TIME });
    const [sig] = signaturesOf(signed);
    expect(Buffer.from(sig!.protected, "base64url").toString()).toBe(
      `{"formatLength":${payload.byteLength - 2},"formatTail":"Cn0","time":"2026-01-02T03:04:05Z"}`,
    );
    const text = dec(signed);
    expect(text.startsWith(dec(payload.subarray(0, payload.byteLength - 2)))).toBe(true);
    expect(text.slice(payload.byteLength - 2)).toBe(
      `,\n   "signatures": [\n      {\n         "header": {\n            "jwk": {\n               "crv": "P-256",\n` +
        `               "kid": "${libtrustKeyId(p256)}",\n               "kty": "EC",\n` +
        `               "x": "${(p256 as { x: string }).x}",\n               "y": "${(p256 as { y: string }).y}"\n` +
        `            },\n            "alg": "ES256"\n         },\n         "signature": "${sig!.signature}",\n` +
        `         "protected": "${sig!.protected}"\n      }\n   ]\n}`,
    );
  });

  it("adds a signature to a signed manifest: both kept, sorted by key ID, same digest", async () => {
    const once = await signSchema1(payload, p256);
    const twice = await signSchema1(once, other);
    const sigs = signaturesOf(twice);
    expect(sigs.map((s) => s.header.jwk!.kid)).toEqual([libtrustKeyId(p256), libtrustKeyId(other)].sort());
    expect(sigs).toContainEqual(signaturesOf(once)[0]);
    const verified = await verifySchema1(twice);
    expect(verified.signatures).toHaveLength(2);
    expect(verified.digest).toBe(computeDigest(payload));
  });

  it("signs a compact manifest as libtrust does: the signatures spliced in compact too", async () => {
    const compact = enc(JSON.stringify(JSON.parse(dec(payload))));
    const signed = await signSchema1(compact, p256);
    const [sig] = signaturesOf(signed);
    expect(dec(signed)).toBe(`${dec(compact).slice(0, -1)},"signatures":[${JSON.stringify(sig)}]}`);
    await expect(verifySchema1(signed)).resolves.toMatchObject({ digest: computeDigest(compact) });
  });

  it("refuses what is not a schema 1 manifest libtrust could sign", async () => {
    await expect(signSchema1(enc('{"schemaVersion":2}'), p256)).rejects.toThrow(InvalidManifestError);
    await expect(signSchema1(enc("[]"), p256)).rejects.toThrow(InvalidManifestError);
  });
});

describe("verifySchema1 refuses tampering, naming what failed", () => {
  let signed: Uint8Array;
  beforeAll(async () => {
    signed = await signSchema1(payload, p256, { time: TIME });
  });
  const refused = async (bytes: Uint8Array, reason: string) => {
    const error = await verifySchema1(bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignatureError);
    expect((error as SignatureError).code).toBe("SIGNATURE_INVALID");
    expect((error as Error).message).toContain(`the signature does not verify: ${reason}`);
    expect((error as Error).message).toContain(
      "The manifest was changed after it was signed, or the signature",
    );
  };

  it("a byte of the payload", async () => {
    await refused(
      enc(dec(signed).replace('"tag": "v1"', '"tag": "v2"')),
      `key ${libtrustKeyId(p256)}, ES256: the signature does not match`,
    );
  });

  it("a byte of the signature", async () => {
    await refused(
      withSignature(signed, (s) => ({
        ...s,
        signature: `${s.signature[0] === "A" ? "B" : "A"}${s.signature.slice(1)}`,
      })),
      "key",
    );
  });

  it("the formatTail (the payload it rebuilds changes)", async () => {
    const tampered = withSignature(signed, (s) => {
      const header = JSON.parse(Buffer.from(s.protected, "base64url").toString());
      return { ...s, protected: b64u(JSON.stringify({ ...header, formatTail: b64u("\n }") })) };
    });
    expect(dec(schema1Payload(tampered)).endsWith("\n }")).toBe(true);
    await refused(tampered, "key");
  });

  it("another key in the header, a kid that is not its key's, an algorithm not its curve's, no key", async () => {
    const otherJwk = signaturesOf(await signSchema1(payload, other))[0]!.header.jwk!;
    await refused(
      withSignature(signed, (s) => ({ ...s, header: { ...s.header, jwk: otherJwk } })),
      `key ${libtrustKeyId(other)}`,
    );
    const jwk = signaturesOf(signed)[0]!.header.jwk!;
    await refused(
      enc(dec(signed).replace(jwk.kid!, libtrustKeyId(other))),
      `its jwk's kid "${libtrustKeyId(other)}" is not the ID of the key it holds`,
    );
    await refused(
      enc(dec(signed).replace('"alg": "ES256"', '"alg": "ES384"')),
      `key ${libtrustKeyId(p256)}, ES384: an P-256 key signs ES256, not ES384`,
    );
    await refused(
      enc(dec(signed).replace(/"jwk": \{[^}]*\},\s*/, "")),
      "its header carries no key (neither jwk nor x5c)",
    );
  });

  it("a signature of the wrong length", async () => {
    await refused(
      withSignature(signed, (s) => ({ ...s, signature: s.signature.slice(0, 40) })),
      `key ${libtrustKeyId(p256)}, ES256: the signature is 30 bytes, an ES256 one is 64`,
    );
  });
});

describe("properties", () => {
  const parts = fc.record({
    name: fc.stringMatching(/^[a-z0-9]+(?:[/._-][a-z0-9]+){0,3}$/),
    tag: fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/),
    architecture: fc.constantFrom("amd64", "arm64", "386"),
    layers: fc.array(
      fc.record({
        blobSum: fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256:${h}`),
        // Any text, <>& and U+2028 included: the Go escaping must round-trip through the signature.
        v1: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxKeys: 4 }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  });
  const build = (p: typeof parts extends fc.Arbitrary<infer T> ? T : never) =>
    buildSchema1({
      name: p.name,
      tag: p.tag,
      architecture: p.architecture,
      fsLayers: p.layers.map((l) => l.blobSum),
      history: p.layers.map((l) => JSON.stringify(l.v1)),
    });

  it("any manifest signed then verifies, under the digest of its payload", async () => {
    await fc.assert(
      fc.asyncProperty(parts, async (p) => {
        const unsigned = build(p);
        const signed = await signSchema1(unsigned, p256);
        const verified = await verifySchema1(signed);
        expect(verified.digest).toBe(computeDigest(unsigned));
        expect(verified.signatures).toHaveLength(1);
        expect(JSON.parse(dec(unsigned))).toEqual({ ...JSON.parse(dec(signed)), signatures: undefined });
      }),
      { numRuns: 60 },
    );
  });

  it("any change of one byte of the payload fails verification", async () => {
    await fc.assert(
      fc.asyncProperty(parts, fc.nat(), fc.integer({ min: 1, max: 255 }), async (p, at, flip) => {
        const signed = await signSchema1(build(p), p256);
        const header = JSON.parse(Buffer.from(signaturesOf(signed)[0]!.protected, "base64url").toString());
        const formatLength = header.formatLength as number;
        const tampered = Uint8Array.from(signed);
        const i = at % formatLength;
        tampered[i] = tampered[i]! ^ flip;
        const error = await verifySchema1(tampered).then(
          () => undefined,
          (e: unknown) => e,
        );
        // A byte that breaks the JSON or the UTF-8 is an invalid manifest; any other change, a bad signature.
        expect(error instanceof SignatureError || error instanceof InvalidManifestError).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
