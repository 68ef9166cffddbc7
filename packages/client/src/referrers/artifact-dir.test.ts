/**
 * Directories in artifacts, as oras makes them (issue 13): pushed as one gzipped tar with oras's annotations, pulled
 * and unpacked with path safety, and titles that are relative paths. The oras-shaped layers are built here by hand
 * from oras-go's format (content/file/utils.go tarDirectory: entries named under the title, the root entry without a
 * trailing `/`, uid/gid 0, no user names), since no oras binary is installable on this machine.
 */
import { createHash, randomBytes } from "node:crypto";
import {
  chmod,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { ociSchemaErrors, tempDirs } from "@regatta/testkit";
import tar from "tar-stream";
import { describe, expect, it } from "vitest";
import { DigestMismatchError, UsageError } from "../index.js";
import { fakeDistribution, rejection } from "../test-answering-registry.js";
import { packDirectory } from "./artifact-dir.js";

const tempDir = tempDirs("regatta-artifact-dir-");
const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const UNPACK = "io.deis.oras.content.unpack";
const TAR_DIGEST = "io.deis.oras.content.digest";
const TITLE = "org.opencontainers.image.title";

type TarEntry = { name: string } & (
  | { type: "directory" }
  | { type: "file"; body: string; mode?: number }
  | { type: "symlink" | "link"; linkname: string }
  | { type: "character-device" | "fifo" }
);

/** A tar of `entries`, as oras-go's tarDirectory writes one (uid/gid 0, no user names), and its gzip. */
async function orasLayer(entries: TarEntry[]): Promise<{ tgz: Buffer; tarDigest: string }> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on("data", (c) => chunks.push(c as Buffer));
    pack.on("end", () => resolve());
    pack.on("error", reject);
  });
  for (const e of entries) {
    const common = { name: e.name, uid: 0, gid: 0, uname: "", gname: "", mtime: new Date(1_700_000_000_000) };
    if (e.type === "file") pack.entry({ ...common, type: "file", mode: e.mode ?? 0o644 }, e.body);
    else if (e.type === "symlink" || e.type === "link")
      pack.entry({ ...common, type: e.type, linkname: e.linkname });
    else if (e.type === "directory") pack.entry({ ...common, type: "directory", mode: 0o755 });
    else pack.entry({ ...common, type: e.type, mode: 0o644, devmajor: 1, devminor: 3 });
  }
  pack.finalize();
  await done;
  const plain = Buffer.concat(chunks);
  return { tgz: gzipSync(plain), tarDigest: sha256(plain) };
}

/** A fake registry holding `team/app:dir`, an artifact whose one layer is the oras directory layer `layer`. */
async function withDirectoryLayer(
  title: string,
  layer: { tgz: Buffer; tarDigest: string },
  annotations: Record<string, string> = {},
) {
  const { reg } = fakeDistribution({});
  await reg.pushArtifact("registry.test/team/app:dir", {
    artifactType: "application/vnd.example.dir",
    files: [
      {
        bytes: layer.tgz,
        title,
        mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
        annotations: { [TAR_DIGEST]: layer.tarDigest, [UNPACK]: "true", ...annotations },
      },
    ],
  });
  return reg;
}

/** The names in a tar, in order, with their types. */
async function tarNames(tgz: Uint8Array): Promise<string[]> {
  const extract = tar.extract();
  const names: string[] = [];
  extract.end(gunzipSync(tgz));
  for await (const entry of extract) {
    names.push(`${entry.header.name} ${entry.header.type} ${entry.header.uid}:${entry.header.gid}`);
    entry.resume();
  }
  return names;
}

/** A small tree: docs/{a.txt, sub/b.txt (0600), link -> sub/b.txt}. */
async function sampleTree(): Promise<string> {
  const root = join(tempDir(), "docs");
  await mkdir(join(root, "sub"), { recursive: true });
  await writeFile(join(root, "a.txt"), "alpha");
  await writeFile(join(root, "sub", "b.txt"), "beta");
  await chmod(join(root, "sub", "b.txt"), 0o600);
  await symlink("sub/b.txt", join(root, "link"));
  return root;
}

