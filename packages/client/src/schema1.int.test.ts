/**
 * Signed schema 1 manifests against Debian's distribution 2.8.2, as it is (schema 1 off, its default) and with
 * `compatibility.schema1.enabled: true` and a `signingkeyfile`. What the registry does, found here:
 * - off: a schema 1 PUT is answered 500 UNKNOWN with an empty detail (ErrSchemaV1Unsupported has no error code);
 * - on: the PUT is verified (a bad signature: 400 MANIFEST_UNVERIFIED) and stored as its payload, under the payload's
 *   digest; every GET signs it again with the registry's own key, whatever Accept says: the pusher's signature never
 *   comes back, the digest does;
 * - on: a schema 2 image read by tag without schema 2 in Accept is converted to schema 1 and signed by the registry,
 *   by the same builder Regatta reproduces (the payloads are equal byte for byte).
 */
import { generateKeyPairSync } from "node:crypto";
import { generateImage, pushImage, useRegistry } from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createClient,
  loadSchema1Key,
  manifests,
  type RegistryClient,
  SignatureError,
  UnsupportedError,
} from "./index.js";

const {
  computeDigest,
  DOCKER_SCHEMA1_SIGNED_MANIFEST,
  GZIPPED_EMPTY_TAR_DIGEST,
  libtrustKeyId,
  schema1Payload,
} = manifests;
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
/** A libtrust key as docker keeps key.json: made here, synchronously, so the registry can be started with it. */
const newKey = () => {
  const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
  return loadSchema1Key(JSON.stringify({ ...jwk, kid: libtrustKeyId(jwk as never) }));
};
const registryKey = newKey();
const ourKey = newKey();

const opened: RegistryClient[] = [];
afterEach(async () => {
  for (const reg of opened.splice(0)) await reg.close();
});
function client(host: string): RegistryClient {
  const reg = createClient(host, { retry: { attempts: 0 } });
  opened.push(reg);
  return reg;
}

describe("distribution 2.8 with compatibility.schema1 enabled", () => {
  const registry = useRegistry({ schema1: { signingKey: JSON.stringify(registryKey) } });
  let docker: Awaited<ReturnType<typeof generateImage>>;
  let oci: Awaited<ReturnType<typeof generateImage>>;
  beforeAll(async () => {
    docker = await generateImage({ layers: [300, 500], mediaTypes: "docker", seed: "schema1-docker" });
    oci = await generateImage({ layers: [400], seed: "schema1-oci" });
    await pushImage(registry.url, "src/docker", "v1", docker);
    await pushImage(registry.url, "src/oci", "v1", oci);
  }, 60_000);

  it.each([
    ["a Docker schema 2 image", "src/docker"],
    ["an OCI image", "src/oci"],
  ])(
    "pushes %s as signed schema 1 to another repository; the registry keeps the payload and signs it itself",
    async (_, repo) => {
      const reg = client(registry.host);
      const target = `${registry.host}/legacy/${repo.split("/")[1]}:v1`;
      const pushed = await reg.pushSchema1(`${registry.host}/${repo}:v1`, target, { key: ourKey });
      const payload = schema1Payload(pushed.bytes);
      expect(pushed).toMatchObject({
        digest: computeDigest(payload),
        mediaType: DOCKER_SCHEMA1_SIGNED_MANIFEST,
      });
      expect(pushed.manifest).toMatchObject({ name: `legacy/${repo.split("/")[1]}`, tag: "v1" });
      // Every blob the manifest names was copied to the target repository.
      for (const { blobSum } of pushed.manifest.fsLayers) {
        expect(await reg.hasBlob(`${registry.host}/legacy/${repo.split("/")[1]}`, blobSum)).toBe(true);
      }
      const got = await reg.manifest(target, { accept: "schema1" });
      expect(got).toMatchObject({
        kind: "schema1",
        digest: pushed.digest,
        mediaType: DOCKER_SCHEMA1_SIGNED_MANIFEST,
      });
      // Same payload, another signature: the registry's key, not ours (verified on the way by reg.manifest).
      expect(got.parsed.kind === "schema1" && dec(got.parsed.payload)).toBe(dec(payload));
      expect(Buffer.from(got.bytes).equals(Buffer.from(pushed.bytes))).toBe(false);
      const verified = await manifests.verifySchema1(got.bytes);
      expect(verified.signatures.map((s) => s.keyId)).toEqual([libtrustKeyId(registryKey)]);
      // By digest too, and whatever Accept asks for: a schema 1 manifest is served as schema 1.
      const byDigest = await reg.manifest(`${registry.host}/legacy/${repo.split("/")[1]}@${pushed.digest}`, {
        accept: ["application/vnd.oci.image.manifest.v1+json"],
      });
      expect(byDigest).toMatchObject({ kind: "schema1", digest: pushed.digest });
    },
  );

  it("converts an image exactly as distribution's own schema 1 conversion does", async () => {
    const reg = client(registry.host);
    const source = `${registry.host}/src/docker:v1`;
    // A client accepting only schema 1 gets the registry's conversion of the schema 2 image (tag reads only).
    const theirs = await reg.manifest(source, { accept: "schema1" });
    expect(theirs.kind).toBe("schema1");
    const ours = await reg.convertToSchema1(source, source);
    expect(theirs.parsed.kind === "schema1" && dec(theirs.parsed.payload)).toBe(dec(ours.bytes));
    expect(ours.digest).toBe(theirs.digest);
    expect(ours.manifest.fsLayers.map((l) => l.blobSum)).not.toContain(GZIPPED_EMPTY_TAR_DIGEST);
  });

  it("refuses to push a manifest whose signature does not verify; the registry would have too", async () => {
    const reg = client(registry.host);
    const good = await reg.convertToSchema1(
      `${registry.host}/src/docker:v1`,
      `${registry.host}/src/docker:bad`,
      {
        key: ourKey,
      },
    );
    const tampered = new TextEncoder().encode(
      dec(good.bytes).replace('"architecture": "amd64"', '"architecture": "arm64"'),
    );
    await expect(reg.putManifest(`${registry.host}/src/docker:bad`, tampered)).rejects.toThrow(
      SignatureError,
    );
    // distribution's own answer to the same bytes, sent without Regatta's check.
    const raw = await fetch(`${registry.url}/v2/src/docker/manifests/bad`, {
      method: "PUT",
      headers: { "content-type": DOCKER_SCHEMA1_SIGNED_MANIFEST },
      body: tampered,
    });
    expect(raw.status).toBe(400);
    expect(await raw.text()).toContain("MANIFEST_UNVERIFIED");
    await expect(reg.manifest(`${registry.host}/src/docker:bad`)).rejects.toMatchObject({
      code: "MANIFEST_UNKNOWN",
    });
  });
});

