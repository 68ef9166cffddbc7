/**
 * Which image a name picks in a source holding several names: each name leads to the manifest the source gives it
 * (not to the first manifest with the same content), one image under several names needs no name at all, and a
 * `repo:tag` name matches in any spelling docker accepts. The sources are built here by hand.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NotFoundError, UsageError } from "@regatta/errors";
import { type ImageSource, openImageSource } from "@regatta/layout";
import tar from "tar-stream";
import { afterEach, describe, expect, it } from "vitest";
import { scratchDirs } from "./test-helpers.js";

const temp = scratchDirs("regatta-image-names-");
const hex = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const IMAGE_NAME = "io.containerd.image.name";
const REF_NAME = "org.opencontainers.image.ref.name";

async function tarOf(files: Record<string, Uint8Array>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, body] of Object.entries(files)) pack.entry({ name }, Buffer.from(body));
  pack.finalize();
  const chunks: Uint8Array[] = [];
  for await (const chunk of pack as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** One config and one layer, and manifests of them that differ only in media types or annotations. */
function content() {
  const layer = Buffer.from("not really a layer, but bytes with a digest");
  const config = json({ architecture: "arm64", os: "linux", rootfs: { type: "layers", diff_ids: [] } });
  const blob = (mediaType: string, bytes: Buffer) => ({
    mediaType,
    digest: `sha256:${hex(bytes)}`,
    size: bytes.length,
  });
  const oci = json({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: blob("application/vnd.oci.image.config.v1+json", config),
    layers: [blob("application/vnd.oci.image.layer.v1.tar+gzip", layer)],
  });
  const docker = json({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: blob("application/vnd.docker.container.image.v1+json", config),
    layers: [blob("application/vnd.docker.image.rootfs.diff.tar.gzip", layer)],
  });
  const annotated = json({ ...JSON.parse(oci.toString()), annotations: { "org.example.note": "other" } });
  return { layer, config, oci, docker, annotated };
}

type Entry = { manifest: Buffer; mediaType: string; name?: string; tag?: string };

/** A tarball as Regatta and docker ≥ 25 write it: an OCI layout, and manifest.json with one item per manifest. */
async function archiveWith(entries: Entry[], items: { manifest: Buffer; repoTags: string[] }[]) {
  const { layer, config } = content();
  const files: Record<string, Uint8Array> = {
    "oci-layout": json({ imageLayoutVersion: "1.0.0" }),
    [`blobs/sha256/${hex(config)}`]: config,
    [`blobs/sha256/${hex(layer)}`]: layer,
  };
  for (const e of entries) files[`blobs/sha256/${hex(e.manifest)}`] = e.manifest;
  files["index.json"] = json({
    schemaVersion: 2,
    manifests: entries.map((e) => ({
      mediaType: e.mediaType,
      digest: `sha256:${hex(e.manifest)}`,
      size: e.manifest.length,
      ...(e.name ? { annotations: { [IMAGE_NAME]: e.name, ...(e.tag ? { [REF_NAME]: e.tag } : {}) } } : {}),
    })),
  });
  files["manifest.json"] = json(
    items.map((i) => ({
      Config: `blobs/sha256/${hex(config)}`,
      RepoTags: i.repoTags,
      Layers: [`blobs/sha256/${hex(layer)}`],
    })),
  );
  const path = join(temp(), "images.tar");
  writeFileSync(path, await tarOf(files));
  return path;
}

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const digestOf = (bytes: Buffer) => `sha256:${hex(bytes)}`;

let opened: ImageSource | undefined;
afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

/**
 * Two entries of one content, in both orders (so the first is not simply taken): a docker archive naming each by its
 * own RepoTag, where every name, full or its tag, must give its own manifest.
 */
async function expectEachNameItsOwn(
  a: Entry & { name: string; tag: string },
  b: Entry & { name: string; tag: string },
) {
  for (const order of [
    [a, b],
    [b, a],
  ]) {
    const path = await archiveWith(
      order,
      order.map((e) => ({ manifest: e.manifest, repoTags: [e.name] })),
    );
    opened = await openImageSource(path, "docker");
    expect(opened.images).toBe(2);
    for (const e of order) {
      const byName = await opened.image(e.name);
      expect([byName.top.digest, byName.name]).toEqual([digestOf(e.manifest), e.name]);
      expect((await opened.image(e.tag)).top.digest).toBe(digestOf(e.manifest));
    }
    await expect(opened.image()).rejects.toThrow(UsageError);
    await opened.close();
    opened = undefined;
  }
}

describe("a docker archive whose manifests share config and layers", () => {
  it("gives each RepoTag its own manifest: Docker and OCI media types, in either order", async () => {
    const c = content();
    await expectEachNameItsOwn(
      { manifest: c.oci, mediaType: OCI_MANIFEST, name: "reg.example/src/multi:v1", tag: "v1" },
      { manifest: c.docker, mediaType: DOCKER_MANIFEST, name: "reg.example/src/multi:docker", tag: "docker" },
    );
  });

  it("gives each RepoTag its own manifest when only the annotations differ", async () => {
    const c = content();
    await expectEachNameItsOwn(
      { manifest: c.oci, mediaType: OCI_MANIFEST, name: "reg.example/conv/s:oci", tag: "oci" },
      { manifest: c.annotated, mediaType: OCI_MANIFEST, name: "reg.example/conv/s:ann", tag: "ann" },
    );
  });

  it("matches docker's familiar RepoTags to the full io.containerd.image.name (docker ≥ 25)", async () => {
    const c = content();
    const path = await archiveWith(
      [
        { manifest: c.oci, mediaType: OCI_MANIFEST, name: "docker.io/library/app:1", tag: "1" },
        { manifest: c.docker, mediaType: DOCKER_MANIFEST, name: "docker.io/library/app:2", tag: "2" },
      ],
      [
        { manifest: c.oci, repoTags: ["app:1"] },
        { manifest: c.docker, repoTags: ["app:2"] },
      ],
    );
    opened = await openImageSource(path, "docker");
    expect((await opened.image("app:2")).top.digest).toBe(digestOf(c.docker));
    expect((await opened.image("docker.io/library/app:1")).top.digest).toBe(digestOf(c.oci));
  });
});

