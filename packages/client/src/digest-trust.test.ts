/**
 * Issue 10, item 5: a digest the registry claims is a claim. `digest` says where its answer came from, `--verify`
 * hashes the manifest, and where the reference carries a digest any other one the registry names is refused; the
 * manifest, pull and copy paths refuse a lying `Docker-Content-Digest` and content that is not what was asked for,
 * whether or not the registry's header agrees with that content.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  distributionHandlers,
  fakeRepository,
  generateImage,
  generateIndex,
  type HostileRegistry,
  LIE_DIGEST,
  type LyingDigestOptions,
  serveHandlers,
  startFaultProxy,
  startHostileRegistry,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient, DigestMismatchError, type RegistryClient } from "./index.js";

let image: Awaited<ReturnType<typeof generateImage>>;
let hostile: HostileRegistry | undefined;
let reg: RegistryClient | undefined;

beforeAll(async () => {
  image = await generateImage({ layers: [1000], seed: "lying-digest" });
});
afterEach(async () => {
  await reg?.close();
  await hostile?.close();
  reg = undefined;
  hostile = undefined;
});

async function lying(
  options: Partial<LyingDigestOptions> = {},
): Promise<{ host: string; reg: RegistryClient }> {
  hostile = await startHostileRegistry({
    behaviour: "lying-digest",
    manifest: { bytes: image.manifest.bytes, mediaType: image.manifest.mediaType },
    ...options,
  });
  reg = createClient(hostile.host, { retry: { attempts: 0 } });
  return { host: hostile.host, reg };
}

const manifestDigestOf = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** The image's manifest with one layer size changed: still valid JSON, still a valid manifest, another digest. */
function tamperedManifest(): Uint8Array {
  const json = JSON.parse(new TextDecoder().decode(image.manifest.bytes));
  json.layers[0].size += 1;
  return new TextEncoder().encode(JSON.stringify(json));
}

