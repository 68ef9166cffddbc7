/**
 * skopeo's transports where a pull writes (`oci:DIR:TAG`, `docker-archive:PATH`, …), read back by skopeo, and the
 * commands copy's refusals of them suggest, run as given (a hint must be a command that works).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { generateImage, generateIndex, pushImage, shellArgv, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const exec = promisify(execFile);
const skopeo = async (...args: string[]) =>
  (await exec("skopeo", ["--insecure-policy", ...args], { maxBuffer: 64 * 1024 * 1024 })).stdout;

/**
 * The arguments of the command a refusal suggests (`transport: regatta …` to the line's end, or to a docker archive's
 * note), as bash reads them: a hint's words are quoted for the shell, so a path with a space or a quote is one word.
 */
function suggested(stderr: string): string[] {
  const line = stderr.split("\n")[0]!;
  const match = /transport: regatta (.*?)(?: \(a docker archive, as docker save writes\))?$/.exec(line);
  if (!match) throw new Error(`no command in ${stderr}`);
  return shellArgv(match[1]!);
}

describe("skopeo's transports: pull writes them, copy's hints run", () => {
  const registry = useRegistry("none");
  let image: Awaited<ReturnType<typeof generateImage>>;
  let work: string;
  let ref: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "regatta-transports-"));
    image = await generateImage({ layers: [1500], seed: "transports" });
    await pushImage(registry.url, "app", "amd", image);
    ref = `${registry.host}/app:amd`;
  }, 60_000);

  it("pull REF oci:DIR:TAG writes an OCI layout that skopeo reads by TAG; docker-archive:PATH a tarball", async () => {
    const pulled = await regatta(["pull", ref, `oci:${join(work, "lay")}:stable`]);
    expect(pulled.stderr).not.toMatch(/error/);
    expect(pulled.code).toBe(0);
    // No directory named after the transport.
    expect(readdirSync(work)).toEqual(["lay"]);
    const index = JSON.parse(readFileSync(join(work, "lay", "index.json"), "utf8"));
    expect(index.manifests.map((m: { annotations?: object }) => m.annotations)).toEqual([
      { "org.opencontainers.image.ref.name": "stable" },
    ]);
    const raw = await skopeo("inspect", "--raw", `oci:${join(work, "lay")}:stable`);
    expect(JSON.parse(raw).config.digest).toBe(image.config.digest);

    const archive = join(work, "pda.tar");
    const tar = await regatta(["pull", ref, `docker-archive:${archive}`]);
    expect(tar.code).toBe(0);
    expect(existsSync(archive)).toBe(true);
    expect(JSON.parse(await skopeo("inspect", "--raw", `docker-archive:${archive}`)).config.digest).toBe(
      image.config.digest,
    );
    const ociTar = join(work, "poa.tar");
    expect((await regatta(["pull", ref, `oci-archive:${ociTar}:v2`])).code).toBe(0);
    expect(JSON.parse(await skopeo("inspect", "--raw", `oci-archive:${ociTar}:v2`)).config.digest).toBe(
      image.config.digest,
    );
  }, 60_000);

  it("refuses other transports with the form that works, and keeps a path with a colon a path", async () => {
    for (const dest of ["dir:x", "containers-storage:x", "docker://localhost:5000/x", "docker-daemon:x:1"]) {
      const refused = await regatta(["pull", ref, dest]);
      expect(refused.code, dest).toBe(2);
      expect(refused.stderr.trim().split("\n"), dest).toHaveLength(1);
    }
    expect(existsSync("dir:x")).toBe(false);
    const colon = mkdtempSync(join(tmpdir(), "regatta-colon-"));
    const pulled = await regatta(["pull", ref, join(colon, "a:b")]);
    expect(pulled.code).toBe(0);
    expect(readdirSync(join(colon, "a:b"))).toContain("index.json");
  }, 60_000);
  it("copy's refusals of skopeo's transports suggest commands that run and do what copy was asked", async () => {
    // A directory with a space and a quote in its name: each hint's paths are quoted for the shell (they were not, and
    // the command run as printed split the path in two).
    const dir = mkdtempSync(join(tmpdir(), "regatta hints it's-"));
    const config = async (word: string) => JSON.parse(await skopeo("inspect", "--raw", word)).config.digest;
    // Sources on disk, written as skopeo would be asked to read them.
    for (const dest of [
      `oci:${dir}/lay:amd`,
      `docker-archive:${dir}/in.tar`,
      `oci-archive:${dir}/in-oci.tar:v1`,
    ]) {
      expect((await regatta(["pull", ref, dest])).code, dest).toBe(0);
    }
    expect((await regatta(["pull", ref, join(dir, "plain"), "--format", "dir"])).code).toBe(0);
    const sources = [
      `oci:${dir}/lay:amd`,
      `docker-archive:${dir}/in.tar`,
      `oci-archive:${dir}/in-oci.tar:v1`,
      `dir:${dir}/plain`,
    ];
    for (const [i, source] of sources.entries()) {
      const target = `${registry.host}/pushed:${i}`;
      const refused = await regatta(["copy", source, target]);
      expect(refused.code, source).toBe(2);
      const run = await regatta(suggested(refused.stderr));
      expect(run.code, `${source}: ${refused.stderr} → ${run.stderr}`).toBe(0);
      expect((await regatta(["digest", target])).stdout.trim(), source).toBe(image.manifest.digest);
    }
    // Targets: the pull suggested writes what skopeo reads under the word copy was given.
    const targets = [
      `oci:${dir}/copyoci:amd`,
      `docker-archive:${dir}/out.tar`,
      `oci-archive:${dir}/out-oci.tar:v3`,
    ];
    for (const target of targets) {
      const refused = await regatta(["copy", ref, target]);
      expect(refused.code, target).toBe(2);
      const run = await regatta(suggested(refused.stderr));
      expect(run.code, `${target}: ${refused.stderr} → ${run.stderr}`).toBe(0);
      expect(await config(target), target).toBe(image.config.digest);
    }
    const plain = await regatta(["copy", ref, `dir:${dir}/out-dir`]);
    expect((await regatta(suggested(plain.stderr))).code).toBe(0);
    expect(readdirSync(join(dir, "out-dir"))).toContain("manifest");
  }, 120_000);
  it("the hints of copy and sync are built from normalised words: a docker:// end is written as a reference", async () => {
    const dir = mkdtempSync(join(tmpdir(), "regatta-hints-docker-"));
    for (const dest of [`oci:${dir}/lay:amd`, `docker-archive:${dir}/in.tar`]) {
      expect((await regatta(["pull", ref, dest])).code, dest).toBe(0);
    }
    // Sources on disk, targets written as skopeo's docker://HOST/REPO:TAG: the push suggested takes the reference.
    for (const [i, source] of [`oci:${dir}/lay:amd`, `docker-archive:${dir}/in.tar`].entries()) {
      const target = `${registry.host}/dd:${i}`;
      const refused = await regatta(["copy", source, `docker://${target}`]);
      expect(refused.code, source).toBe(2);
      const run = await regatta(suggested(refused.stderr));
      expect(run.code, `${source}: ${refused.stderr} → ${run.stderr}`).toBe(0);
      expect((await regatta(["digest", target])).stdout.trim(), source).toBe(image.manifest.digest);
    }
    // A docker:// source, a layout target: the pull suggested reads the reference.
    const refused = await regatta(["copy", `docker://${ref}`, `oci:${dir}/from-docker:v1`]);
    expect(refused.code).toBe(2);
    const run = await regatta(suggested(refused.stderr));
    expect(run.code, `${refused.stderr} → ${run.stderr}`).toBe(0);
    const raw = await skopeo("inspect", "--raw", `oci:${dir}/from-docker:v1`);
    expect(JSON.parse(raw).config.digest).toBe(image.config.digest);
    // sync's hint for one image, the same way.
    const synced = await regatta(["sync", `docker://${registry.host}/app`, `docker-archive:${dir}/s.tar`]);
    expect(synced.code).toBe(2);
    expect(synced.stderr).not.toContain("docker://");
  }, 60_000);

  it("copy's hints carry the flags that change what is copied: --platform, a whole index as --platform all", async () => {
    const dir = mkdtempSync(join(tmpdir(), "regatta-hints-platform-"));
    const multi = await generateIndex({ layers: [256], seed: "transports-multi" });
    await pushImage(registry.url, "multi", "1", multi);
    const source = `${registry.host}/multi:1`;
    const arm = multi.children.find((c) => c.platform.architecture === "arm64")!;
    const cases: [string[], string, string][] = [
      // What copy writes: the image alone for one platform, the index itself without --platform.
      [["--platform", "linux/arm64"], `oci:${dir}/one:t1`, arm.manifest.digest],
      [[], `oci:${dir}/all:t1`, multi.index.digest],
    ];
    for (const [flags, target, digest] of cases) {
      const copied = await regatta([
        "copy",
        ...flags,
        source,
        `${registry.host}/copied:${flags.length}`,
        "--json",
      ]);
      expect(JSON.parse(copied.stdout).digest, flags.join(" ")).toBe(digest);
      const refused = await regatta(["copy", ...flags, source, target]);
      expect(refused.code, target).toBe(2);
      const run = await regatta(suggested(refused.stderr));
      expect(run.code, `${refused.stderr} → ${run.stderr}`).toBe(0);
      const raw = await skopeo("inspect", "--raw", target);
      expect(createHash("sha256").update(raw).digest("hex"), `${target}: ${refused.stderr}`).toBe(
        digest.slice("sha256:".length),
      );
    }
    // Credentials are carried by name, never by value.
    const withCreds = await regatta([
      "copy",
      "--src-username",
      "someone",
      "--src-password",
      "s3cret-value",
      source,
      `oci:${dir}/creds:t1`,
    ]);
    expect(withCreds.code).toBe(2);
    expect(withCreds.stderr).toContain("-u USER --password-stdin");
    expect(withCreds.stderr).not.toMatch(/someone|s3cret-value/);
  }, 60_000);

  it("oci:DIR:NAME takes any OCI ref.name (example.com/app:1.0, a:b), split at the first colon as skopeo does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "regatta-refname-"));
    for (const [word, read] of [
      [`oci:${dir}/r5:example.com/app:1.0`, `oci:${dir}/r5:example.com/app:1.0`],
      [`oci:${dir}/lay4:a:b`, `oci:${dir}/lay4:a:b`],
      [`oci-archive:${dir}/r6.tar:example.com/app:1.0`, `oci-archive:${dir}/r6.tar:example.com/app:1.0`],
    ]) {
      const pulled = await regatta(["pull", ref, word]);
      expect(pulled.stderr, word).not.toMatch(/error|not a valid/);
      expect(pulled.code, word).toBe(0);
      expect(JSON.parse(await skopeo("inspect", "--raw", read)).config.digest, word).toBe(
        image.config.digest,
      );
    }
    // regatta reads such a layout back by the name.
    const pushed = await regatta([
      "push",
      join(dir, "r5"),
      `${registry.host}/named:1`,
      "--name",
      "example.com/app:1.0",
    ]);
    expect(pushed.code, pushed.stderr).toBe(0);
    // copy's hint for such a target runs too.
    const refused = await regatta(["copy", ref, `oci:${dir}/r7:example.com/app:2`]);
    const run = await regatta(suggested(refused.stderr));
    expect(run.code, `${refused.stderr} → ${run.stderr}`).toBe(0);
    // A name outside the grammar is refused before any request, one line, exit 2.
    for (const bad of [`oci:${dir}/bad:a::b`, `oci:${dir}/bad:-x`, `oci-archive:${dir}/bad.tar:a/`]) {
      const got = await regatta(["pull", ref, bad]);
      expect(got.code, bad).toBe(2);
      expect(got.stderr, bad).toMatch(/^regatta: [^\n]*ref\.name[^\n]*\n$/);
      expect(existsSync(join(dir, "bad")), bad).toBe(false);
    }
  }, 60_000);

  it("every path a command writes into a missing directory is refused (exit 2, one line), nothing created", async () => {
    const missing = join(work, "nonexistent-dir");
    const runs: [string, string[]][] = [
      ["pull", ["pull", ref, join(missing, "x.tar")]],
      ["pull", ["pull", ref, `oci:${join(missing, "lay")}:v1`]],
      ["-o", ["export", ref, "-o", join(missing, "x.tar")]],
      ["-o", ["blob", `${registry.host}/app@${image.config.digest}`, "-o", join(missing, "x.json")]],
      ["-o", ["artifact", "pull", ref, "-o", join(missing, "out")]],
    ];
    for (const [label, args] of runs) {
      const run = await regatta(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toMatch(
        new RegExp(`^regatta: ${label} \\S+: cannot write there \\(${missing}: no such directory\\)\n$`),
      );
      expect(existsSync(missing), args.join(" ")).toBe(false);
    }
  }, 60_000);
  it("an empty platform is a usage error; pull and copy both take --platform all", async () => {
    for (const args of [
      ["copy", ref, `${registry.host}/p:1`, "--platform", "linux/arm64,"],
      ["copy", ref, `${registry.host}/p:1`, "--platform", ""],
      ["pull", ref, join(work, "p.tar"), "--platform", ""],
      ["inspect", ref, "--platform", " "],
    ]) {
      const run = await regatta(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toMatch(/^regatta: --platform names an empty platform[^\n]*\n$/);
    }
    const all = await regatta(["pull", ref, join(work, "all"), "--platform", "all", "--json"]);
    expect(all.stderr).toBe("");
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout).platforms).toBe("all");
    const copied = await regatta(["copy", ref, `${registry.host}/p:all`, "--platform", "all", "--json"]);
    expect(copied.code).toBe(0);
  }, 60_000);
});
