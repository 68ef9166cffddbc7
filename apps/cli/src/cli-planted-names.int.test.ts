/**
 * `regatta pull` into a directory others may write: links planted at its resume names (`.NAME.regatta-partial`,
 * `.NAME.regatta-partial.json`, `DEST/.regatta-partial/` and the partial blobs in it) or at a layout's
 * `blobs/sha256` never lead a write out of the destination, and a destination name of 250 bytes works
 * (packages/layout/src/own-file.ts, safe-path.ts, @regatta/errors/hidden-name).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type GeneratedImage, generateImage, pushImage, useRegistry } from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const made: string[] = [];
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), "regatta-cli-planted-"));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
const PRECIOUS = "precious: must not change\n";
const sha256 = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

function victim(name = "victim"): string {
  const path = join(temp(), name);
  writeFileSync(path, PRECIOUS);
  return path;
}

describe("regatta pull with names planted in its destination", () => {
  const registry = useRegistry("none");
  let image: GeneratedImage;
  let ref: string;

  beforeAll(async () => {
    image = await generateImage({ layers: [200_000, 50_000], seed: "planted" });
    await pushImage(registry.url, "p/app", "v1", image);
    ref = `${registry.host}/p/app:v1`;
  }, 60_000);

  it("docker tarball: links at both resume names are not followed; the tarball is a regular file, as a clean pull's", async () => {
    const dir = temp();
    const a = victim();
    const b = victim();
    symlinkSync(a, join(dir, ".app.tar.regatta-partial"));
    symlinkSync(b, join(dir, ".app.tar.regatta-partial.json"));
    const r = await regatta(["pull", ref, join(dir, "app.tar")]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(a, "utf8")).toBe(PRECIOUS);
    expect(readFileSync(b, "utf8")).toBe(PRECIOUS);
    expect(lstatSync(join(dir, "app.tar")).isFile()).toBe(true);
    expect(readdirSync(dir)).toEqual(["app.tar"]);
    const clean = join(temp(), "clean.tar");
    expect((await regatta(["pull", ref, clean])).code).toBe(0);
    expect(readFileSync(join(dir, "app.tar")).equals(readFileSync(clean))).toBe(true);
  });

  it("OCI layout: a link at a partial blob and at .regatta-partial itself are not followed", async () => {
    const layer = image.layers[0]!.digest;
    const a = victim();
    const root = join(temp(), "layout");
    mkdirSync(join(root, ".regatta-partial"), { recursive: true });
    writeFileSync(join(root, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
    symlinkSync(a, join(root, ".regatta-partial", `sha256-${layer.slice(7)}.partial`));
    const r = await regatta(["pull", "--format", "oci", ref, root]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(a, "utf8")).toBe(PRECIOUS);
    const blob = join(root, "blobs", "sha256", layer.slice(7));
    expect(lstatSync(blob).isFile()).toBe(true);
    expect(sha256(readFileSync(blob))).toBe(layer);

    const outside = temp();
    const b = join(outside, `sha256-${layer.slice(7)}.partial`);
    writeFileSync(b, PRECIOUS);
    const again = join(temp(), "layout");
    mkdirSync(again);
    writeFileSync(join(again, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
    symlinkSync(outside, join(again, ".regatta-partial"));
    const second = await regatta(["pull", "--format", "oci", ref, again]);
    expect(second.code, second.stderr).toBe(0);
    expect(readdirSync(outside)).toEqual([`sha256-${layer.slice(7)}.partial`]);
    expect(readFileSync(b, "utf8")).toBe(PRECIOUS);
  });

  it("OCI layout: blobs/sha256 linked out of it is refused in one line, nothing written there", async () => {
    const outside = temp();
    const root = join(temp(), "layout");
    mkdirSync(join(root, "blobs"), { recursive: true });
    writeFileSync(join(root, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
    symlinkSync(outside, join(root, "blobs", "sha256"));
    const r = await regatta(["pull", "--format", "oci", ref, root]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`refusing to write ${join(root, "blobs", "sha256")}: it is a link to`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(outside)).toEqual([]);
  });

  it("a FIFO at the lock's name is refused in one line that says nothing was kept when nothing was downloaded", async () => {
    // An empty .regatta-partial (or anything else at its name) is no partial download: "the partial download is
    // kept in …" was said of it.
    const dir = temp();
    const root = join(dir, "layout");
    mkdirSync(join(root, ".regatta-partial"), { recursive: true });
    writeFileSync(join(root, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
    const lock = join(dir, ".layout.regatta-lock");
    spawnSync("mkfifo", [lock]);
    const r = await regatta(["pull", "--format", "oci", ref, root], { killAfter: 30_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`regatta: ${lock} is not a regatta lock (a FIFO); remove it and try again\n`);
    expect(r.stderr).not.toContain("partial download");
  });

  it("a destination name with control characters is quoted in the error, never printed raw", async () => {
    const dir = temp();
    const name = "app\x1b[31m\nregatta: forged line\x1b]0;title\x07.tar";
    const lock = join(dir, `.${name}.regatta-lock`);
    spawnSync("mkfifo", [lock]);
    const r = await regatta(["pull", ref, join(dir, name)], { killAfter: 30_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`regatta: ${JSON.stringify(lock)} is not a regatta lock (a FIFO)`);
    expect(r.stderr).not.toMatch(/[\x1b\x07]/);
    expect(r.stderr.split("\n").filter((line) => line.startsWith("regatta: forged"))).toEqual([]);
  });

  it("a tarball name of 250 bytes is pulled", async () => {
    const dir = temp();
    const name = `${"é".repeat(100)}${"x".repeat(46)}.tar`;
    expect(Buffer.byteLength(name)).toBe(250);
    const r = await regatta(["pull", ref, join(dir, name)]);
    expect(r.stderr).not.toContain("ENAMETOOLONG");
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir)).toEqual([name]);
  });
});
