/**
 * Issue 10, item 6: a layout on disk must not make a push read outside it. Every entry point (OCI layout, dir
 * layout, docker archive) is tried with a symbolic link out of the layout (to a secret, and to the very bytes the
 * manifest expects, which a digest check alone would let through), a link to another file inside (allowed: docker
 * save links shared layers, and inside content is the layout's own), and a linked directory on the way. The target
 * is the test kit's distribution fake; what it received is checked for the secret.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
  distributionHandlers,
  generateImage,
  type RegistryHandlers,
  type ServedHandlers,
  serveHandlers,
  tempDirs,
} from "@regatta/testkit";
import tar from "tar-stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient, type RegistryClient, UsageError } from "../index.js";

const temp = tempDirs("regatta-symlinks-");
const SECRET = "-----BEGIN OPENSSH PRIVATE KEY----- regatta-symlink-secret";

let image: Awaited<ReturnType<typeof generateImage>>;
let handlers: RegistryHandlers;
let served: ServedHandlers;
let reg: RegistryClient;
let host: string;
let counter = 0;

beforeAll(async () => {
  image = await generateImage({ layers: [2048], seed: "symlinks" });
  handlers = distributionHandlers();
  served = await serveHandlers(handlers);
  host = new URL(served.url).host;
  reg = createClient(host, { retry: { attempts: 0 } });
});
afterAll(async () => {
  await reg.close();
  await served.close();
});
afterEach(() => {
  // Nothing the registry received may hold the secret: stored blobs, manifests, and open uploads.
  const seen: Buffer[] = [];
  for (const repo of handlers.store.repositories.values()) {
    seen.push(...repo.blobs.values(), ...[...repo.manifests.values()].map((m) => m.bytes));
  }
  for (const upload of handlers.store.uploads.values()) seen.push(...upload.chunks);
  expect(Buffer.concat(seen).includes(SECRET)).toBe(false);
});

const hex = (digest: string) => digest.slice("sha256:".length);
const layer = () => image.layers[0]!;
/** Everything an image needs, by digest. */
const blobs = () =>
  new Map<string, Buffer>([
    [image.manifest.digest, image.manifest.bytes],
    [image.config.digest, image.config.bytes],
    [layer().digest, layer().bytes],
  ]);

/** A file outside every layout: the secret, or (`bytes`) the content the manifest expects. */
function outsideFile(bytes: Buffer | string = SECRET): string {
  const dir = temp();
  const path = join(dir, "outside");
  writeFileSync(path, bytes);
  return path;
}

