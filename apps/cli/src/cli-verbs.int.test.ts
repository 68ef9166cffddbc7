/**
 * Issue 12, "verbs and flags people expect", against a real registry through the built CLI (rebuild first): tags
 * sorted, filtered, limited and as full references; digest of several references; copy --from-file; copy of a
 * single platform; tag into another repository; copy and pull naming the defaults they used.
 */
import { generateImage, generateIndex, pushImage, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

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
        'regatta: include pattern "(" is not a regular expression\n',
      ]);
      const order = await regatta(["tags", repo, "--sort", "random"]);
      expect(order.code).toBe(2);
      expect(order.stderr).toContain("Allowed choices are none, name, semver");
    });
  });
});
