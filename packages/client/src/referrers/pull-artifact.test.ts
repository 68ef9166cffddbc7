/**
 * pullArtifact: files by title, verified, and never outside the directory (issue 13). The registry chooses the
 * titles, so the hostile ones are stored straight into the fake registry's store.
 */
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildImageManifest, computeDigest, EMPTY_DESCRIPTOR, EMPTY_JSON } from "@regatta/manifest";
import { tempDirs } from "@regatta/testkit";
import { describe, expect, it } from "vitest";
import { DigestMismatchError, FileSystemError, UsageError } from "../index.js";
import { fakeDistribution, rejection } from "../test-answering-registry.js";

const tempDir = tempDirs("regatta-pull-artifact-");

/** A fake registry whose `team/app:art` is an artifact of these layers (title undefined: no title annotation). */
function withArtifact(layers: { bytes: string; title?: string; stored?: string }[]) {
  const blobs: Record<string, string> = { [EMPTY_DESCRIPTOR.digest]: EMPTY_JSON };
  const descriptors = layers.map(({ bytes, title, stored }) => {
    const digest = computeDigest(new TextEncoder().encode(bytes));
    blobs[digest] = stored ?? bytes;
    return {
      mediaType: "text/plain",
      digest,
      size: Buffer.byteLength(bytes),
      ...(title !== undefined ? { annotations: { "org.opencontainers.image.title": title } } : {}),
    };
  });
  const built = buildImageManifest({
    artifactType: "application/x-test",
    config: EMPTY_DESCRIPTOR,
    layers: descriptors,
  });
  return fakeDistribution({
    "team/app": {
      tags: { art: built.digest },
      manifests: { [built.digest]: { bytes: built.bytes, mediaType: built.mediaType } },
      blobs,
    },
  });
}

describe("pullArtifact", () => {
  it("writes each titled file, byte for byte, and lists the untitled layers it skipped", async () => {
    const { reg } = withArtifact([
      { bytes: "one", title: "a.txt" },
      { bytes: "two", title: "b.json" },
      { bytes: "x" },
    ]);
    const dir = join(tempDir(), "out");
    const result = await reg.pullArtifact("team/app:art", dir);
    expect(result.artifactType).toBe("application/x-test");
    expect(result.files.map((f) => [f.title, f.size])).toEqual([
      ["a.txt", 3],
      ["b.json", 3],
    ]);
    expect(result.untitled).toHaveLength(1);
    expect(await readFile(join(dir, "a.txt"), "utf8")).toBe("one");
    expect(await readFile(join(dir, "b.json"), "utf8")).toBe("two");
    expect((await readdir(dir)).sort()).toEqual(["a.txt", "b.json"]);
  });

  it.each(["../escape", "/etc/passwd", "a/../b", "a//b", "..", "a\\b"])(
    "refuses the title %j before writing anything",
    async (title) => {
      const { reg } = withArtifact([
        { bytes: "fine", title: "first.txt" },
        { bytes: "evil", title },
      ]);
      const root = tempDir();
      const dir = join(root, "out");
      await rejection(reg.pullArtifact("team/app:art", dir), UsageError);
      expect(await readdir(root)).toEqual([]);
    },
  );

  it("replaces a symbolic link already at a title's path instead of writing through it", async () => {
    const { reg } = withArtifact([{ bytes: "new", title: "f.txt" }]);
    const root = tempDir();
    const dir = join(root, "out");
    await mkdir(dir);
    await writeFile(join(root, "outside.txt"), "untouched");
    await symlink(join(root, "outside.txt"), join(dir, "f.txt"));
    await reg.pullArtifact("team/app:art", dir);
    expect(await readFile(join(root, "outside.txt"), "utf8")).toBe("untouched");
    expect((await lstat(join(dir, "f.txt"))).isSymbolicLink()).toBe(false);
    expect(await readFile(join(dir, "f.txt"), "utf8")).toBe("new");
  });

  it("refuses a directory at a file's path before writing anything, its contents kept (as oras and cp)", async () => {
    const { reg } = withArtifact([
      { bytes: "first", title: "a.txt" },
      { bytes: "new", title: "f.bin" },
    ]);
    const dir = join(tempDir(), "out");
    await mkdir(join(dir, "f.bin", "inner"), { recursive: true });
    await writeFile(join(dir, "f.bin", "inner", "file"), "precious");
    const error = await rejection(reg.pullArtifact("team/app:art", dir), FileSystemError);
    expect(error).toMatchObject({
      code: "IS_DIRECTORY",
      message: `is a directory: writing ${join(dir, "f.bin")}`,
    });
    expect(await readFile(join(dir, "f.bin", "inner", "file"), "utf8")).toBe("precious");
    expect(await readdir(dir)).toEqual(["f.bin"]);
  });

  it("writes no file whose bytes do not match their digest", async () => {
    const { reg } = withArtifact([{ bytes: "real", title: "f.txt", stored: "fake" }]);
    const dir = join(tempDir(), "out");
    await rejection(reg.pullArtifact("team/app:art", dir), DigestMismatchError);
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses an index: an artifact is one manifest", async () => {
    const { reg } = withArtifact([{ bytes: "x", title: "x" }]);
    const made = await reg.pushArtifact("team/app:two", {
      artifactType: "application/x-test",
      files: [{ bytes: "y", title: "y" }],
    });
    const index = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{ mediaType: made.mediaType, digest: made.digest, size: made.size }],
    };
    await reg.putManifest("team/app:idx", index);
    const error = await rejection(reg.pullArtifact("team/app:idx", tempDir()), UsageError);
    expect(error.message).toMatch(/an index, not an artifact/);
  });
});