describe("distribution 2.8 as it is (schema 1 off)", () => {
  const registry = useRegistry("none");

  it("a dry run converts and signs, lists the blobs the target lacks, and writes nothing", async () => {
    const image = await generateImage({ layers: [100, 100], mediaTypes: "docker", seed: "schema1-dry" });
    await pushImage(registry.url, "src/dry", "v1", image);
    const reg = client(registry.host);
    const planned = await reg.pushSchema1(
      `${registry.host}/src/dry:v1`,
      `${registry.host}/src/dry:v1-schema1`,
      {
        key: ourKey,
        dryRun: true,
      },
    );
    // Same repository: the layers are there; the empty tar of the config's history entries without a layer is not
    // (the testkit's history has none: every entry made a layer).
    expect(planned.missingBlobs).toEqual([]);
    expect(planned.digest).toBe(computeDigest(schema1Payload(planned.bytes)));
    const elsewhere = await reg.pushSchema1(`${registry.host}/src/dry:v1`, `${registry.host}/other/dry:v1`, {
      key: ourKey,
      dryRun: true,
    });
    expect(new Set(elsewhere.missingBlobs)).toEqual(new Set(image.layers.map((l) => l.digest)));
    await expect(reg.manifest(`${registry.host}/src/dry:v1-schema1`)).rejects.toMatchObject({
      code: "MANIFEST_UNKNOWN",
    });
  });

  it("says the registry refused schema 1, and why, and writes nothing", async () => {
    const image = await generateImage({ layers: [200], mediaTypes: "docker", seed: "schema1-off" });
    await pushImage(registry.url, "src/app", "v1", image);
    const reg = client(registry.host);
    const error = await reg
      .pushSchema1(`${registry.host}/src/app:v1`, `${registry.host}/legacy/app:v1`, { key: ourKey })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect(error).toMatchObject({ code: "SCHEMA1_UNSUPPORTED", status: 500 });
    expect((error as Error).message).toBe(
      `put manifest ${registry.host}/legacy/app:v1: ${registry.host} refused a Docker schema 1 manifest (500 UNKNOWN): ` +
        "distribution answers so when schema 1 is off, its default since 2.7 (Docker Hub refuses schema 1 since 2024). " +
        "Push a schema 2 or OCI manifest instead, or enable compatibility.schema1 in the registry's config",
    );
    await expect(reg.tags(`${registry.host}/legacy/app`)).rejects.toMatchObject({ code: "NAME_UNKNOWN" });
    // The manifest went first: no layer was copied to a registry that would not take it.
    for (const layer of image.layers)
      expect(await reg.hasBlob(`${registry.host}/legacy/app`, layer.digest)).toBe(false);
  });
});
