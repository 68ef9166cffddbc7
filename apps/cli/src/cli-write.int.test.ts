import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateImage, generateIndex, pushImage, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const AUTH = ["-u", "regatta", "-p", "regatta-secret"];

describe("regatta write commands against real registries", () => {
  const open = useRegistry("none");
  const basic = useRegistry("basic");
  let index: Awaited<ReturnType<typeof generateIndex>>;
  let docker: Awaited<ReturnType<typeof generateImage>>;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "regatta-write-"));
    index = await generateIndex({ platforms: ["linux/amd64", "linux/arm64/v8"], layers: [2000, 9000] });
    docker = await generateImage({ layers: [1024, 3000], mediaTypes: "docker", seed: "boater" });
    await pushImage(open.url, "src/app", "1.0", index);
    await pushImage(basic.url, "library/ubuntu", "latest", docker, {
      username: "regatta",
      password: "regatta-secret",
    });
  }, 60_000);

  it("boater's README: get the manifest and blobs, put the blobs and the manifest into another repository", async () => {
    const src = `${basic.host}/library/ubuntu`;
    const manifest = await regatta(["get-manifest", src, "--accept-schema2", ...AUTH]);
    expect(manifest.code).toBe(0);
    const manifestFile = join(work, "ubuntu.manifest");
    writeFileSync(manifestFile, manifest.stdoutBytes);
    const doc = JSON.parse(manifest.stdout) as { config: { digest: string }; layers: { digest: string }[] };
    const dir = mkdtempSync(join(work, "ubuntu.blobs-"));
    for (const digest of [doc.config.digest, ...doc.layers.map((l) => l.digest)]) {
      const blob = await regatta(["get-blob", src, digest, ...AUTH]);
      expect(blob.code).toBe(0);
      writeFileSync(join(dir, digest), blob.stdoutBytes);
    }
    const repo = `${basic.host}/my/repo`;
    for (const file of readdirSync(dir)) {
      const put = await regatta(["put-blob", ...AUTH, repo, join(dir, file)]);
      expect(put.code).toBe(0);
      expect(put.stdout).toBe(`${file}\n`);
    }
    const put = await regatta([
      "put-manifest",
      ...AUTH,
      repo,
      manifestFile,
      "--content-type=application/vnd.docker.distribution.manifest.v2+json",
    ]);
    expect(put.stderr).toBe("");
    expect(put.code).toBe(0);
    expect(put.stdout).toBe(`${docker.manifest.digest}\n`);
    const digests = await Promise.all([src, `${repo}:latest`].map((r) => regatta(["digest", r, ...AUTH])));
    expect(digests.map((d) => d.stdout)).toEqual([
      `${docker.manifest.digest}\n`,
      `${docker.manifest.digest}\n`,
    ]);
    // Again: the registry has every blob, and says so.
    const again = await regatta(["put-blob", ...AUTH, repo, join(dir, doc.config.digest)]);
    expect(again.stderr).toContain("already: nothing sent");
  });

  it("put-blob: a missing FILE is bad input (exit 2); a --digest that does not match the content is refused", async () => {
    const missing = await regatta(["put-blob", `${open.host}/x/y`, join(work, "nope.bin")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file");
    expect(missing.stdout).toBe("");

    const file = join(work, "blob.bin");
    writeFileSync(file, "some bytes");
    const wrong = sha256(Buffer.from("other bytes"));
    const refused = await regatta(["put-blob", `${open.host}/x/y`, file, "--digest", wrong]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${sha256(Buffer.from("some bytes"))}, not ${wrong}`);
    expect((await regatta(["blob", `${open.host}/x/y@${sha256(Buffer.from("some bytes"))}`])).code).toBe(3);

    const right = await regatta([
      "put-blob",
      `${open.host}/x/y`,
      file,
      "--digest",
      sha256(Buffer.from("some bytes")),
      "--json",
    ]);
    expect(JSON.parse(right.stdout)).toMatchObject({
      digest: sha256(Buffer.from("some bytes")),
      skipped: false,
    });

    const stdin = await regatta(["put-blob", `${open.host}/x/stdin`, "-", "--chunk-size", "4"], {
      input: "streamed in chunks",
    });
    expect(stdin.stdout).toBe(`${sha256(Buffer.from("streamed in chunks"))}\n`);
  });

  it("put-manifest: a manifest whose blobs the repository lacks is a clear MANIFEST_BLOB_UNKNOWN", async () => {
    const file = join(work, "orphan.json");
    writeFileSync(file, docker.manifest.bytes);
    const put = await regatta(["put-manifest", `${open.host}/orphan/app:1`, file]);
    expect(put.code).toBe(1);
    expect(put.stderr).toContain("MANIFEST_BLOB_UNKNOWN");
    expect(put.stderr).toContain("lacks blobs the manifest references");
    expect(put.stderr).toContain(docker.layers[0]!.digest);
  });

  it("copy between registries with --json, then again (up to date), then within one registry (mounted)", async () => {
    const src = `${open.host}/src/app:1.0`;
    const first = await regatta([
      "copy",
      src,
      `${basic.host}/mirror/app`,
      "--dest-username",
      "regatta",
      "--dest-password",
      "regatta-secret",
      "--json",
    ]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary).toMatchObject({
      digest: index.index.digest,
      sourceDigest: index.index.digest,
      upToDate: false,
      rewritten: false,
      blobs: { total: 6, uploaded: 6, mounted: 0, skipped: 0 },
    });
    expect(summary.bytesUploaded).toBe(
      index.children.reduce(
        (n, c) => n + c.config.bytes.length + c.layers.reduce((m, l) => m + l.bytes.length, 0),
        0,
      ),
    );
    expect(summary.manifests).toHaveLength(3);

    const again = await regatta(["copy", src, `${basic.host}/mirror/app`, ...AUTH, "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ upToDate: true, bytesUploaded: 0 });

    const within = await regatta([
      "copy",
      `${basic.host}/mirror/app:1.0`,
      `${basic.host}/team/app:stable`,
      ...AUTH,
      "--json",
    ]);
    expect(JSON.parse(within.stdout)).toMatchObject({
      digest: index.index.digest,
      blobs: { mounted: 6, uploaded: 0 },
    });

    const digests = await Promise.all([
      regatta(["digest", src]),
      regatta(["digest", `${basic.host}/team/app:stable`, ...AUTH]),
    ]);
    expect(digests[0]!.stdout).toBe(digests[1]!.stdout);
  });

  it("copy SRC@DIGEST REPO tags latest, as skopeo, crane and regctl do (it was pushed untagged)", async () => {
    const out = await regatta([
      "copy",
      `${open.host}/src/app@${index.index.digest}`,
      `${open.host}/by-digest/app`,
    ]);
    expect([out.code, out.stdout]).toEqual([0, `${index.index.digest}\n`]);
    expect(out.stderr).toContain(`to ${open.host}/by-digest/app:latest`);
    expect((await regatta(["tags", `${open.host}/by-digest/app`])).stdout).toBe("latest\n");
    expect((await regatta(["digest", `${open.host}/by-digest/app:latest`])).stdout).toBe(
      `${index.index.digest}\n`,
    );
  });

  it("copy: --platform list rewrites the index, a summary for people on stderr, no progress bars on a pipe", async () => {
    const copied = await regatta([
      "copy",
      `${open.host}/src/app:1.0`,
      `${open.host}/arm/app:1.0`,
      "--platform",
      "linux/arm64,linux/arm64/v8",
      "-j",
      "2",
    ]);
    expect(copied.code).toBe(0);
    expect(copied.stderr).toMatch(
      /^copy: platforms linux\/arm64, linux\/arm64\/v8 \(an index of those\); 2 blobs at once \(8 under 1 MiB\)\ncopied .* 3 blobs \(0 uploaded, 3 mounted, 0 skipped\).*index rewritten for the platforms chosen\n$/,
    );
    expect(copied.stderr).not.toContain("\u001b[");
    const inspect = await regatta(["inspect", `${open.host}/arm/app:1.0`, "--json"]);
    expect(JSON.parse(inspect.stdout).platforms.map((p: { platform: string }) => p.platform)).toEqual([
      "linux/arm64/v8",
    ]);
    // One platform is that image alone (cli-verbs.int.test.ts has the rest): the tag names the image.
    const one = await regatta([
      "copy",
      `${open.host}/src/app:1.0`,
      `${open.host}/arm/image:1.0`,
      "--platform",
      "linux/arm64",
    ]);
    expect([one.code, one.stdout]).toEqual([0, `${index.children[1]!.manifest.digest}\n`]);
    const both = await regatta([
      "copy",
      `${open.host}/src/app:1.0`,
      `${open.host}/x/app`,
      "--platform",
      "linux/arm64",
      "--all-platforms",
    ]);
    expect(both.code).toBe(2);
  });

  it("copy with --src-* credentials from a locked registry into an open one", async () => {
    const copied = await regatta([
      "copy",
      `${basic.host}/library/ubuntu:latest`,
      `${open.host}/from/locked`,
      "--src-username",
      "regatta",
      "--src-password",
      "regatta-secret",
    ]);
    expect(copied.code).toBe(0);
    expect(copied.stdout).toBe(`${docker.manifest.digest}\n`);
    const denied = await regatta(["copy", `${basic.host}/library/ubuntu:latest`, `${open.host}/from/denied`]);
    expect(denied.code).toBe(4);
  });

  it("tag, mount, delete, rmtag and rmrepo", async () => {
    const repo = `${open.host}/ops/app`;
    expect((await regatta(["copy", `${open.host}/src/app:1.0`, `${repo}:1.0`])).code).toBe(0);
    const tagged = await regatta(["tag", `${repo}:1.0`, "latest"]);
    expect(tagged.stdout).toBe(`${index.index.digest}\n`);
    expect(tagged.stderr).toContain("tagged");
    expect((await regatta(["tags", repo])).stdout.split("\n").filter(Boolean).sort()).toEqual([
      "1.0",
      "latest",
    ]);

    const layer = index.children[0]!.layers[0]!.digest;
    const mounted = await regatta(["mount", `${repo}@${layer}`, "ops/other", "--json"]);
    expect(JSON.parse(mounted.stdout)).toMatchObject({ digest: layer, mounted: true });

    // distribution 2.x has no tag delete: rmtag untags through a throwaway manifest, 1.0 stays.
    const rmtag = await regatta(["rmtag", `${repo}:latest`, "--json"]);
    expect(rmtag.code).toBe(0);
    expect(JSON.parse(rmtag.stdout)).toMatchObject({
      deleted: true,
      method: "untag",
      digest: index.index.digest,
      kept: ["1.0"],
    });
    expect((await regatta(["tags", repo])).stdout).toBe("1.0\n");
    expect((await regatta(["tag", `${repo}:1.0`, "latest"])).code).toBe(0);

    // delete REPO:TAG would take 1.0 too: refused, naming it, unless --force, which names both.
    const refused = await regatta(["delete", `${repo}:latest`]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("also tagged 1.0");
    const deleted = await regatta(["delete", `${repo}:latest`, "--force"]);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe(`${index.index.digest}\n`);
    expect(deleted.stderr).toContain("and its tags 1.0, latest");
    expect((await regatta(["tags", repo])).stdout).toBe("");
    expect((await regatta(["delete", `${repo}:latest`])).code).toBe(3);

    expect((await regatta(["copy", `${open.host}/src/app:1.0`, `${open.host}/ops/gone:a`])).code).toBe(0);
    expect((await regatta(["tag", `${open.host}/ops/gone:a`, "b"])).code).toBe(0);
    const rmrepo = await regatta(["rmrepo", `${open.host}/ops/gone`, "--json"]);
    expect(JSON.parse(rmrepo.stdout)).toMatchObject({ tags: expect.arrayContaining(["a", "b"]) });
    expect(JSON.parse(rmrepo.stdout).digests).toHaveLength(3);
    expect((await regatta(["tags", `${open.host}/ops/gone`])).stdout).toBe("");
    // Fifteen CLI processes, about 2.5 s each on a busy 2-core box.
  }, 120_000);

  it("put-manifest from stdin keeps the exact bytes", async () => {
    const manifest = await regatta(["manifest", `${open.host}/src/app:1.0`]);
    const put = await regatta(["put-manifest", `${open.host}/src/app:again`, "-"], {
      input: manifest.stdout,
    });
    expect(put.stdout).toBe(`${index.index.digest}\n`);
  });
});
