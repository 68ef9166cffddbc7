import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { generateImage, generateIndex, pushImage, useRegistry } from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const BIN = fileURLToPath(new URL("../dist/bin.cjs", import.meta.url));
const made: string[] = [];
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), "regatta-cli-disk-"));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** Adapts the shared helper: stdout as bytes (it may be a tarball). */
async function run(args: string[]) {
  const r = await regatta(args);
  return { code: r.code, out: r.stdoutBytes, err: r.stderr };
}

/** `regatta push - REF --json` with `file` on stdin, through a shell redirection (binary-safe). */
async function pushFromStdin(file: string, ref: string) {
  const home = temp();
  const { stdout } = await promisify(execFile)(
    "bash",
    ["-c", `"${process.execPath}" "${BIN}" push - "${ref}" --json < "${file}"`],
    { env: { PATH: process.env.PATH ?? "", HOME: home, DOCKER_CONFIG: join(home, ".docker") } },
  );
  return JSON.parse(stdout);
}

describe("regatta pull and push", () => {
  const registry = useRegistry("none");
  let image: Awaited<ReturnType<typeof generateImage>>;
  let index: Awaited<ReturnType<typeof generateIndex>>;
  let host: string;

  beforeAll(async () => {
    host = registry.host;
    image = await generateImage({ layers: [2000, 3000], mediaTypes: "docker", seed: "cli-disk" });
    index = await generateIndex({ platforms: ["linux/amd64", "linux/arm64/v8"], seed: "cli-disk-index" });
    await pushImage(registry.url, "cli/disk", "v1", image);
    await pushImage(registry.url, "cli/multi", "v1", index);
  }, 60_000);

  it("pulls a tarball to a file and to stdout (the same bytes), quietly when not on a terminal", async () => {
    const dir = temp();
    const file = join(dir, "disk.tar");
    const pulled = await run(["pull", `${host}/cli/disk:v1`, file]);
    expect(pulled.code).toBe(0);
    expect(pulled.err).toContain(`${host}/cli/disk:v1: ${image.manifest.digest}`);
    expect(pulled.err).toMatch(/wrote .*disk\.tar \(docker, /);
    expect(pulled.err).not.toMatch(/\u001b\[/);
    const piped = await run(["pull", `${host}/cli/disk:v1`, "-"]);
    expect(piped.code).toBe(0);
    expect(piped.out.equals(readFileSync(file))).toBe(true);

    const pushed = await run(["push", file, `${host}/cli/copy:v1`]);
    expect(pushed).toMatchObject({ code: 0, out: Buffer.from(`${image.manifest.digest}\n`) });
    expect(await pushFromStdin(file, `${host}/cli/copy:stdin`)).toMatchObject({
      digest: image.manifest.digest,
      format: "docker",
      reference: `${host}/cli/copy:stdin@${image.manifest.digest}`,
    });
  });

  it("guesses the format: a new directory is an OCI layout, --format dir makes boater's layout; both push back", async () => {
    const dir = temp();
    const layout = join(dir, "layout");
    const oci = await run(["pull", "--json", "--all-platforms", `${host}/cli/multi:v1`, layout]);
    expect(oci.code).toBe(0);
    expect(JSON.parse(oci.out.toString())).toMatchObject({
      format: "oci",
      references: [{ digest: index.index.digest, platforms: ["linux/amd64", "linux/arm64/v8"] }],
    });
    expect(existsSync(join(layout, "oci-layout"))).toBe(true);
    // The existing layout is recognised; its "v1" belongs to another image, which is not silently replaced.
    const taken = await run(["pull", `${host}/cli/disk:v1`, layout]);
    expect(taken.code).toBe(2);
    expect(taken.err).toContain(`already has "v1" for ${host}/cli/multi:v1`);
    expect((await run(["pull", `${host}/cli/disk:v1`, join(layout, "..", "other")])).code).toBe(0);
    const back = await run(["push", layout, `${host}/cli/back:v1`]);
    expect(back.out.toString()).toBe(`${index.index.digest}\n`);

    const plain = join(dir, "plain");
    const dirPull = await run([
      "pull",
      "--format",
      "dir",
      "--platform",
      "linux/arm64",
      `${host}/cli/multi:v1`,
      plain,
    ]);
    expect(dirPull.code).toBe(0);
    expect(dirPull.err).toContain(`index ${index.index.digest}, linux/arm64/v8`);
    expect(readFileSync(join(plain, "manifest")).equals(index.children[1]!.manifest.bytes)).toBe(true);
    const dirPush = await run(["push", plain, `${host}/cli/back:arm64`]);
    expect(dirPush.out.toString()).toBe(`${index.children[1]!.manifest.digest}\n`);

    // Another image pulled over it: the directory holds that image only, not the first one's blobs beside it.
    writeFileSync(join(plain, "blobs", "notes.txt"), "mine");
    expect((await run(["pull", "--format", "dir", `${host}/cli/disk:v1`, plain])).code).toBe(0);
    const expected = [image.config.digest, ...image.layers.map((l) => l.digest), "notes.txt"].sort();
    expect(readdirSync(join(plain, "blobs")).sort()).toEqual(expected);
    expect(readFileSync(join(plain, "manifest")).equals(image.manifest.bytes)).toBe(true);
  });

  it("says what is wrong with exit status 2", async () => {
    const dir = temp();
    const all = await run(["pull", "--all-platforms", `${host}/cli/multi:v1`, join(dir, "x.tar")]);
    expect(all.code).toBe(2);
    expect(all.err).toMatch(/--format oci/);
    expect((await run(["pull", `${host}/cli/disk:v1`])).code).toBe(2);
    expect((await run(["pull", "--format", "zip", `${host}/cli/disk:v1`, dir])).code).toBe(2);
    expect((await run(["push", join(dir, "missing"), `${host}/cli/x:v1`])).code).toBe(2);
  });
});