describe("pushArtifact with a directory", () => {
  it("pushes it as oras does: one tar+gzip layer titled by its name, entries under the title, oras's annotations", async () => {
    const { reg } = fakeDistribution({});
    const dir = await sampleTree();
    const file = join(tempDir(), "notes.txt");
    await writeFile(file, "notes");
    const pushed = await reg.pushArtifact("registry.test/team/app:1", {
      artifactType: "application/vnd.example.docs",
      files: [{ path: `${dir}/` }, { path: file }],
    });
    const [layer, plain] = pushed.manifest.layers;
    expect(layer?.mediaType).toBe("application/vnd.oci.image.layer.v1.tar+gzip");
    const tgz = await reg.blob("registry.test/team/app", layer?.digest as string).bytes();
    expect(layer?.annotations).toEqual({
      [TITLE]: "docs",
      [TAR_DIGEST]: sha256(gunzipSync(tgz)),
      [UNPACK]: "true",
    });
    expect(plain?.annotations).toEqual({ [TITLE]: "notes.txt" });
    expect(await tarNames(tgz)).toEqual([
      "docs directory 0:0",
      "docs/a.txt file 0:0",
      "docs/link symlink 0:0",
      "docs/sub directory 0:0",
      "docs/sub/b.txt file 0:0",
    ]);
    const stored = await reg.manifest(`registry.test/team/app@${pushed.digest}`);
    expect(ociSchemaErrors("manifest", JSON.parse(Buffer.from(stored.bytes).toString()))).toEqual([]);
  });

  it("round-trips: pullArtifact unpacks the directory beside the file, contents, modes and links kept", async () => {
    const { reg } = fakeDistribution({});
    const dir = await sampleTree();
    await reg.pushArtifact("registry.test/team/app:1", {
      artifactType: "application/vnd.example.docs",
      files: [{ path: dir }, { bytes: "top", title: "top.txt" }],
    });
    const out = join(tempDir(), "out");
    const pulled = await reg.pullArtifact("registry.test/team/app:1", out);
    expect(pulled.files.map((f) => [f.title, f.kind, f.entries])).toEqual([
      ["docs", "directory", 5],
      ["top.txt", "file", undefined],
    ]);
    expect((await readdir(out)).sort()).toEqual(["docs", "top.txt"]);
    expect(await readFile(join(out, "docs", "a.txt"), "utf8")).toBe("alpha");
    expect(await readFile(join(out, "docs", "sub", "b.txt"), "utf8")).toBe("beta");
    expect((await stat(join(out, "docs", "sub", "b.txt"))).mode & 0o777).toBe(0o600);
    expect(await readlink(join(out, "docs", "link"))).toBe("sub/b.txt");
  });

  it("refuses, before pushing anything, a directory with a link out of it or a FIFO", async () => {
    const { reg } = fakeDistribution({});
    const dir = await sampleTree();
    await symlink("../../etc/passwd", join(dir, "out"));
    const error = await rejection(
      reg.pushArtifact("registry.test/team/app:1", { artifactType: "application/x", files: [{ path: dir }] }),
      UsageError,
    );
    expect(error.message).toContain("outside");
    await rejection(reg.manifest("registry.test/team/app:1"), Error);
  });
});

