/**
 * Referrers and artifacts against the REAL distribution 2.8 (issue 13), which has no referrers API: it answers
 * `GET /v2/<name>/referrers/<digest>` 404 and no `OCI-Subject` on a manifest PUT, so every referrer here is found
 * through the tag-schema fallback index Regatta keeps. The pushed manifest is checked against the image spec's
 * rules for artifacts.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, readlink, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { generateIndex, ociSchemaErrors, pushImage, tempDirs, useRegistry } from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type RegistryClient } from "../index.js";

const sha256 = (b: Uint8Array | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const SBOM = "application/spdx+json";
const SIG = "application/vnd.example.signature.v1+json";
/** RFC 6838 media type, as the image spec's schema checks `artifactType` and `mediaType`. */
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

const tempDir = tempDirs("regatta-referrers-int-");
const exec = promisify(execFile);

/** skopeo's stdout, policy checks off (a loopback registry, test content). */
async function skopeo(...args: string[]): Promise<string> {
  return (await exec("skopeo", ["--insecure-policy", ...args], { maxBuffer: 16 * 1024 * 1024 })).stdout;
}

/**
 * The image spec's rules for an artifact manifest (https://github.com/opencontainers/image-spec/blob/v1.1.0/manifest.md,
 * #guidelines-for-artifact-usage and #guidance-for-an-empty-descriptor): schemaVersion 2, the OCI manifest type,
 * `artifactType` a media type (required when the config is the empty one), the empty config descriptor exactly,
 * layers as descriptors, `subject` a descriptor of the subject.
 */
