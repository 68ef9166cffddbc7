/**
 * The package on its own (issue 11): a docker-save tarball and an OCI image layout are read through nothing but
 * `@regatta/layout`'s public exports, with no registry and no client. The fixtures are built here by hand, the way
 * `docker save` (≤ 24) and the OCI image-layout spec lay them out, so the reader is checked against the formats and
 * not against Regatta's own writer.
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/image-layout.md
 */

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DigestMismatchError } from "@regatta/errors";
import { guessPushFormat, type ImageSource, openImageSource, type SourceImage } from "@regatta/layout";
import { tempDirs } from "@regatta/testkit";
import tar from "tar-stream";
import { afterEach, describe, expect, it } from "vitest";

const temp = tempDirs("regatta-layout-alone-");
const hex = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

async function bytesOf(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function tarOf(files: Record<string, Uint8Array>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, body] of Object.entries(files)) pack.entry({ name }, Buffer.from(body));
  pack.finalize();
  return bytesOf(pack as unknown as AsyncIterable<Uint8Array>);
}

/** An image's config and its one uncompressed layer, as `docker save` stores them. */
async function imageContent() {
  const layer = await tarOf({ "hello.txt": Buffer.from("hello from a layer\n") });
  const config = json({
    architecture: "amd64",
    os: "linux",
    config: { Cmd: ["cat", "/hello.txt"] },
    rootfs: { type: "layers", diff_ids: [`sha256:${hex(layer)}`] },
  });
  return { layer, config };
}

/** Every blob of an image, read back in full through `open()`. */
async function blobContents(image: SourceImage): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const blob of image.blobs) out.set(blob.digest, await bytesOf(blob.open()));
  return out;
}

let opened: ImageSource | undefined;
afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

describe("a docker-save tarball, read without a registry", () => {
  it("lists its RepoTags and gives the image: a manifest built from manifest.json, config and layer as stored", async () => {
    const { layer, config } = await imageContent();
    const configName = `${hex(config)}.json`;
    const archive = join(temp(), "hello.tar");
    writeFileSync(
      archive,
      await tarOf({
        [configName]: config,
        "0123abcd/layer.tar": layer,
        "manifest.json": json([
          { Config: configName, RepoTags: ["example.com/hello:1.0"], Layers: ["0123abcd/layer.tar"] },
        ]),
      }),
    );

    expect(await guessPushFormat(archive)).toBe("docker");
    opened = await openImageSource(archive, "docker");
    expect(opened.format).toBe("docker");
    expect(opened.names).toEqual(["example.com/hello:1.0"]);

    // Picked by its tag alone, as `--name 1.0` does.
    const image = await opened.image("1.0");
    expect(image.name).toBe("example.com/hello:1.0");
    expect(image.children).toEqual([]);
    // An uncompressed layer makes an OCI manifest whose layer digest is the diff ID: nothing is recompressed.
    expect(image.top.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(image.top.digest).toBe(`sha256:${hex(image.top.bytes)}`);
    const manifest = JSON.parse(Buffer.from(image.top.bytes).toString("utf8"));
    expect(manifest.config).toEqual({
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: `sha256:${hex(config)}`,
      size: config.length,
    });
    expect(manifest.layers).toEqual([
      {
        mediaType: "application/vnd.oci.image.layer.v1.tar",
        digest: `sha256:${hex(layer)}`,
        size: layer.length,
      },
    ]);
    expect(await blobContents(image)).toEqual(
      new Map([
        [`sha256:${hex(config)}`, config],
        [`sha256:${hex(layer)}`, layer],
      ]),
    );
  });
});

describe("a docker-save tarball is read through the one handle it was opened with (QA LOW #4)", () => {
  it("its layers come from the file that was checked, though its name now names another file", async () => {
    const { layer, config } = await imageContent();
    const configName = `${hex(config)}.json`;
    const dir = temp();
    const archive = join(dir, "hello.tar");
    const files = {
      [configName]: config,
      "0123abcd/layer.tar": layer,
      "manifest.json": json([{ Config: configName, RepoTags: ["hello:1"], Layers: ["0123abcd/layer.tar"] }]),
    };
    writeFileSync(archive, await tarOf(files));
    opened = await openImageSource(archive, "docker");
    const image = await opened.image(undefined);
    // Another archive of the same layout takes the name: same offsets, other bytes.
    writeFileSync(join(dir, "other.tar"), Buffer.from(await tarOf(files)).fill(0x78, 1536));
    renameSync(join(dir, "other.tar"), archive);
    expect((await blobContents(image)).get(`sha256:${hex(layer)}`)).toEqual(layer);
  });

  it("a FIFO is refused at once, not waited on", async () => {
    const fifo = join(temp(), "pipe.tar");
    execFileSync("mkfifo", [fifo]);
    const { openDockerArchiveSource } = await import("./docker-archive-reader.js");
    await expect(openDockerArchiveSource(fifo)).rejects.toThrow(/it is a FIFO/);
  }, 10_000);
});

describe("an OCI image layout, read without a registry", () => {
  /** Writes an OCI layout holding one image tagged `1.0`; `tamper` changes the stored manifest after hashing. */
  async function ociLayout(tamper?: (manifest: Buffer) => Buffer) {
    const { layer, config } = await imageContent();
    const manifest = json({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: `sha256:${hex(config)}`,
        size: config.length,
      },
      layers: [
        {
          mediaType: "application/vnd.oci.image.layer.v1.tar",
          digest: `sha256:${hex(layer)}`,
          size: layer.length,
        },
      ],
    });
    const root = temp();
    mkdirSync(join(root, "blobs/sha256"), { recursive: true });
    writeFileSync(join(root, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(
      join(root, "index.json"),
      json({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            digest: `sha256:${hex(manifest)}`,
            size: manifest.length,
            annotations: { "org.opencontainers.image.ref.name": "1.0" },
          },
        ],
      }),
    );
    // Blobs are stored under their digest; a tampered manifest keeps the name of the bytes it replaced.
    writeFileSync(join(root, "blobs/sha256", hex(manifest)), tamper ? tamper(manifest) : manifest);
    for (const blob of [config, layer]) writeFileSync(join(root, "blobs/sha256", hex(blob)), blob);
    return { root, manifest, config, layer };
  }

  it("lists its ref.names and gives the image: the manifest byte for byte, and every blob", async () => {
    const { root, manifest, config, layer } = await ociLayout();

    expect(await guessPushFormat(root)).toBe("oci");
    opened = await openImageSource(root, "oci");
    expect(opened.names).toEqual(["1.0"]);

    const image = await opened.image();
    expect(image.name).toBe("1.0");
    expect(image.top).toMatchObject({
      digest: `sha256:${hex(manifest)}`,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      size: manifest.length,
    });
    expect(Buffer.from(image.top.bytes).equals(manifest)).toBe(true);
    expect(await blobContents(image)).toEqual(
      new Map([
        [`sha256:${hex(config)}`, config],
        [`sha256:${hex(layer)}`, layer],
      ]),
    );
  });

  it("refuses a manifest whose bytes on disk are not the ones its digest names", async () => {
    // Same size, other bytes: the size check passes and only the digest can tell.
    const { root } = await ociLayout((m) =>
      Buffer.from(m.toString("utf8").replace('"schemaVersion":2', '"schemaVersion":3')),
    );
    opened = await openImageSource(root, "oci");
    await expect(opened.image("1.0")).rejects.toBeInstanceOf(DigestMismatchError);
  });
});
