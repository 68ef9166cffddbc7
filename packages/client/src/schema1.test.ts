/**
 * Signed schema 1 manifests through the client: keys read from the files people have (docker's key.json, PEM), the
 * signatures checked on every read and before every put, and x5c chains (the key from the chain's first certificate;
 * the chain itself trusted as libtrust's Verify trusts it, that is not checked).
 */
import { generateKeyPairSync } from "node:crypto";
import { createSelfSignedCertificate } from "@regatta/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { loadSchema1Key, manifests, SignatureError, UnsupportedError, UsageError } from "./index.js";
import { type AnsweringRegistry, answeringRegistry, rejection } from "./test-answering-registry.js";

const {
  buildSchema1,
  computeDigest,
  DOCKER_SCHEMA1_SIGNED_MANIFEST,
  GZIPPED_EMPTY_TAR_DIGEST,
  schema1Payload,
  signSchema1,
  verifySchema1,
} = manifests;
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const payload = buildSchema1({
  name: "team/app",
  tag: "v1",
  architecture: "amd64",
  fsLayers: [GZIPPED_EMPTY_TAR_DIGEST],
  history: ['{"id":"0123"}'],
});
const ecKey = () => generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;

let registry: AnsweringRegistry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

describe("loadSchema1Key", () => {
  it("reads docker's key.json (a JWK) and PEM keys: EC PRIVATE KEY as libtrust writes, PKCS#8, RSA", async () => {
    const key = ecKey();
    const jwk = key.export({ format: "jwk" });
    const fromJwk = loadSchema1Key(JSON.stringify({ ...jwk, kid: manifests.libtrustKeyId(jwk as never) }));
    const sec1 = key.export({ type: "sec1", format: "pem" }) as string;
    expect(sec1).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    const kid = manifests.libtrustKeyId(jwk as never);
    expect(loadSchema1Key(sec1)).toEqual({ ...jwk, kid });
    expect(loadSchema1Key(key.export({ type: "pkcs8", format: "pem" }) as string)).toEqual({ ...jwk, kid });
    expect(fromJwk).toMatchObject(jwk);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey;
    const rsaKey = loadSchema1Key(rsa.export({ type: "pkcs1", format: "pem" }) as string);
    expect(rsaKey.kty).toBe("RSA");
    // Each signs, and the signature verifies.
    for (const k of [fromJwk, rsaKey]) {
      await expect(verifySchema1(await signSchema1(payload, k))).resolves.toMatchObject({
        signatures: [{ keyId: manifests.libtrustKeyId(k) }],
      });
    }
  });

  it.each([
    [
      "neither JSON nor PEM",
      "hello",
      "the signing key is neither a JWK (JSON, like docker's key.json) nor a PEM private key",
    ],
    [
      "broken JSON",
      "{nope",
      "the signing key is neither a JWK (JSON) nor a PEM private key: its JSON does not parse",
    ],
    [
      "a public key",
      JSON.stringify(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "jwk" })),
      "the signing key's d is not a base64url string",
    ],
    ["a PEM public key", "PUBLIC", "the signing key's PEM does not hold a private key"],
  ])("refuses %s with a UsageError saying so", (_, text, message) => {
    const input =
      text === "PUBLIC"
        ? (generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({
            type: "spki",
            format: "pem",
          }) as string)
        : text;
    expect(() => loadSchema1Key(input)).toThrow(UsageError);
    expect(() => loadSchema1Key(input)).toThrow(message);
  });
});

describe("x5c: a signature whose key is a certificate's", () => {
  it("verifies with the first certificate's key, and returns the chain", async () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const key = loadSchema1Key(rsa.export({ type: "pkcs1", format: "pem" }) as string);
    const certificate = createSelfSignedCertificate(rsa).der.toString("base64");
    const signed = await signSchema1(payload, key);
    const [sig] = JSON.parse(dec(signed)).signatures;
    const withChain = (chain: string[]) =>
      manifests.attachSchema1Signatures(payload, [{ ...sig, header: { alg: "RS256", x5c: chain } }]);
    const verified = await verifySchema1(withChain([certificate]));
    expect(verified.signatures).toEqual([
      {
        keyId: manifests.libtrustKeyId(key),
        alg: "RS256",
        key: expect.objectContaining({ kty: "RSA" }),
        chain: [certificate],
      },
    ]);
    const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const other = createSelfSignedCertificate(stranger).der.toString("base64");
    await expect(verifySchema1(withChain([other]))).rejects.toThrow(SignatureError);
    await expect(verifySchema1(withChain(["not base64!"]))).rejects.toThrow(
      "its x5c certificate is not base64",
    );
    await expect(verifySchema1(withChain([Buffer.from("junk").toString("base64")]))).rejects.toThrow(
      SignatureError,
    );
  });
});