describe("one image under several names", () => {
  it("needs no name in a docker archive with one manifest.json entry of two RepoTags (docker save a:1 a:latest)", async () => {
    const c = content();
    const path = await archiveWith(
      [
        { manifest: c.oci, mediaType: OCI_MANIFEST, name: "reg.example/app:1", tag: "1" },
        { manifest: c.oci, mediaType: OCI_MANIFEST, name: "reg.example/app:latest", tag: "latest" },
      ],
      [{ manifest: c.oci, repoTags: ["reg.example/app:1", "reg.example/app:latest"] }],
    );
    opened = await openImageSource(path, "docker");
    expect(opened.names).toEqual(["reg.example/app:1", "reg.example/app:latest"]);
    expect(opened.images).toBe(1);
    expect((await opened.image()).top.digest).toBe(digestOf(c.oci));
    // An explicit name that is none of them is still refused.
    await expect(opened.image("other")).rejects.toThrow(NotFoundError);
  });

  it("needs no name in a skopeo-style archive (no OCI layout) with two RepoTags", async () => {
    const { layer, config } = content();
    const path = join(temp(), "skopeo.tar");
    writeFileSync(
      path,
      await tarOf({
        [`${hex(config)}.json`]: config,
        [`${hex(layer)}.tar`]: layer,
        "manifest.json": json([
          {
            Config: `${hex(config)}.json`,
            RepoTags: ["docker.io/foo/bar:1", "docker.io/foo/bar:2"],
            Layers: [`${hex(layer)}.tar`],
          },
        ]),
      }),
    );
    opened = await openImageSource(path, "docker");
    expect(opened.images).toBe(1);
    const image = await opened.image();
    expect(image.blobs.map((b) => b.digest)).toContain(digestOf(config));
  });

  it("needs no name in an OCI layout with one digest under two ref.names, and still asks when they differ", async () => {
    const c = content();
    const root = temp();
    mkdirSync(join(root, "blobs/sha256"), { recursive: true });
    writeFileSync(join(root, "oci-layout"), json({ imageLayoutVersion: "1.0.0" }));
    for (const b of [c.config, c.layer, c.oci, c.docker])
      writeFileSync(join(root, "blobs/sha256", hex(b)), b);
    const entry = (manifest: Buffer, mediaType: string, tag: string) => ({
      mediaType,
      digest: digestOf(manifest),
      size: manifest.length,
      annotations: { [REF_NAME]: tag },
    });
    writeFileSync(
      join(root, "index.json"),
      json({
        schemaVersion: 2,
        manifests: [entry(c.oci, OCI_MANIFEST, "v1"), entry(c.oci, OCI_MANIFEST, "v2")],
      }),
    );
    opened = await openImageSource(root, "oci");
    expect(opened.images).toBe(1);
    expect((await opened.image()).top.digest).toBe(digestOf(c.oci));
    await opened.close();

    writeFileSync(
      join(root, "index.json"),
      json({
        schemaVersion: 2,
        manifests: [
          entry(c.oci, OCI_MANIFEST, "v1"),
          entry(c.oci, OCI_MANIFEST, "v2"),
          entry(c.docker, DOCKER_MANIFEST, "v3"),
        ],
      }),
    );
    opened = await openImageSource(root, "oci");
    expect(opened.images).toBe(2);
    await expect(opened.image()).rejects.toThrow(/holds 2 images \(v1, v2, v3\): say which one with --name$/);
  });
});

describe("names in any spelling docker accepts", () => {
  it("matches docker.io/foo/bar:2 and foo/bar:2 to each other, either way round, and library/ images", async () => {
    const c = content();
    const path = await archiveWith(
      [
        { manifest: c.oci, mediaType: OCI_MANIFEST, name: "docker.io/foo/bar:2", tag: "2" },
        { manifest: c.docker, mediaType: DOCKER_MANIFEST, name: "docker.io/library/legacy:1", tag: "1" },
      ],
      [
        { manifest: c.oci, repoTags: ["docker.io/foo/bar:2"] },
        { manifest: c.docker, repoTags: ["legacy:1"] },
      ],
    );
    opened = await openImageSource(path, "docker");
    expect((await opened.image("foo/bar:2")).top.digest).toBe(digestOf(c.oci));
    expect((await opened.image("index.docker.io/foo/bar:2")).top.digest).toBe(digestOf(c.oci));
    expect((await opened.image("docker.io/library/legacy:1")).top.digest).toBe(digestOf(c.docker));
    expect((await opened.image("library/legacy:1")).top.digest).toBe(digestOf(c.docker));
    // Another repository or tag is no match.
    await expect(opened.image("foo/baz:2")).rejects.toThrow(NotFoundError);
    await expect(opened.image("other.example/foo/bar:2")).rejects.toThrow(NotFoundError);
  });
});
