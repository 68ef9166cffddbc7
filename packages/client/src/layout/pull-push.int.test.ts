import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { listTarEntries } from "@regatta/layout";
import { generateImage, generateIndex, pushImage, tempDirs, useRegistry } from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type RegistryClient, UsageError } from "../index.js";

const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const temp = tempDirs("regatta-disk-");

/** name → bytes of every file entry of a tarball. */
async function readTar(path: string): Promise<Map<string, Buffer>> {
  const handle = await open(path, "r");
  try {
    const size = (await handle.stat()).size;
    const readAt = async (position: number, length: number) => {
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, position);
      return buffer;
    };
    const files = new Map<string, Buffer>();
    for (const e of await listTarEntries(readAt, size)) {
      if (e.type === "file") files.set(e.name, await readAt(e.offset, e.size));
    }
    return files;
  } finally {
    await handle.close();
  }
}

describe("pull to disk and push back, against real registries", () => {
  const source = useRegistry("none");
  const target = useRegistry("token");
  let docker: Awaited<ReturnType<typeof generateImage>>;
  let oci: Awaited<ReturnType<typeof generateImage>>;
  let index: Awaited<ReturnType<typeof generateIndex>>;
  let reg: RegistryClient;
  let dest: RegistryClient;
  let src: string;

  beforeAll(async () => {
    docker = await generateImage({ layers: [3000, 5000], mediaTypes: "docker", seed: "disk-docker" });
    oci = await generateImage({ layers: [2000, 4000], seed: "disk-oci" });
    index = await generateIndex({ platforms: ["linux/amd64", "linux/arm64/v8"], seed: "disk-index" });
    await pushImage(source.url, "disk/docker", "v1", docker);
    await pushImage(source.url, "disk/oci", "v1", oci);
    await pushImage(source.url, "disk/oci", "v2", oci);
    await pushImage(source.url, "disk/index", "multi", index);
    src = source.host;
    reg = await connect(source.url, { platform: "linux/amd64" });
    dest = await connect(target.url, { username: "regatta", password: "regatta-secret" });
  }, 60_000);

  afterAll(async () => {
    await reg?.close();
    await dest?.close();
  });

  it("docker archive: manifest.json, repositories and an OCI layout with the registry's bytes; pushed back unchanged", async () => {
    const file = join(temp(), "images.tar");
    const result = await reg.pull([`${src}/disk/docker:v1`, `${src}/disk/oci:v1`], file);
    expect(result).toMatchObject({ format: "docker", blobs: { total: 6, downloaded: 6, cached: 0 } });
    const files = await readTar(file);
    const items = JSON.parse(files.get("manifest.json")!.toString());
    expect(items).toEqual([
      {
        Config: `blobs/sha256/${docker.config.digest.slice(7)}`,
        RepoTags: [`${src}/disk/docker:v1`],
        Layers: docker.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
      },
      {
        Config: `blobs/sha256/${oci.config.digest.slice(7)}`,
        RepoTags: [`${src}/disk/oci:v1`],
        Layers: oci.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
      },
    ]);
    expect(JSON.parse(files.get("repositories")!.toString())).toEqual({
      [`${src}/disk/docker`]: { v1: docker.config.digest.slice(7) },
      [`${src}/disk/oci`]: { v1: oci.config.digest.slice(7) },
    });
    // Layers as the registry serves them (gzip), and every blob is what its name says.
    for (const [name, bytes] of files) {
      if (name.startsWith("blobs/sha256/")) expect(sha256(bytes)).toBe(`sha256:${name.slice(13)}`);
    }
    expect(
      files.get(`blobs/sha256/${docker.layers[0]!.digest.slice(7)}`)!.equals(docker.layers[0]!.bytes),
    ).toBe(true);
    const indexJson = JSON.parse(files.get("index.json")!.toString());
    expect(indexJson.manifests.map((m: { digest: string }) => m.digest)).toEqual([
      docker.manifest.digest,
      oci.manifest.digest,
    ]);

    // Two images named v1: the tag alone is ambiguous, the full RepoTag is not.
    await expect(dest.push(file, "copy/oci:v1")).rejects.toBeInstanceOf(UsageError);
    const pushed = await dest.push(file, "copy/oci:v1", { name: `${src}/disk/oci:v1` });
    expect(pushed.digest).toBe(oci.manifest.digest);
    const pushedDocker = await dest.push(file, "copy/docker:v1", { name: `${src}/disk/docker:v1` });
    expect(pushedDocker).toMatchObject({ digest: docker.manifest.digest, format: "docker" });
    expect((await dest.manifest("copy/docker:v1")).digest).toBe(docker.manifest.digest);
  });

  it("one image under two tags needs no name; two images and a target tag naming neither is a usage error", async () => {
    const file = join(temp(), "two-tags.tar");
    await reg.pull([`${src}/disk/oci:v1`, `${src}/disk/oci:v2`], file);
    const items = JSON.parse((await readTar(file)).get("manifest.json")!.toString());
    expect(items.map((i: { RepoTags: string[] }) => i.RepoTags)).toEqual([
      [`${src}/disk/oci:v1`, `${src}/disk/oci:v2`],
    ]);
    const pushed = await dest.push(file, "copy/two:other");
    expect(pushed.digest).toBe(oci.manifest.digest);
    expect((await dest.push(file, "copy/two")).digest).toBe(oci.manifest.digest);

    const both = join(temp(), "two-images.tar");
    await reg.pull([`${src}/disk/docker:v1`, `${src}/disk/oci:v2`], both);
    const refused = dest.push(both, "copy/two:other");
    await expect(refused).rejects.toBeInstanceOf(UsageError);
    await expect(refused).rejects.toThrow(/holds 2 images and none is named "other"/);
    expect((await dest.push(both, "copy/two:v2")).digest).toBe(oci.manifest.digest);
  });

  it("a docker archive written to a stream is byte for byte the file", async () => {
    const dir = temp();
    await reg.pull(`${src}/disk/docker:v1`, join(dir, "a.tar"));
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on("data", (c: Buffer) => chunks.push(c));
    const result = await reg.pull(`${src}/disk/docker:v1`, out);
    expect(result.destination).toBe("-");
    expect(Buffer.concat(chunks).equals(readFileSync(join(dir, "a.tar")))).toBe(true);
    // …and it reads back from a stream too.
    const back = new PassThrough();
    back.end(Buffer.concat(chunks));
    expect((await dest.push(back, "copy/stream:v1")).digest).toBe(docker.manifest.digest);
  });

  it("OCI layout: several tags, shared blobs once, an index kept whole; pushed back with the same digests", async () => {
    const layout = join(temp(), "layout");
    await reg.pull([`${src}/disk/oci:v1`, `${src}/disk/oci:v2`], layout);
    const all = await reg.pull(`${src}/disk/index:multi`, layout, { platforms: "all" });
    expect(all.references[0]).toMatchObject({
      digest: index.index.digest,
      platforms: ["linux/amd64", "linux/arm64/v8"],
    });
    const indexJson = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
    expect(
      indexJson.manifests.map((m: { annotations: Record<string, string>; digest: string }) => [
        m.annotations["org.opencontainers.image.ref.name"],
        m.digest,
      ]),
    ).toEqual([
      ["v1", oci.manifest.digest],
      ["v2", oci.manifest.digest],
      ["multi", index.index.digest],
    ]);
    // oci: manifest + config + 2 layers, once for both tags; index: itself, 2 manifests, 2 configs, 2 layers.
    expect(readdirSync(join(layout, "blobs", "sha256")).sort()).toHaveLength(4 + 7);
    expect(existsSync(join(layout, ".regatta-partial"))).toBe(false);

    expect((await dest.push(layout, "copy/layout:v2")).digest).toBe(oci.manifest.digest);
    const multi = await dest.push(layout, "copy/layout:multi");
    expect(multi).toMatchObject({ digest: index.index.digest, manifests: 3 });
    const arm = await dest.manifest("copy/layout:multi", { platform: "linux/arm64" });
    expect(arm.digest).toBe(index.children[1]!.manifest.digest);
    // Pulling again fetches nothing: every blob is in place under its name.
    const again = await reg.pull(`${src}/disk/oci:v1`, layout);
    expect(again).toMatchObject({ blobs: { cached: 3, downloaded: 0 }, bytes: { downloaded: 0 } });
  });

  it("dir layout: boater's manifest + blobs/<digest>, for an image and for a whole index", async () => {
    const dir = join(temp(), "ubuntu");
    const result = await reg.pull(`${src}/disk/docker:v1`, dir, { format: "dir" });
    expect(result.format).toBe("dir");
    expect(readFileSync(join(dir, "manifest")).equals(docker.manifest.bytes)).toBe(true);
    expect(readdirSync(join(dir, "blobs")).sort()).toEqual(
      [docker.config.digest, ...docker.layers.map((l) => l.digest)].sort(),
    );
    expect((await dest.push(dir, "copy/dir:v1")).digest).toBe(docker.manifest.digest);

    const whole = join(temp(), "whole");
    await reg.pull(`${src}/disk/index:multi`, whole, { format: "dir", platforms: "all" });
    expect(readFileSync(join(whole, "manifest")).equals(index.index.bytes)).toBe(true);
    expect((await dest.push(whole, "copy/dir:multi")).digest).toBe(index.index.digest);
  });

  it("resolves an index to the platform asked for and reports both digests", async () => {
    const file = join(temp(), "arm.tar");
    const result = await reg.pull(`${src}/disk/index:multi`, file, { platform: "linux/arm64" });
    expect(result.references[0]).toMatchObject({
      digest: index.children[1]!.manifest.digest,
      index: { digest: index.index.digest },
      platform: "linux/arm64/v8",
    });
    const host = await reg.pull(`${src}/disk/index:multi`, join(temp(), "host.tar"));
    expect(host.references[0]!.digest).toBe(index.children[0]!.manifest.digest);
  });

  it("refuses what a format cannot hold", async () => {
    const dir = temp();
    await expect(
      reg.pull(`${src}/disk/index:multi`, join(dir, "x.tar"), { platforms: "all" }),
    ).rejects.toThrow(/--format oci/);
    await expect(
      reg.pull([`${src}/disk/oci:v1`, `${src}/disk/docker:v1`], join(dir, "layout")),
    ).rejects.toThrow(/both be named "v1"/);
    await expect(
      reg.pull([`${src}/disk/oci:v1`, `${src}/disk/oci:v2`], join(dir, "d"), { format: "dir" }),
    ).rejects.toThrow(/one image/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