describe("packDirectory while the directory changes", () => {
  it("refuses a file swapped for a link out of the directory after the walk saw it, packing nothing of what it names", async () => {
    const dir = await tempDir();
    // A first file large enough that its packing is still going on when the second is swapped.
    await writeFile(join(dir, "a-big.bin"), randomBytes(24 * 1024 * 1024));
    await writeFile(join(dir, "b-small.txt"), "public!");
    const outside = join(await tempDir(), "secret.txt");
    await writeFile(outside, "SECRET!"); // the same size, so a size check alone would not notice
    const before = new Set(await readdir(tmpdir()));
    const packing = packDirectory(dir, "docs").then(
      async (packed) => {
        await packed.remove();
        return packed;
      },
      (error: unknown) => error,
    );
    // The walk is over once the pack's temporary directory exists: swap the second file then.
    for (let i = 0; i < 500; i++) {
      if ((await readdir(tmpdir())).some((n) => n.startsWith("regatta-artifact-") && !before.has(n))) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    await rm(join(dir, "b-small.txt"));
    await symlink(outside, join(dir, "b-small.txt"));
    const error = await packing;
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain("changed while the directory was packed");
  });
});

describe("pullArtifact of an oras directory layer", () => {
  it("unpacks a layer built as oras-go builds one, skipping a device as oras does", async () => {
    const layer = await orasLayer([
      { name: "site", type: "directory" },
      { name: "site/index.html", type: "file", body: "<h1>hi</h1>" },
      { name: "site/css", type: "directory" },
      { name: "site/css/a.css", type: "file", body: "a{}" },
      { name: "site/same.html", type: "link", linkname: "site/index.html" },
      { name: "site/null", type: "character-device" },
    ]);
    const reg = await withDirectoryLayer("site", layer);
    const out = join(tempDir(), "out");
    const pulled = await reg.pullArtifact("registry.test/team/app:dir", out);
    expect(pulled.files[0]?.skipped).toEqual(["site/null (character-device)"]);
    expect(await readFile(join(out, "site", "index.html"), "utf8")).toBe("<h1>hi</h1>");
    expect(await readFile(join(out, "site", "css", "a.css"), "utf8")).toBe("a{}");
    expect((await stat(join(out, "site", "same.html"))).ino).toBe(
      (await stat(join(out, "site", "index.html"))).ino,
    );
    expect((await readdir(join(out, "site"))).sort()).toEqual(["css", "index.html", "same.html"]);
  });

  it("replaces a directory already there, whole", async () => {
    const layer = await orasLayer([
      { name: "site", type: "directory" },
      { name: "site/new.txt", type: "file", body: "new" },
    ]);
    const reg = await withDirectoryLayer("site", layer);
    const out = join(tempDir(), "out");
    await mkdir(join(out, "site"), { recursive: true });
    await writeFile(join(out, "site", "old.txt"), "old");
    await reg.pullArtifact("registry.test/team/app:dir", out);
    expect(await readdir(join(out, "site"))).toEqual(["new.txt"]);
    expect(await readdir(out)).toEqual(["site"]);
  });

  const hostile: [string, TarEntry[]][] = [
    ["an entry climbing out", [{ name: "site/../../evil", type: "file", body: "x" }]],
    ["an absolute entry", [{ name: "/tmp/evil", type: "file", body: "x" }]],
    ["an entry outside the title", [{ name: "other/evil", type: "file", body: "x" }]],
    ["a symbolic link out", [{ name: "site/l", type: "symlink", linkname: "../../etc" }]],
    ["an absolute symbolic link", [{ name: "site/l", type: "symlink", linkname: "/etc" }]],
    [
      "a link through a link (a -> ., b -> a/..)",
      [
        { name: "site/a", type: "symlink", linkname: "." },
        { name: "site/b", type: "symlink", linkname: "a/.." },
      ],
    ],
    [
      "a file beneath a symbolic link",
      [
        { name: "site/l", type: "symlink", linkname: "sub" },
        { name: "site/l/x", type: "file", body: "x" },
      ],
    ],
    ["a hard link to a file outside", [{ name: "site/h", type: "link", linkname: "/etc/passwd" }]],
    ["a hard link to nothing extracted", [{ name: "site/h", type: "link", linkname: "site/later" }]],
    [
      "an entry twice",
      [
        { name: "site/x", type: "file", body: "1" },
        { name: "site/x", type: "file", body: "2" },
      ],
    ],
  ];
  it.each(hostile)("refuses %s, leaving the output directory as it was", async (_what, entries) => {
    const layer = await orasLayer([{ name: "site", type: "directory" }, ...entries]);
    const reg = await withDirectoryLayer("site", layer);
    const out = join(tempDir(), "out");
    await mkdir(out);
    await writeFile(join(out, "keep.txt"), "kept");
    const error = await rejection(reg.pullArtifact("registry.test/team/app:dir", out), UsageError);
    expect(error.code).toBe("UNSAFE_TAR_ENTRY");
    expect(await readdir(out)).toEqual(["keep.txt"]);
  });

  it("refuses a tar whose digest is not the one io.deis.oras.content.digest says, writing nothing", async () => {
    const layer = await orasLayer([
      { name: "site", type: "directory" },
      { name: "site/a", type: "file", body: "a" },
    ]);
    const wrong = sha256(Buffer.from("something else"));
    const reg = await withDirectoryLayer("site", { ...layer, tarDigest: wrong });
    const out = join(tempDir(), "out");
    const error = await rejection(reg.pullArtifact("registry.test/team/app:dir", out), DigestMismatchError);
    expect(error.message).toContain(wrong);
    expect(await readdir(out)).toEqual([]);
  });

  it("puts nothing in place when a later layer fails: every layer is staged first, the staged ones removed", async () => {
    const layer = await orasLayer([
      { name: "site", type: "directory" },
      { name: "site/a", type: "file", body: "a" },
    ]);
    const { reg } = fakeDistribution({});
    await reg.pushArtifact("registry.test/team/app:two", {
      artifactType: "application/x",
      files: [
        { bytes: "first", title: "conf/first.txt" },
        {
          bytes: layer.tgz,
          title: "site",
          annotations: { [TAR_DIGEST]: sha256(Buffer.from("not it")), [UNPACK]: "true" },
        },
      ],
    });
    const out = join(tempDir(), "out");
    await mkdir(out);
    await writeFile(join(out, "keep.txt"), "kept");
    await rejection(reg.pullArtifact("registry.test/team/app:two", out), DigestMismatchError);
    expect(await readdir(out)).toEqual(["keep.txt"]);
  });

  it("writes a layer without the unpack annotation as the plain file it is", async () => {
    const layer = await orasLayer([{ name: "site", type: "directory" }]);
    const reg = await withDirectoryLayer("site.tgz", layer, { [UNPACK]: "false" });
    const out = join(tempDir(), "out");
    await reg.pullArtifact("registry.test/team/app:dir", out);
    expect((await lstat(join(out, "site.tgz"))).isFile()).toBe(true);
  });
});

describe("titles that are relative paths", () => {
  it("writes conf/app.yaml under the output directory, as oras pull does", async () => {
    const { reg } = fakeDistribution({});
    await reg.pushArtifact("registry.test/team/app:1", {
      artifactType: "application/x",
      files: [
        { bytes: "a: 1", title: "conf/app.yaml" },
        { bytes: "b", title: "conf/deep/b.txt" },
      ],
    });
    const out = join(tempDir(), "out");
    await reg.pullArtifact("registry.test/team/app:1", out);
    expect(await readFile(join(out, "conf", "app.yaml"), "utf8")).toBe("a: 1");
    expect(await readFile(join(out, "conf", "deep", "b.txt"), "utf8")).toBe("b");
  });

  it("refuses to write through a symbolic link on the way", async () => {
    const { reg } = fakeDistribution({});
    await reg.pushArtifact("registry.test/team/app:1", {
      artifactType: "application/x",
      files: [{ bytes: "x", title: "conf/app.yaml" }],
    });
    const root = tempDir();
    const out = join(root, "out");
    await mkdir(join(root, "elsewhere"));
    await mkdir(out);
    await symlink(join(root, "elsewhere"), join(out, "conf"));
    const error = await rejection(reg.pullArtifact("registry.test/team/app:1", out), UsageError);
    expect(error.message).toContain("symbolic link");
    expect(await readdir(join(root, "elsewhere"))).toEqual([]);
  });

  it.each(["a//b", "./a", "a/./b", "a/", "/abs", "a/../b"])("refuses to push the title %j", async (title) => {
    const { reg } = fakeDistribution({});
    const error = await rejection(
      reg.pushArtifact("registry.test/team/app:1", {
        artifactType: "application/x",
        files: [{ bytes: "x", title }],
      }),
      UsageError,
    );
    expect(error.code).toBe("UNSAFE_TITLE");
  });

  it("refuses titles that overlap (a file and one inside it)", async () => {
    const { reg } = fakeDistribution({});
    const error = await rejection(
      reg.pushArtifact("registry.test/team/app:1", {
        artifactType: "application/x",
        files: [
          { bytes: "x", title: "docs" },
          { bytes: "y", title: "docs/a.txt" },
        ],
      }),
      UsageError,
    );
    expect(error.message).toContain("inside it");
  });
});