function checkArtifactManifest(
  bytes: Uint8Array,
  subject: { digest: string; mediaType: string; size: number },
) {
  const m = JSON.parse(Buffer.from(bytes).toString("utf8"));
  expect(m.schemaVersion).toBe(2);
  expect(m.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
  expect(m.artifactType).toMatch(MEDIA_TYPE);
  expect(m.config).toEqual({
    mediaType: "application/vnd.oci.empty.v1+json",
    digest: sha256("{}"),
    size: 2,
    data: Buffer.from("{}").toString("base64"),
  });
  expect(m.layers.length).toBeGreaterThan(0);
  for (const layer of m.layers) {
    expect(layer.mediaType).toMatch(MEDIA_TYPE);
    expect(layer.digest).toMatch(DIGEST);
    expect(Number.isInteger(layer.size) && layer.size >= 0).toBe(true);
    expect(typeof layer.annotations["org.opencontainers.image.title"]).toBe("string");
  }
  expect(m.subject).toEqual(subject);
}

describe("referrers on distribution 2.8 (tag-schema fallback)", () => {
  const registry = useRegistry("none");
  const second = useRegistry("none");
  let reg: RegistryClient;
  let index: Awaited<ReturnType<typeof generateIndex>>;

  beforeAll(async () => {
    index = await generateIndex({ platforms: ["linux/amd64", "linux/arm64/v8"], seed: "referrers-int" });
    await pushImage(registry.url, "sc/app", "1.0", index);
    reg = createClient(registry.host, { retry: { attempts: 0 } });
  }, 60_000);
  afterAll(() => reg?.close());

  it("answers the referrers API 404, so the fallback is what runs", async () => {
    const response = await fetch(`${registry.url}/v2/sc/app/referrers/${index.index.digest}`);
    await response.arrayBuffer();
    expect(response.status).toBe(404);
  });

  it("a referrer pushed by putManifest or copied by copy is listed in the fallback index too, as attach lists it", async () => {
    // Before, only attach (pushArtifact) kept the fallback index: the same manifest put or copied to distribution 2.8
    // was findable by nothing. The spec asks it of every client that pushes a manifest with a subject.
    const subjectRef = `${registry.host}/sc/put:1.0`;
    await reg.copy(`${registry.host}/sc/app:1.0`, subjectRef, { platforms: "all" });
    const emptyConfig = { mediaType: "application/vnd.oci.empty.v1+json", digest: sha256("{}"), size: 2 };
    await reg.pushBlob(`${registry.host}/sc/put`, new TextEncoder().encode("{}"));
    const manifest = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      artifactType: SIG,
      config: emptyConfig,
      layers: [emptyConfig],
      subject: {
        mediaType: index.index.mediaType,
        digest: index.index.digest,
        size: index.index.bytes.byteLength,
      },
      annotations: { "org.example.by": "put-manifest" },
    };
    const put = await reg.putManifest(`${registry.host}/sc/put`, manifest);
    expect(put.referrers).toEqual({
      how: "fallback-tag",
      fallbackTag: `sha256-${index.index.digest.slice(7)}`,
    });
    const listed = await reg.referrers(subjectRef, { cosign: false });
    expect(listed.referrers.map((r) => [r.digest, r.artifactType, r.annotations])).toEqual([
      [put.digest, SIG, { "org.example.by": "put-manifest" }],
    ]);

    // Copied alone (no --referrers) into another repository that holds the subject: listed there as well.
    const target = `${registry.host}/sc/put-copy`;
    await reg.copy(subjectRef, `${target}:1.0`, { platforms: "all" });
    await reg.copy(`${registry.host}/sc/put@${put.digest}`, `${target}@${put.digest}`);
    const copied = await reg.referrers(`${target}:1.0`, { cosign: false });
    expect(copied.referrers.map((r) => r.digest)).toEqual([put.digest]);

    // fallback: false pushes the manifest alone.
    const alone = await reg.putManifest(
      `${registry.host}/sc/put`,
      { ...manifest, annotations: { "org.example.by": "alone" } },
      { fallback: false },
    );
    expect(alone.referrers).toBeUndefined();
    expect((await reg.referrers(subjectRef, { cosign: false })).referrers.map((r) => r.digest)).toEqual([
      put.digest,
    ]);
  });

  it("attaches an SBOM and a signature to a multi-platform image, lists both, pulls one back", async () => {
    const sbomText = JSON.stringify({ spdxVersion: "SPDX-2.3", name: "app" });
    const sbom = await reg.pushArtifact(`${registry.host}/sc/app`, {
      artifactType: SBOM,
      subject: `${registry.host}/sc/app:1.0`,
      files: [{ bytes: sbomText, title: "sbom.spdx.json", mediaType: SBOM }],
    });
    const sig = await reg.pushArtifact(`${registry.host}/sc/app`, {
      artifactType: SIG,
      subject: `${registry.host}/sc/app:1.0`,
      annotations: { "org.example.signer": "ci" },
      files: [{ bytes: "signature bytes", title: "app.sig" }],
    });
    // No OCI-Subject from 2.8: both went into the fallback index.
    expect([sbom.referrers, sig.referrers]).toEqual(["fallback-tag", "fallback-tag"]);

    const subject = {
      mediaType: index.index.mediaType,
      digest: index.index.digest,
      size: index.index.bytes.byteLength,
    };
    const stored = await reg.manifest(`${registry.host}/sc/app@${sbom.digest}`);
    checkArtifactManifest(stored.bytes, subject);
    expect(ociSchemaErrors("manifest", stored.bytes)).toEqual([]);

    const found = await reg.referrers(`${registry.host}/sc/app:1.0`);
    expect(found.api).toBe(false);
    expect(found.ignored).toBeUndefined();
    expect(found.referrers.map((r) => [r.digest, r.artifactType, r.source]).sort()).toEqual(
      [
        [sbom.digest, SBOM, "referrers-tag"],
        [sig.digest, SIG, "referrers-tag"],
      ].sort(),
    );
    expect(found.referrers.find((r) => r.digest === sig.digest)?.annotations).toEqual({
      "org.example.signer": "ci",
    });
    const onlySboms = await reg.referrers(`${registry.host}/sc/app:1.0`, { artifactType: SBOM });
    expect(onlySboms.referrers.map((r) => r.digest)).toEqual([sbom.digest]);

    const dir = join(tempDir(), "pulled");
    const pulled = await reg.pullArtifact(`${registry.host}/sc/app@${sbom.digest}`, dir);
    expect(pulled.files.map((f) => f.title)).toEqual(["sbom.spdx.json"]);
    expect(await readFile(join(dir, "sbom.spdx.json"), "utf8")).toBe(sbomText);

    // The subject itself is unchanged: same digest, and its tag still names it.
    expect(await reg.digest(`${registry.host}/sc/app:1.0`)).toBe(index.index.digest);

    // Interop: skopeo reads the subject unchanged, and the artifact and the fallback index as Regatta wrote them.
    const docker = (ref: string) => `docker://${registry.host}/sc/app${ref}`;
    const raw = await skopeo("inspect", "--raw", "--tls-verify=false", docker(":1.0"));
    expect(sha256(raw)).toBe(index.index.digest);
    const artifact = await skopeo("inspect", "--raw", "--tls-verify=false", docker(`@${sbom.digest}`));
    expect(sha256(artifact)).toBe(sbom.digest);
    const fallback = JSON.parse(
      await skopeo("inspect", "--raw", "--tls-verify=false", docker(`:${sbom.fallbackTag}`)),
    );
    expect(fallback.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(ociSchemaErrors("index", fallback)).toEqual([]);
    expect(fallback.manifests.map((m: { digest: string }) => m.digest).sort()).toEqual(
      [sbom.digest, sig.digest].sort(),
    );
  });

  it("copies the image and its referrers to a second registry, where they are found through its fallback tag", async () => {
    const source = `${registry.host}/sc/app:1.0`;
    const target = `${second.host}/mirror/app:1.0`;
    // The referrers the test above attached (vitest runs a file's tests in order).
    const before = await reg.referrers(source, { cosign: false });
    expect(before.referrers).toHaveLength(2);
    await reg.copy(source, target);
    const copied = await reg.copyReferrers(source, target);
    expect(copied.targetApi).toBe(false);
    expect(copied.copied.map((c) => c.digest).sort()).toEqual(before.referrers.map((r) => r.digest).sort());
    const after = await reg.referrers(target, { cosign: false });
    expect(after.digest).toBe(index.index.digest);
    expect(after.referrers.map((r) => [r.digest, r.artifactType]).sort()).toEqual(
      before.referrers.map((r) => [r.digest, r.artifactType]).sort(),
    );
  });

  it("pushes a directory as oras does and pulls it back unpacked, on the real registry", async () => {
    const work = tempDir();
    const site = join(work, "site");
    await mkdir(join(site, "css"), { recursive: true });
    await writeFile(join(site, "index.html"), "<p>hi</p>");
    await writeFile(join(site, "css", "a.css"), "p{}");
    await symlink("index.html", join(site, "home.html"));
    const made = await reg.pushArtifact(`${registry.host}/sc/site:1`, {
      artifactType: "application/vnd.example.site",
      files: [{ path: site }, { bytes: "v1", title: "meta/version.txt" }],
    });
    const layer = made.manifest.layers[0];
    expect(layer?.mediaType).toBe("application/vnd.oci.image.layer.v1.tar+gzip");
    expect(Object.keys(layer?.annotations ?? {}).sort()).toEqual([
      "io.deis.oras.content.digest",
      "io.deis.oras.content.unpack",
      "org.opencontainers.image.title",
    ]);
    const raw = await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/sc/site:1`);
    expect(sha256(raw)).toBe(made.digest);
    expect(ociSchemaErrors("manifest", raw)).toEqual([]);

    const out = join(work, "out");
    const pulled = await reg.pullArtifact(`${registry.host}/sc/site:1`, out);
    expect(pulled.files.map((f) => [f.title, f.kind])).toEqual([
      ["site", "directory"],
      ["meta/version.txt", "file"],
    ]);
    expect((await readdir(join(out, "site"))).sort()).toEqual(["css", "home.html", "index.html"]);
    expect(await readFile(join(out, "site", "css", "a.css"), "utf8")).toBe("p{}");
    expect(await readlink(join(out, "site", "home.html"))).toBe("index.html");
    expect(await readFile(join(out, "meta", "version.txt"), "utf8")).toBe("v1");
  });
});