describe("digest of a tag: a HEAD's header is a claim", () => {
  it("says the digest came from the header when it was not checked", async () => {
    const { host, reg } = await lying({ digest: "served" });
    const head = await reg.head(`${host}/team/app:1`);
    expect(head).toMatchObject({ digest: image.manifest.digest, source: "header" });
  });

  it("verify hashes the manifest, and refuses a registry whose header names another", async () => {
    const { host, reg } = await lying();
    // The HEAD alone cannot tell: it is reported as a claim from the header.
    expect(await reg.head(`${host}/team/app:1`)).toMatchObject({ digest: LIE_DIGEST, source: "header" });
    const err = await reg.digest(`${host}/team/app:1`, { verify: true }).catch((e) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(err).toMatchObject({ expected: LIE_DIGEST, actual: image.manifest.digest, status: 200 });
    expect(err.request).toEqual({ method: "GET", url: `http://${host}/v2/team/app/manifests/1` });
  });

  it("a header that is not a digest at all is no claim: the manifest is fetched and hashed", async () => {
    const { host, reg } = await lying({ digest: "sha256:../../etc/passwd", headOnly: true });
    expect(await reg.head(`${host}/team/app:1`)).toMatchObject({
      digest: image.manifest.digest,
      source: "verified",
    });
  });

  it("verify answers the hashed digest when only the HEAD lies", async () => {
    const { host, reg } = await lying({ headOnly: true });
    expect(await reg.head(`${host}/team/app:1`, { verify: true })).toMatchObject({
      digest: image.manifest.digest,
      source: "verified",
    });
  });
});

describe("a reference that carries a digest", () => {
  it("a HEAD naming another digest is a DigestMismatchError naming both", async () => {
    const { host, reg } = await lying();
    const err = await reg.digest(`${host}/team/app@${image.manifest.digest}`).catch((e) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(err.code).toBe("DIGEST_MISMATCH");
    expect(err.message).toContain(image.manifest.digest);
    expect(err.message).toContain(LIE_DIGEST);
    expect(err).toMatchObject({ expected: image.manifest.digest, actual: LIE_DIGEST, status: 200 });
    expect(err.request).toEqual({
      method: "HEAD",
      url: `http://${host}/v2/team/app/manifests/${image.manifest.digest}`,
    });
  });

  it("a HEAD that agrees, or names none, answers the reference's digest", async () => {
    for (const digest of ["served", null] as const) {
      const { host, reg } = await lying({ digest });
      expect(await reg.head(`${host}/team/app@${image.manifest.digest}`)).toMatchObject({
        digest: image.manifest.digest,
        source: "reference",
      });
      await reg.close();
      await hostile?.close();
    }
  });

  // The mutant left alive by the outside run: skipping the check of the bytes against the requested digest. The
  // tampered manifest is valid JSON, and the registry's header agrees with it (or is absent), so only that check
  // can catch it.
  it.each([
    ["a header matching the tampered content", "served" as const],
    ["no header", null],
  ])("a GET by digest serving other valid content, with %s, is refused", async (_what, digest) => {
    const tampered = tamperedManifest();
    hostile = await startHostileRegistry({
      behaviour: "lying-digest",
      manifest: { bytes: tampered, mediaType: image.manifest.mediaType },
      digest,
    });
    reg = createClient(hostile.host, { retry: { attempts: 0 } });
    const ref = `${hostile.host}/team/app@${image.manifest.digest}`;
    for (const call of [() => reg!.manifest(ref), () => reg!.digest(ref, { verify: true })]) {
      const err = await call().catch((e) => e);
      expect(err).toBeInstanceOf(DigestMismatchError);
      expect(err.message).toContain("the requested digest");
      expect(err).toMatchObject({ expected: image.manifest.digest, actual: manifestDigestOf(tampered) });
    }
  });
});

describe("manifest, pull and copy refuse a lying header", () => {
  it("manifest by tag and by digest", async () => {
    const { host, reg } = await lying();
    for (const ref of [`${host}/team/app:1`, `${host}/team/app@${image.manifest.digest}`]) {
      const err = await reg.manifest(ref).catch((e) => e);
      expect(err).toBeInstanceOf(DigestMismatchError);
    }
  });

  it("pull leaves nothing behind", async () => {
    const { host, reg } = await lying();
    const dir = mkdtempSync(join(tmpdir(), "regatta-lying-"));
    try {
      const err = await reg.pull(`${host}/team/app:1`, join(dir, "out"), { format: "oci" }).catch((e) => e);
      expect(err).toBeInstanceOf(DigestMismatchError);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("copy from a lying source sends nothing to the target", async () => {
    const { host, reg } = await lying();
    const err = await reg.copy(`${host}/team/app:1`, "127.0.0.1:9/never/used:1").catch((e) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
  });
});

describe("pull of an index whose child the registry swapped for other valid content", () => {
  // The same mutant, on the pull path: children are fetched by digest. The registry's header agrees with what it
  // serves (a consistent lie, through the fault proxy), so only the check against the requested digest catches it.
  it("is refused with DigestMismatchError naming the child's digest, and nothing is written", async () => {
    const index = await generateIndex({ layers: [300], seed: "lying-child" });
    const child = index.children[1]!;
    const json = JSON.parse(new TextDecoder().decode(child.manifest.bytes));
    json.layers[0].size += 1;
    const tampered = Buffer.from(JSON.stringify(json));
    const handlers = distributionHandlers({ repos: { "team/app": fakeRepository({ v1: index }) } });
    handlers.store.repository("team/app")!.manifests.set(child.manifest.digest, {
      bytes: tampered,
      mediaType: child.manifest.mediaType,
    });
    const served = await serveHandlers(handlers);
    const proxy = await startFaultProxy(served.url, [
      {
        method: ["GET", "HEAD"],
        path: new RegExp(`/manifests/${child.manifest.digest}$`),
        times: Number.POSITIVE_INFINITY,
        fault: { type: "digest", digest: manifestDigestOf(tampered) },
      },
    ]);
    const client = createClient(proxy.host, { retry: { attempts: 0 } });
    const dir = mkdtempSync(join(tmpdir(), "regatta-lying-child-"));
    try {
      const err = await client
        .pull(`${proxy.host}/team/app:v1`, join(dir, "out"), { format: "oci", platforms: "all" })
        .catch((e) => e);
      expect(err).toBeInstanceOf(DigestMismatchError);
      expect(err).toMatchObject({ expected: child.manifest.digest, actual: manifestDigestOf(tampered) });
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await client.close();
      await proxy.close();
      await served.close();
    }
  });
});
