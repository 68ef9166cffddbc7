import { createHash, createPublicKey, generateKeyPairSync } from "node:crypto";
import { UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import {
  generateSchema1Key,
  libtrustKeyId,
  type Schema1PublicKey,
  schema1PrivateKey,
  schema1PublicKey,
} from "./index.js";

/** libtrust's key ID computed with node:crypto's own SPKI encoder, to check the one in schema1-key.ts. */
function nodeKeyId(jwk: Schema1PublicKey): string {
  const der = createPublicKey({ key: jwk as never, format: "jwk" }).export({ type: "spki", format: "der" });
  const bits = [...createHash("sha256").update(der).digest().subarray(0, 30)]
    .map((b) => b.toString(2).padStart(8, "0"))
    .join("");
  const base32 = (bits.match(/.{5}/g) ?? []).map(
    (five) => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[Number.parseInt(five, 2)],
  );
  return base32.join("").match(/.{4}/g)!.join(":");
}

describe("libtrustKeyId", () => {
  it("is the ID libtrust wrote for the keys of two real signed manifests", () => {
    expect(
      libtrustKeyId({
        kty: "EC",
        crv: "P-256",
        x: "rZo1KLwKH0ZfiTzGFxTTQxbarJZ7gE4fWuPrucpZwjo",
        y: "QkoUQ3HauBjMythY94qevDCKzMEiLYJse3cVSqrSO4k",
      }),
    ).toBe("BMQ5:5OIV:TJXC:IJQE:BYCE:7UBD:SWFQ:HFBN:STVV:XDNE:VJRG:KUUA");
    expect(
      libtrustKeyId({
        kty: "EC",
        crv: "P-256",
        x: "NAGHj6-IdNonuFoxlqJnNMjcrCCE1CBoq2r_1NDci68",
        y: "Kocqgj_Ey5J-wLXTjkuqLC-HjciAnWxsBEziAOTvSPc",
      }),
    ).toBe("6QVR:5NTY:VIHC:W6IU:XYIN:CTKT:OG5R:XEEG:Z6XJ:2623:YCBP:36MA");
  });

  it.each([
    ["EC P-256", () => generateKeyPairSync("ec", { namedCurve: "P-256" })],
    ["EC P-384", () => generateKeyPairSync("ec", { namedCurve: "P-384" })],
    ["EC P-521", () => generateKeyPairSync("ec", { namedCurve: "P-521" })],
    ["RSA 1024", () => generateKeyPairSync("rsa", { modulusLength: 1024 })],
    ["RSA 2048, e=3", () => generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 3 })],
  ])("hashes the SPKI DER that node:crypto writes for an %s key", (_, make) => {
    for (let i = 0; i < 3; i++) {
      const jwk = make().publicKey.export({ format: "jwk" }) as Schema1PublicKey;
      expect(libtrustKeyId(jwk)).toBe(nodeKeyId(jwk));
    }
  });
});

describe("signing keys", () => {
  it("generates an EC P-256 key as docker's key.json holds one: with its kid", async () => {
    const key = await generateSchema1Key();
    expect(Object.keys(key).sort()).toEqual(["crv", "d", "kid", "kty", "x", "y"]);
    expect(key).toMatchObject({ kty: "EC", crv: "P-256", kid: libtrustKeyId(key) });
    expect(schema1PrivateKey(JSON.parse(JSON.stringify(key)))).toEqual(key);
    expect(schema1PublicKey(key)).toEqual({
      crv: "P-256",
      kid: key.kid,
      kty: "EC",
      x: (key as { x: string }).x,
      y: (key as { y: string }).y,
    });
  });

  it("reads an RSA JWK with its CRT members", () => {
    const jwk = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ format: "jwk" });
    expect(schema1PrivateKey(jwk)).toMatchObject({ kty: "RSA" });
    const { qi: _, ...partial } = jwk;
    expect(() => schema1PrivateKey(partial)).toThrow("the signing key's qi is not a base64url string");
  });

  it.each([
    ["not an object", "[1]", "the signing key is not a JWK object"],
    ["another kty", '{"kty":"oct","k":"AAAA"}', 'the signing key has kty "oct"; libtrust keys are EC or RSA'],
    [
      "another curve",
      '{"kty":"EC","crv":"secp256k1"}',
      'the signing key is on curve "secp256k1"; libtrust signs with P-256, P-384 or P-521',
    ],
    ["a curve on the prototype", '{"kty":"EC","crv":"toString"}', 'the signing key is on curve "toString"'],
    [
      "a short x",
      '{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA","d":"AAAA"}',
      "the signing key's x must be 32 bytes for P-256",
    ],
  ])("refuses %s", (_, text, message) => {
    expect(() => schema1PrivateKey(JSON.parse(text))).toThrow(UsageError);
    expect(() => schema1PrivateKey(JSON.parse(text))).toThrow(message);
  });

  it("refuses a public key, and a kid that is not the key's", async () => {
    const key = (await generateSchema1Key()) as Record<string, string>;
    const { d: _, ...pub } = key;
    expect(() => schema1PrivateKey(pub)).toThrow("the signing key's d is not a base64url string");
    expect(() => schema1PrivateKey({ ...key, kid: "AAAA:BBBB" })).toThrow(
      `the signing key's kid "AAAA:BBBB" is not the libtrust ID of its public key`,
    );
  });
});