describe("the client checks signatures", () => {
  it("getManifest refuses a signed schema 1 manifest whose signature does not verify", async () => {
    const key = loadSchema1Key(JSON.stringify(ecKey().export({ format: "jwk" })));
    const tampered = dec(await signSchema1(payload, key)).replace('"tag": "v1"', '"tag": "v2"');
    registry = await answeringRegistry(() => ({
      headers: { "content-type": DOCKER_SCHEMA1_SIGNED_MANIFEST },
      body: tampered,
    }));
    const error = await rejection(registry.reg.manifest(`${registry.host}/team/app:v1`), SignatureError);
    expect(error.message).toMatch(
      new RegExp(
        `^get manifest ${registry.host}/team/app:v1: schema 1 manifest sha256:[0-9a-f]{64}: the signature does not verify: key ${manifests.libtrustKeyId(key)}, ES256: the signature does not match\\. The manifest was changed after it was signed, or the signature is corrupt`,
      ),
    );
  });

  it("getManifest reads a well-signed one, addressed by the digest of its payload", async () => {
    const key = loadSchema1Key(JSON.stringify(ecKey().export({ format: "jwk" })));
    const signed = await signSchema1(payload, key);
    registry = await answeringRegistry(() => ({
      headers: {
        "content-type": DOCKER_SCHEMA1_SIGNED_MANIFEST,
        "docker-content-digest": computeDigest(payload),
      },
      body: signed,
    }));
    const got = await registry.reg.manifest(`${registry.host}/team/app:v1`);
    expect(got).toMatchObject({
      kind: "schema1",
      digest: computeDigest(payload),
      mediaType: DOCKER_SCHEMA1_SIGNED_MANIFEST,
    });
  });

  it("putManifest sends a signed one as +prettyjws, reporting the payload's digest", async () => {
    const key = loadSchema1Key(JSON.stringify(ecKey().export({ format: "jwk" })));
    const signed = await signSchema1(payload, key);
    registry = await answeringRegistry(() => ({
      status: 201,
      headers: { "docker-content-digest": computeDigest(payload) },
    }));
    const put = await registry.reg.putManifest(`${registry.host}/team/app:v1`, signed);
    expect(put).toMatchObject({ digest: computeDigest(payload), mediaType: DOCKER_SCHEMA1_SIGNED_MANIFEST });
    expect(registry.seen[0]!.headers["content-type"]).toBe(DOCKER_SCHEMA1_SIGNED_MANIFEST);
    expect(registry.seen[0]!.body.equals(Buffer.from(signed))).toBe(true);
    expect(dec(schema1Payload(signed))).toBe(dec(payload));
  });

  it("putManifest refuses a badly signed one before sending anything", async () => {
    const key = loadSchema1Key(JSON.stringify(ecKey().export({ format: "jwk" })));
    const tampered = dec(await signSchema1(payload, key)).replace(
      '"architecture": "amd64"',
      '"architecture": "arm64"',
    );
    registry = await answeringRegistry(() => ({ status: 201 }));
    const error = await rejection(
      registry.reg.putManifest(`${registry.host}/team/app:v1`, tampered),
      SignatureError,
    );
    expect(error.message).toMatch(`put manifest ${registry.host}/team/app:v1: schema 1 manifest`);
    expect(registry.seen).toEqual([]);
  });

  it("reads distribution's MANIFEST_INVALID to an unsigned one as: sign it first", async () => {
    registry = await answeringRegistry(() => ({
      status: 400,
      headers: { "content-type": "application/json" },
      body: '{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid","detail":{}}]}',
    }));
    const error = await rejection(
      registry.reg.putManifest(`${registry.host}/team/app:v1`, payload),
      UnsupportedError,
    );
    expect(error.message).toBe(
      `put manifest ${registry.host}/team/app:v1: ${registry.host} refused an unsigned schema 1 manifest (MANIFEST_INVALID): ` +
        "distribution takes only signed ones (+prettyjws); sign it first (regatta schema1 sign FILE --key KEY)",
    );
    expect(registry.seen[0]!.headers["content-type"]).toBe(manifests.DOCKER_SCHEMA1_MANIFEST);
  });

  it("reads distribution's MANIFEST_UNVERIFIED as a SignatureError", async () => {
    const key = loadSchema1Key(JSON.stringify(ecKey().export({ format: "jwk" })));
    registry = await answeringRegistry(() => ({
      status: 400,
      headers: { "content-type": "application/json" },
      body: '{"errors":[{"code":"MANIFEST_UNVERIFIED","message":"manifest failed signature verification"}]}',
    }));
    const error = await rejection(
      registry.reg.putManifest(`${registry.host}/team/app:v1`, await signSchema1(payload, key)),
      SignatureError,
    );
    expect(error).toMatchObject({ code: "MANIFEST_UNVERIFIED", status: 400 });
    expect(error.message).toBe(
      `put manifest ${registry.host}/team/app:v1: ${registry.host} could not verify the manifest's signature (MANIFEST_UNVERIFIED); sign it again`,
    );
  });
});
