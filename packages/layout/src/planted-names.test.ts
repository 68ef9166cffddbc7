/**
 * Whoever may write a pull's destination directory may plant things at the names a pull uses there: the resume
 * files (`.NAME.regatta-partial`, `.NAME.regatta-partial.json`, `DEST/.regatta-partial/sha256-<hex>.partial`), the
 * `.regatta-partial` directory, a layout's `blobs/sha256` and its manifest files. A link there must never lead a
 * write out of the destination (own-file.ts, safe-path.ts directoryInside). The writers are driven here as the
 * client's fetchBlob drives them, with the blobs' bytes at hand instead of a registry.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { FileSystemError, UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { createOwnFile, identity, renameOwnFile } from "./own-file.js";
import { imagePlan, pull, scratchDirs, sha256 } from "./test-helpers.js";

const scratch = scratchDirs("planted-");
const PRECIOUS = "precious: must not change\n";

/** A file outside the destination that a planted link points to. */
function victim(dir: string, name = "victim"): string {
  const path = join(dir, name);
  writeFileSync(path, PRECIOUS);
  return path;
}

function expectRegularFile(path: string): void {
  expect(lstatSync(path).isFile()).toBe(true);
}

describe("links planted at a docker tarball's resume names", () => {
  for (const planted of ["partial tarball", "state file", "both"] as const) {
    it(`${planted}: not followed, the outside files unchanged, the tarball whole and regular`, async () => {
      const outside = scratch();
      const dir = scratch();
      const file = join(dir, "app.tar");
      const setup = imagePlan();
      const a = victim(outside, "a");
      const b = victim(outside, "b");
      if (planted !== "state file") symlinkSync(a, join(dir, ".app.tar.regatta-partial"));
      if (planted !== "partial tarball") symlinkSync(b, join(dir, ".app.tar.regatta-partial.json"));
      await pull("docker", file, setup);
      expect(readFileSync(a, "utf8")).toBe(PRECIOUS);
      expect(readFileSync(b, "utf8")).toBe(PRECIOUS);
      expectRegularFile(file);
      expect(readdirSync(dir)).toEqual(["app.tar"]);
      const clean = join(scratch(), "clean.tar");
      await pull("docker", clean, setup);
      expect(readFileSync(file).equals(readFileSync(clean))).toBe(true);
    });
  }

  it("a link swapped in for an interrupted pull's partial tarball (the state still valid) is not resumed through", async () => {
    const outside = scratch();
    const dir = scratch();
    const file = join(dir, "app.tar");
    const setup = imagePlan();
    await pull("docker", file, setup, 1);
    const temp = join(dir, ".app.tar.regatta-partial");
    // The attacker's copy, of the right size, outside; the name now a link to it.
    const copy = join(outside, "copy");
    writeFileSync(copy, readFileSync(temp));
    const before = readFileSync(copy);
    rmSync(temp);
    symlinkSync(copy, temp);
    await pull("docker", file, setup);
    expect(readFileSync(copy).equals(before)).toBe(true);
    expectRegularFile(file);
    const clean = join(scratch(), "clean.tar");
    await pull("docker", clean, setup);
    expect(readFileSync(file).equals(readFileSync(clean))).toBe(true);
  });

  it("a directory planted at the partial tarball's name is removed when empty, refused by a typed error when not", async () => {
    const dir = scratch();
    const setup = imagePlan();
    mkdirSync(join(dir, ".app.tar.regatta-partial"));
    await pull("docker", join(dir, "app.tar"), setup);
    expectRegularFile(join(dir, "app.tar"));
    mkdirSync(join(dir, ".b.tar.regatta-partial", "full"), { recursive: true });
    const error = await pull("docker", join(dir, "b.tar"), setup).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileSystemError);
    expect((error as FileSystemError).code).toBe("NOT_OURS");
    expect((error as FileSystemError).message).toContain(join(dir, ".b.tar.regatta-partial"));
  });
});

