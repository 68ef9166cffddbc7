/**
 * Issue 12, "verbs and flags people expect", against a real registry through the built CLI (rebuild first): tags
 * sorted, filtered, limited and as full references; digest of several references; copy --from-file; copy of a
 * single platform; tag into another repository; copy and pull naming the defaults they used.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateImage, generateIndex, pushImage, tempDirs, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const tempDir = tempDirs("regatta-verbs-");
const TAGS = ["1.10", "1.9", "1.2", "latest", "v2.0.0", "v2.0.0-rc1", "2.1"];

describe("verbs people expect, against a real registry", () => {
  const open = useRegistry("none");
  let index: Awaited<ReturnType<typeof generateIndex>>;
  let image: Awaited<ReturnType<typeof generateImage>>;

  beforeAll(async () => {
    index = await generateIndex({ platforms: ["linux/amd64", "linux/arm64/v8"], layers: [2000, 9000] });
    image = await generateImage({ layers: [1024, 3000], seed: "verbs" });
    await pushImage(open.url, "src/app", "1.0", index);
    for (const tag of TAGS) await pushImage(open.url, "src/many", tag, image);
  }, 60_000);

  describe("tags", () => {
    it("sorts in natural order by default; --sort semver and none", async () => {
      const repo = `${open.host}/src/many`;
      const [natural, semver, none] = await Promise.all([
        regatta(["tags", repo]),
        regatta(["tags", repo, "--sort", "semver"]),
        regatta(["tags", repo, "--sort", "none"]),
      ]);
      expect(natural.stdout).toBe("1.2\n1.9\n1.10\n2.1\nlatest\nv2.0.0\nv2.0.0-rc1\n");
      expect(semver.stdout).toBe("1.2\n1.9\n1.10\nv2.0.0-rc1\nv2.0.0\n2.1\nlatest\n");
      // The registry's order, untouched (distribution 2.8 answers in its storage's order, not sorted).
      const answer = (await (await fetch(`${open.url}/v2/src/many/tags/list`)).json()) as { tags: string[] };
      expect(none.stdout).toBe(`${answer.tags.join("\n")}\n`);
      expect([natural.stderr, semver.stderr, none.stderr]).toEqual(["", "", ""]);
    });

    it("--include/--exclude match whole tags, --limit counts tags printed, --full-ref names them", async () => {
      const repo = `${open.host}/src/many`;
      const out = await regatta([
        "tags",
        repo,
        "--include",
        "1\\..*",
        "--include",
        "v.*",
        "--exclude",
        ".*-rc.*",
        "--limit",
        "3",
        "--full-ref",
        "-n",
        "2",
      ]);
      expect(out.stdout).toBe(`${repo}:1.2\n${repo}:1.9\n${repo}:1.10\n`);
      const json = await regatta(["tags", repo, "--include", "v.*", "--full-ref", "--json", "--digests"]);
      expect(JSON.parse(json.stdout)).toEqual({
        name: "src/many",
        tags: ["v2.0.0", "v2.0.0-rc1"],
        references: [`${repo}:v2.0.0`, `${repo}:v2.0.0-rc1`],
        digests: { "v2.0.0": image.manifest.digest, "v2.0.0-rc1": image.manifest.digest },
      });
    });

    it("an --exclude that leaves nothing out is said, as an --include that keeps nothing", async () => {
      const repo = `${open.host}/src/many`;
      // Was silent: grep's ^1 matches no whole tag, and every tag was listed with no word why.
      const none = await regatta(["tags", repo, "--exclude", "^1", "--limit", "2"]);
      expect([none.code, none.stdout, none.stderr]).toEqual([
        0,
        "1.2\n1.9\n",
        'note: no tag matched --exclude "^1", nothing was left out: patterns match the whole tag as regular expressions (v.* for tags starting with v)\n',
      ]);
      const some = await regatta(["tags", repo, "--exclude", "^1", "--exclude", "1.*"]);
      expect([some.code, some.stdout, some.stderr]).toEqual([0, "2.1\nlatest\nv2.0.0\nv2.0.0-rc1\n", ""]);
    });

    it("takes REPO:TAG and REPO@DIGEST, listing the repository with a note; --platform is said not to apply", async () => {
      const repo = `${open.host}/src/many`;
      const tagged = await regatta(["tags", `${repo}:1.9`, "--limit", "1"]);
      expect([tagged.code, tagged.stdout]).toEqual([0, "1.2\n"]);
      expect(tagged.stderr).toBe(`note: listing the tags of ${repo}; the tag 1.9 of ${repo}:1.9 ignored\n`);
      const pinned = await regatta([
        "tags",
        `${repo}@${image.manifest.digest}`,
        "--limit",
        "1",
        "--platform",
        "linux/arm64",
      ]);
      expect([pinned.code, pinned.stdout]).toEqual([0, "1.2\n"]);
      expect(pinned.stderr).toContain(`the digest ${image.manifest.digest} of`);
      expect(pinned.stderr).toContain("note: --platform linux/arm64 does not apply to tags");
    });

    it("refuses a pattern that is no regular expression and an unknown order, as bad usage", async () => {
      const repo = `${open.host}/src/many`;
      const bad = await regatta(["tags", repo, "--include", "("]);
      expect([bad.code, bad.stdout, bad.stderr]).toEqual([
        2,
        "",
        "regatta: include pattern \"(\" is not a regular expression in RE2's syntax (Go's, as skopeo and regsync read it; no backreferences or lookaround, so that matching takes linear time): error parsing regexp: missing closing ): `(`\n",
      ]);
      // grep's and glob's habits match no whole tag: a note says how patterns read, and nothing is listed.
      const habit = await regatta(["tags", repo, "--include", "^v"]);
      expect([habit.code, habit.stdout]).toEqual([0, ""]);
      expect(habit.stderr).toContain(
        "patterns match the whole tag as regular expressions (v.* for tags starting",
      );
      const order = await regatta(["tags", repo, "--sort", "random"]);
      expect(order.code).toBe(2);
      expect(order.stderr).toContain("Allowed choices are none, name, semver");
    });
  });

  describe("digest of several references", () => {
    it("prints the digest alone for one, DIGEST  REFERENCE lines in order for several", async () => {
      const one = await regatta(["digest", `${open.host}/src/app:1.0`]);
      expect([one.code, one.stdout, one.stderr]).toEqual([0, `${index.index.digest}\n`, ""]);
      const refs = [`${open.host}/src/many:1.9`, `${open.host}/src/app:1.0`, `${open.host}/src/many:latest`];
      const several = await regatta(["digest", ...refs]);
      expect([several.code, several.stderr]).toEqual([0, ""]);
      expect(several.stdout).toBe(
        `${image.manifest.digest}  ${refs[0]}\n${index.index.digest}  ${refs[1]}\n${image.manifest.digest}  ${refs[2]}\n`,
      );
    });

    it("reports a reference that does not parse as one failure among others: the rest printed, exit 2", async () => {
      const good = `${open.host}/src/app:1.0`;
      const out = await regatta(["digest", good, "bad ref"]);
      expect(out.stdout).toBe(`${index.index.digest}  ${good}\n`);
      expect(out.stderr).toContain("regatta: 1 of 2 references failed: bad ref\n");
      expect(out.code).toBe(2);
      const json = await regatta(["digest", "bad ref", good, "--json"]);
      expect(JSON.parse(json.stdout)).toEqual([
        { reference: "bad ref", error: expect.objectContaining({ code: "INVALID_REFERENCE" }) },
        expect.objectContaining({ reference: good, digest: index.index.digest }),
      ]);
      // Alone, it is bad usage before any request, as before.
      expect((await regatta(["digest", "bad ref"])).code).toBe(2);
    });

    it("reports a failing reference on stderr, prints the others, and fails at the end", async () => {
      const refs = [`${open.host}/src/app:1.0`, `${open.host}/src/nope:1`, `${open.host}/src/many:1.9`];
      const out = await regatta(["digest", ...refs]);
      expect(out.code).toBe(3);
      expect(out.stdout).toBe(`${index.index.digest}  ${refs[0]}\n${image.manifest.digest}  ${refs[2]}\n`);
      expect(out.stderr).toContain(`regatta: ${refs[1]}: `);
      expect(out.stderr).toContain(`regatta: 1 of 3 references failed: ${refs[1]}\n`);
      // A HEAD's 404 says nothing of why: --json carries the registry's own code, asked by GET (distribution 2.8
      // says MANIFEST_UNKNOWN for a manifest of an unknown repository too; a HEAD alone was guessed NAME_UNKNOWN).
      const codes = await regatta(["digest", refs[1]!, `${open.host}/src/app:nope`, "--json"]);
      expect(JSON.parse(codes.stdout).map((a: { error: { code: string } }) => a.error.code)).toEqual([
        "MANIFEST_UNKNOWN",
        "MANIFEST_UNKNOWN",
      ]);
      const json = await regatta(["digest", ...refs, "--json", "--platform", "linux/arm64"]);
      expect(json.code).toBe(3);
      expect(JSON.parse(json.stdout)).toEqual([
        // With --platform a manifest is fetched to be resolved: its digest is computed, not claimed.
        { reference: refs[0], digest: index.children[1]!.manifest.digest, source: "verified" },
        { reference: refs[1], error: expect.objectContaining({ code: "MANIFEST_UNKNOWN" }) },
        // A single image of another platform is refused, as manifest, config and inspect refuse it.
        {
          reference: refs[2],
          error: {
            code: "MANIFEST_UNKNOWN",
            message: `${refs[2]} is a single image for linux/amd64, not linux/arm64: it has no other platform`,
          },
        },
      ]);
    });
  });

  describe("copy of one platform", () => {
    it("onto its own source: warned that the tag then names only what --platform keeps", async () => {
      await pushImage(open.url, "self/app", "1", index);
      const out = await regatta([
        "copy",
        `${open.host}/self/app:1`,
        `${open.host}/self/app`,
        "--platform",
        "linux/arm64",
      ]);
      expect(out.code).toBe(0);
      expect(out.stderr).toContain(
        `warning: the target is the source: ${open.host}/self/app:1 will name only what --platform keeps`,
      );
    });

    it("copies that platform's image manifest: the target names the image, not an index", async () => {
      const arm64 = index.children[1]!;
      const out = await regatta([
        "copy",
        `${open.host}/src/app:1.0`,
        `${open.host}/one/arm:1.0`,
        "--platform",
        "linux/arm64",
      ]);
      expect([out.code, out.stdout]).toEqual([0, `${arm64.manifest.digest}\n`]);
      expect(out.stderr).toContain(
        "copy: platform linux/arm64 (that image alone); 4 blobs at once (16 under 1 MiB) (default)\n",
      );
      expect(out.stderr).toContain(`(linux/arm64/v8 of index ${index.index.digest})`);
      const stored = await fetch(`${open.url}/v2/one/arm/manifests/1.0`, {
        headers: { accept: `${arm64.manifest.mediaType}, ${index.index.mediaType}` },
      });
      expect(stored.headers.get("content-type")).toBe(arm64.manifest.mediaType);
      expect(stored.headers.get("docker-content-digest")).toBe(arm64.manifest.digest);
      // A list keeps an index, rewritten; without --platform, the index whole.
      const list = await regatta([
        "copy",
        `${open.host}/src/app:1.0`,
        `${open.host}/one/list:1.0`,
        "--platform",
        "linux/arm64/v8,linux/amd64",
        "--json",
      ]);
      expect(JSON.parse(list.stdout)).toMatchObject({
        rewritten: true,
        mediaType: index.index.mediaType,
        platforms: ["linux/arm64/v8", "linux/amd64"],
        jobs: 4,
      });
      const whole = await regatta([
        "copy",
        `${open.host}/src/app:1.0`,
        `${open.host}/one/whole:1.0`,
        "--json",
        "-j",
        "2",
      ]);
      expect(JSON.parse(whole.stdout)).toMatchObject({
        digest: index.index.digest,
        platforms: "all",
        jobs: 2,
      });
    });
  });

  describe("copy --platform of a single image", () => {
    it("copies one of that platform as it is and says the flag had nothing to choose, with its platform", async () => {
      for (const asked of ["linux/amd64", "linux/arm64,linux/amd64"]) {
        const out = await regatta([
          "copy",
          `${open.host}/src/many:1.9`,
          `${open.host}/one/single`,
          "--platform",
          asked,
        ]);
        expect([out.code, out.stdout]).toEqual([0, `${image.manifest.digest}\n`]);
        expect(out.stderr).toContain(
          `note: --platform ${asked} ignored: ${open.host}/src/many:1.9 is a single image for linux/amd64, not an index; copied as it is\n`,
        );
      }
    });

    it("refuses one of another platform before writing anything, as manifest and config do (exit 3)", async () => {
      for (const asked of ["linux/arm64", "linux/arm64,linux/arm/v7"]) {
        const out = await regatta([
          "copy",
          `${open.host}/src/many:1.9`,
          `${open.host}/one/wrong-platform`,
          "--platform",
          asked,
        ]);
        expect(out.code).toBe(3);
        expect(out.stderr).toContain(`${open.host}/src/many:1.9 is a single image for linux/amd64, not`);
        expect(out.stderr).not.toMatch(/\n\s+at /);
        expect((await fetch(`${open.url}/v2/one/wrong-platform/tags/list`)).status).toBe(404);
      }
    });

    it("pull and digest refuse it too, and pull leaves no file behind", async () => {
      const dir = tempDir();
      const file = join(dir, "wrong.tar");
      const pulled = await regatta(["pull", `${open.host}/src/many:1.9`, file, "--platform", "linux/arm64"]);
      expect([pulled.code, existsSync(file)]).toEqual([3, false]);
      expect(pulled.stderr).toContain("is a single image for linux/amd64, not linux/arm64");
      const digest = await regatta(["digest", `${open.host}/src/many:1.9`, "--platform", "linux/arm64"]);
      expect([digest.code, digest.stdout]).toEqual([3, ""]);
      const same = await regatta(["pull", `${open.host}/src/many:1.9`, file, "--platform", "linux/amd64"]);
      expect([same.code, existsSync(file)]).toEqual([0, true]);
    });
  });

  describe("copy --from-file", () => {
    it("copies every line with one client, stops at a failure unless --keep-going, and sums up", async () => {
      const file = join(tempDir(), "refs.txt");
      writeFileSync(
        file,
        [
          "# mirror",
          `${open.host}/src/app:1.0 ${open.host}/list/app`,
          "",
          `${open.host}/src/nope:1 ${open.host}/list/nope   # missing`,
          `${open.host}/src/many:1.9 ${open.host}/list/many:stable`,
        ].join("\n"),
      );
      const stopped = await regatta(["copy", "--from-file", file]);
      expect(stopped.code).toBe(3);
      expect(stopped.stdout).toBe(`${index.index.digest}  ${open.host}/list/app:1.0\n`);
      expect(stopped.stderr).toContain(
        `regatta: ${file}:4 ${open.host}/src/nope:1 → ${open.host}/list/nope: `,
      );
      expect(stopped.stderr).toContain(
        "3 copies: 1 copied, 0 up to date, 1 failed, 1 not run (no --keep-going)",
      );

      const going = await regatta(["copy", "--from-file", file, "--keep-going"]);
      expect(going.code).toBe(3);
      expect(going.stdout).toBe(
        `${index.index.digest}  ${open.host}/list/app:1.0\n${image.manifest.digest}  ${open.host}/list/many:stable\n`,
      );
      expect(going.stderr).toContain("3 copies: 1 copied, 1 up to date, 1 failed;");
      expect(going.stderr).toContain(`regatta: 1 of 3 copies failed: ${file}:4`);

      const json = await regatta(["copy", "--from-file", "-", "--keep-going", "--json"], {
        input: `${open.host}/src/many:1.9 ${open.host}/list/many:stable\n`,
      });
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({
        copies: [{ line: 1, upToDate: true, digest: image.manifest.digest }],
        summary: { total: 1, copied: 0, upToDate: 1, failed: 0, notRun: 0 },
      });
      // Two lines writing one target: said before the copies, and the summary counts "copy" for one.
      const twice = await regatta(["copy", "--from-file", "-"], {
        input: `${open.host}/src/many:1.9 ${open.host}/list/twice:1\n${open.host}/src/app:1.0 ${open.host}/list/twice:1\n`,
      });
      expect(twice.stderr).toContain(
        `warning: lines 1, 2 all copy to ${open.host}/list/twice:1: the last one wins`,
      );
      // A target without a tag lands on the source's: the same place as one naming that tag.
      const implied = await regatta(["copy", "--from-file", "-"], {
        input: `${open.host}/src/many:1.9 ${open.host}/list/twice\n${open.host}/src/app:1.0 ${open.host}/list/twice:1.9\n`,
      });
      expect(implied.stderr).toContain(
        `warning: lines 1, 2 all copy to ${open.host}/list/twice:1.9: the last one wins`,
      );
      // A source named by digest only lands on latest, as skopeo, crane and regctl tag it.
      const byDigest = await regatta(["copy", "--from-file", "-"], {
        input: `${open.host}/src/many@${image.manifest.digest} ${open.host}/list/dg\n${open.host}/src/many:1.9 ${open.host}/list/dg:latest\n`,
      });
      expect(byDigest.stderr).toContain(
        `warning: lines 1, 2 all copy to ${open.host}/list/dg:latest: the last one wins`,
      );
      const once = await regatta(["copy", "--from-file", "-"], {
        input: `${open.host}/src/many:1.9 ${open.host}/list/twice:1\n`,
      });
      expect(once.stderr).toContain("1 copy: 1 copied, 0 up to date");
    });

    it("refuses a bad line before copying anything", async () => {
      const file = join(tempDir(), "bad.txt");
      writeFileSync(file, `${open.host}/src/app:1.0 ${open.host}/early/app\njust-one-word\n`);
      const out = await regatta(["copy", "--from-file", file]);
      expect([out.code, out.stdout]).toEqual([2, ""]);
      expect(out.stderr).toBe(`regatta: ${file}:2: want "SOURCE TARGET", got 1 word\n`);
      const tags = await fetch(`${open.url}/v2/early/app/tags/list`);
      expect(tags.status).toBe(404);
    });
  });

  describe("tag into another repository", () => {
    it("mounts the blobs and pushes the children first, then the manifest (an index and an image)", async () => {
      const out = await regatta(["tag", `${open.host}/src/app:1.0`, `${open.host}/elsewhere/app:stable`]);
      expect([out.code, out.stdout]).toEqual([0, `${index.index.digest}\n`]);
      const single = await regatta(["tag", `${open.host}/src/many:1.9`, "elsewhere/many:v1"]);
      expect([single.code, single.stdout]).toEqual([0, `${image.manifest.digest}\n`]);
      // Everything is there: each child and each blob, in the new repository.
      for (const child of index.children) {
        const got = await regatta(["manifest", `${open.host}/elsewhere/app@${child.manifest.digest}`]);
        expect(got.code).toBe(0);
        for (const blob of [child.config, ...child.layers]) {
          const head = await fetch(`${open.url}/v2/elsewhere/app/blobs/${blob.digest}`, { method: "HEAD" });
          expect(head.status).toBe(200);
        }
      }
      const digests = await regatta([
        "digest",
        `${open.host}/elsewhere/app:stable`,
        `${open.host}/elsewhere/many:v1`,
      ]);
      expect(digests.stdout).toBe(
        `${index.index.digest}  ${open.host}/elsewhere/app:stable\n${image.manifest.digest}  ${open.host}/elsewhere/many:v1\n`,
      );
    });
  });

  describe("copy and pull agree on their defaults, and say them", () => {
    it("pull: this host's platform and the same jobs as copy, on stderr and in --json", async () => {
      const dir = tempDir();
      const out = await regatta(["pull", `${open.host}/src/app:1.0`, join(dir, "one.tar")]);
      expect(out.code).toBe(0);
      expect(out.stderr).toMatch(
        /^pull: platform linux\/[a-z0-9]+(\/v\d)? \(this host's\); 4 blobs at once \(16 under 1 MiB\) \(default\)\n/,
      );
      const arm = await regatta([
        "pull",
        `${open.host}/src/app:1.0`,
        join(dir, "arm"),
        "--platform",
        "linux/arm64",
        "-j",
        "2",
        "--json",
      ]);
      expect(JSON.parse(arm.stdout)).toMatchObject({ platform: "linux/arm64", jobs: 2, format: "oci" });
      const all = await regatta(["pull", "--all-platforms", `${open.host}/src/app:1.0`, join(dir, "all")]);
      expect(all.stderr).toContain(
        "pull: every platform of an index; 4 blobs at once (16 under 1 MiB) (default)\n",
      );
    });
  });
});