/** A well-formed OCI layout; returns its root. */
function ociLayout(): string {
  const root = join(temp(), "layout");
  mkdirSync(join(root, "blobs", "sha256"), { recursive: true });
  writeFileSync(join(root, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  const index = {
    schemaVersion: 2,
    manifests: [{ ...image.manifest.descriptor, annotations: { "org.opencontainers.image.ref.name": "1" } }],
  };
  writeFileSync(join(root, "index.json"), JSON.stringify(index));
  for (const [digest, bytes] of blobs()) writeFileSync(join(root, "blobs", "sha256", hex(digest)), bytes);
  return root;
}

/** A boater-style dir layout: `manifest` and `blobs/sha256:<hex>`. */
function dirLayout(): string {
  const root = join(temp(), "dir");
  mkdirSync(join(root, "blobs"), { recursive: true });
  writeFileSync(join(root, "manifest"), image.manifest.bytes);
  for (const [digest, bytes] of blobs()) {
    if (digest !== image.manifest.digest) writeFileSync(join(root, "blobs", digest), bytes);
  }
  return root;
}

/** Replaces `path` with a symbolic link to `target` (relative when `relativeLink`). */
function link(path: string, target: string, relativeLink = false): void {
  rmSync(path, { recursive: true, force: true });
  symlinkSync(relativeLink ? relative(join(path, ".."), target) : target, path);
}

const push = (source: string, format: "oci" | "dir" | "docker") =>
  reg.push(source, `${host}/sym/t${++counter}:1`, { format });

async function expectRefused(source: string, format: "oci" | "dir" | "docker") {
  const err = await push(source, format).catch((e) => e);
  expect(err).toBeInstanceOf(UsageError);
  expect(err.code).toBe("PATH_OUTSIDE_LAYOUT");
  return err;
}

describe("OCI layout", () => {
  const blobPath = (root: string, digest: string) => join(root, "blobs", "sha256", hex(digest));

  it.each([
    ["a layer", () => layer().digest],
    ["the config", () => image.config.digest],
    ["the manifest", () => image.manifest.digest],
  ])("%s linked to a secret outside is refused, and nothing of it is sent", async (_what, digest) => {
    const root = ociLayout();
    link(blobPath(root, digest()), outsideFile());
    const err = await expectRefused(root, "oci");
    expect(err.message).toContain("outside");
  });

  it("a layer linked (relatively) to a copy of itself outside is refused: the digest would have matched", async () => {
    const root = ociLayout();
    link(blobPath(root, layer().digest), outsideFile(layer().bytes), true);
    await expectRefused(root, "oci");
  });

  it.each(["index.json", "oci-layout"])("%s linked outside is refused", async (name) => {
    const root = ociLayout();
    link(join(root, name), outsideFile(readFileSync(join(root, name))));
    await expectRefused(root, "oci");
  });

  it.each([
    ["blobs/sha256", (root: string) => join(root, "blobs", "sha256")],
    ["blobs", (root: string) => join(root, "blobs")],
  ])("the directory %s linked to a copy outside is refused", async (_what, dir) => {
    const root = ociLayout();
    const copy = join(temp(), "copy");
    execFileSync("cp", ["-r", dir(root), copy]);
    link(dir(root), copy);
    await expectRefused(root, "oci");
  });

  it("links that stay inside the layout are followed: a blob and a directory on the way", async () => {
    const root = ociLayout();
    // A layer stored elsewhere in the layout, linked from its blob path (as docker save links shared layers).
    mkdirSync(join(root, "store"));
    writeFileSync(join(root, "store", "layer"), layer().bytes);
    link(blobPath(root, layer().digest), join(root, "store", "layer"), true);
    // The blobs directory itself a link to another directory of the layout.
    execFileSync("mv", [join(root, "blobs"), join(root, "real-blobs")]);
    symlinkSync("real-blobs", join(root, "blobs"));
    const done = await push(root, "oci");
    expect(done.digest).toBe(image.manifest.digest);
  });

  it("a layout root given through a link is the user's choice, and is followed", async () => {
    const root = ociLayout();
    const alias = join(temp(), "alias");
    symlinkSync(root, alias);
    expect((await push(alias, "oci")).digest).toBe(image.manifest.digest);
  });

  it("a blob whose links go round in a loop is a typed refusal, not a raw ELOOP", async () => {
    const root = ociLayout();
    const path = blobPath(root, layer().digest);
    rmSync(path);
    symlinkSync(`${hex(layer().digest)}.b`, path);
    symlinkSync(hex(layer().digest), `${path}.b`);
    const err = await expectRefused(root, "oci");
    expect(err.message).toContain("loop");
  });

  it("a FIFO planted as a blob is refused at once, without hanging", async () => {
    const root = ociLayout();
    rmSync(blobPath(root, layer().digest));
    execFileSync("mkfifo", [blobPath(root, layer().digest)]);
    await expectRefused(root, "oci");
  });
});

describe("dir layout", () => {
  it("a layer linked to a secret outside is refused", async () => {
    const root = dirLayout();
    link(join(root, "blobs", layer().digest), outsideFile());
    await expectRefused(root, "dir");
  });

  it("a layer linked to a copy of itself outside is refused", async () => {
    const root = dirLayout();
    link(join(root, "blobs", layer().digest), outsideFile(layer().bytes));
    await expectRefused(root, "dir");
  });

  it("the manifest linked outside is refused", async () => {
    const root = dirLayout();
    link(join(root, "manifest"), outsideFile(image.manifest.bytes));
    await expectRefused(root, "dir");
  });

  it("the blobs directory linked to a copy outside is refused", async () => {
    const root = dirLayout();
    const copy = join(temp(), "copy");
    execFileSync("cp", ["-r", join(root, "blobs"), copy]);
    link(join(root, "blobs"), copy);
    await expectRefused(root, "dir");
  });

  it("a link to another file inside is followed", async () => {
    const root = dirLayout();
    writeFileSync(join(root, "layer.copy"), layer().bytes);
    link(join(root, "blobs", layer().digest), join(root, "layer.copy"), true);
    expect((await push(root, "dir")).digest).toBe(image.manifest.digest);
  });
});

describe("docker archive (links are resolved inside the tar, never on disk)", () => {
  /** An OCI-layout tarball (what docker ≥ 25 saves) with `links` replacing some entries. */
  async function archive(links: Record<string, string>): Promise<string> {
    const pack = tar.pack();
    pack.entry({ name: "oci-layout" }, '{"imageLayoutVersion":"1.0.0"}');
    const index = {
      schemaVersion: 2,
      manifests: [
        { ...image.manifest.descriptor, annotations: { "org.opencontainers.image.ref.name": "1" } },
      ],
    };
    pack.entry({ name: "index.json" }, JSON.stringify(index));
    pack.entry({ name: "store/layer" }, layer().bytes);
    for (const [digest, bytes] of blobs()) {
      const name = `blobs/sha256/${hex(digest)}`;
      if (links[name]) pack.entry({ name, type: "symlink", linkname: links[name] });
      else pack.entry({ name }, bytes);
    }
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    const path = join(temp(), "image.tar");
    writeFileSync(path, Buffer.concat(chunks));
    return path;
  }
  const layerEntry = () => `blobs/sha256/${hex(layer().digest)}`;

  it.each([
    ["an absolute link", () => outsideFile(layer().bytes)],
    ["a link climbing out", () => "../../../../../../../../etc/passwd"],
  ])("%s is refused", async (_what, target) => {
    const path = await archive({ [layerEntry()]: target() });
    const err = await push(path, "docker").catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/absolute path|escapes the archive/);
  });

  it("a link to another entry inside is followed", async () => {
    const path = await archive({ [layerEntry()]: "../../store/layer" });
    expect((await push(path, "docker")).digest).toBe(image.manifest.digest);
  });

  it("an archive given through a link is the user's choice, and is read", async () => {
    const path = await archive({});
    const alias = join(temp(), "alias.tar");
    symlinkSync(path, alias);
    expect((await push(alias, "docker")).digest).toBe(image.manifest.digest);
  });
});