describe("links planted in a layout", () => {
  for (const format of ["oci", "dir"] as const) {
    it(`${format}: a partial blob that is a link is not followed, resumed or truncated`, async () => {
      const outside = scratch();
      const root = join(scratch(), "layout");
      const setup = imagePlan();
      const layer = setup.layers[0]!;
      const a = victim(outside);
      mkdirSync(join(root, ".regatta-partial"), { recursive: true });
      if (format === "oci") writeFileSync(join(root, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
      symlinkSync(a, join(root, ".regatta-partial", `sha256-${layer.digest.slice(7)}.partial`));
      await pull(format, root, setup);
      expect(readFileSync(a, "utf8")).toBe(PRECIOUS);
      const blob = join(root, "blobs", format === "oci" ? `sha256/${layer.digest.slice(7)}` : layer.digest);
      expectRegularFile(blob);
      expect(sha256(readFileSync(blob))).toBe(layer.digest);
      expect(existsSync(join(root, ".regatta-partial"))).toBe(false);
    });

    it(`${format}: a .regatta-partial directory that is a link out is not written through`, async () => {
      const outside = scratch();
      const root = join(scratch(), "layout");
      const setup = imagePlan();
      const layer = setup.layers[0]!;
      const a = victim(outside, `sha256-${layer.digest.slice(7)}.partial`);
      mkdirSync(root);
      if (format === "oci") writeFileSync(join(root, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
      symlinkSync(outside, join(root, ".regatta-partial"));
      await pull(format, root, setup);
      expect(readFileSync(a, "utf8")).toBe(PRECIOUS);
      expect(readdirSync(outside)).toEqual([basename(a)]);
      const blob = join(root, "blobs", format === "oci" ? `sha256/${layer.digest.slice(7)}` : layer.digest);
      expect(sha256(readFileSync(blob))).toBe(layer.digest);
    });
  }

  for (const linked of ["blobs", "blobs/sha256"]) {
    it(`oci: ${linked} linked out of the layout is refused before anything is written there`, async () => {
      const outside = scratch();
      const root = join(scratch(), "layout");
      mkdirSync(dirname(join(root, linked)), { recursive: true });
      writeFileSync(join(root, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
      symlinkSync(outside, join(root, linked));
      const error = await pull("oci", root, imagePlan()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).code).toBe("PATH_OUTSIDE_LAYOUT");
      expect((error as UsageError).message).toContain(`refusing to write ${root}/blobs`);
      expect(readdirSync(outside).filter((n) => n !== "sha256")).toEqual([]);
      if (linked === "blobs") expect(readdirSync(join(outside, "sha256"))).toEqual([]);
    });
  }

  it("dir: blobs linked out of the layout is refused", async () => {
    const outside = scratch();
    const root = join(scratch(), "layout");
    mkdirSync(root);
    symlinkSync(outside, join(root, "blobs"));
    const error = await pull("dir", root, imagePlan()).catch((e: unknown) => e);
    expect((error as UsageError).code).toBe("PATH_OUTSIDE_LAYOUT");
    expect(readdirSync(outside)).toEqual([]);
  });

  it("oci: a manifest's file that is a link out is replaced by the manifest, the link's target untouched", async () => {
    const outside = scratch();
    const root = join(scratch(), "layout");
    const setup = imagePlan();
    const a = victim(outside);
    mkdirSync(join(root, "blobs", "sha256"), { recursive: true });
    writeFileSync(join(root, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
    const path = join(root, "blobs", "sha256", setup.manifest.digest.slice(7));
    symlinkSync(a, path);
    await pull("oci", root, setup);
    expect(readFileSync(a, "utf8")).toBe(PRECIOUS);
    expectRegularFile(path);
    expect(readFileSync(path).equals(setup.manifest.bytes)).toBe(true);
  });
});

describe("renameOwnFile", () => {
  it("refuses a name swapped for a link after the file was written: the destination is not made a link", async () => {
    const dir = scratch();
    const outside = victim(scratch());
    const from = join(dir, ".x.partial");
    const handle = await createOwnFile(from);
    const mine = await identity(handle);
    await handle.close();
    rmSync(from);
    symlinkSync(outside, from);
    const error = await renameOwnFile(mine, from, join(dir, "x")).catch((e: unknown) => e);
    expect((error as FileSystemError).code).toBe("NOT_OURS");
    expect(existsSync(join(dir, "x"))).toBe(false);
    expect(readFileSync(outside, "utf8")).toBe(PRECIOUS);
  });
});

describe("destination names of up to 255 bytes", () => {
  const long = `${"é".repeat(100)}${"x".repeat(46)}.tar`; // 250 bytes, 154 characters
  it("a 250-byte tarball name: pulled, interrupted and resumed, every name beside it at most 255 bytes", async () => {
    expect(Buffer.byteLength(long)).toBe(250);
    const dir = scratch();
    const file = join(dir, long);
    const setup = imagePlan();
    await pull("docker", file, setup, 2);
    const left = readdirSync(dir);
    expect(left).toHaveLength(2);
    for (const name of left) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    await pull("docker", file, setup);
    expect(readdirSync(dir)).toEqual([long]);
    const clean = join(scratch(), "clean.tar");
    await pull("docker", clean, setup);
    expect(readFileSync(file).equals(readFileSync(clean))).toBe(true);
  });

  it("a 250-byte layout name", async () => {
    const root = join(scratch(), long);
    await pull("oci", root, imagePlan());
    expect(existsSync(join(root, "index.json"))).toBe(true);
  });
});
