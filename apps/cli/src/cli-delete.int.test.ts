/**
 * QA (net.md) findings 3, 4 and 5, as a user runs them: rmrepo with an index whose DELETE is refused (403, injected
 * by the test kit's fault proxy) reports what was deleted, failed and kept and exits non-zero; rmrepo --dry-run sends
 * no DELETE; delete refuses a manifest that a tagged index lists.
 */
import { generateImage, generateIndex, pushImage, startFaultProxy, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

describe("rmrepo and delete keep indexes whole (regatta as a process)", () => {
  const registry = useRegistry({ deleteEnabled: true });
  let index: Awaited<ReturnType<typeof generateIndex>>;
  let other: Awaited<ReturnType<typeof generateImage>>;
  let counter = 0;
  /** A repository with `idx` (the index), `s1` (its amd64 child, tagged too) and `solo` (an unrelated image). */
  async function seed(): Promise<string> {
    const repo = `team/cli-rr${++counter}`;
    await pushImage(registry.url, repo, "idx", index);
    await pushImage(registry.url, repo, "s1", index.children[0]!);
    await pushImage(registry.url, repo, "solo", other);
    return repo;
  }

  beforeAll(async () => {
    index = await generateIndex({
      platforms: ["linux/amd64", "linux/arm64"],
      layers: [1800],
      seed: "cli-rmrepo",
    });
    other = await generateImage({ layers: [900], seed: "cli-rmrepo-other" });
  }, 60_000);

  it("rmrepo: a 403 on the index keeps what it lists, deletes the rest, says so (text and --json), exit 4", async () => {
    const amd64 = index.children[0]!.manifest.digest;
    const arm64 = index.children[1]!.manifest.digest;
    const rules = [
      {
        method: "DELETE",
        path: new RegExp(`/manifests/${index.index.digest}`),
        times: Number.POSITIVE_INFINITY,
        fault: { type: "status" as const, status: 403 },
      },
    ];
    const proxy = await startFaultProxy(registry.url, rules);
    try {
      const repo = await seed();
      const text = await regatta(["rmrepo", `${proxy.host}/${repo}`]);
      expect(text.code).toBe(4);
      expect(text.stdout).toBe(`${other.manifest.digest}\n`);
      expect(text.stderr).toContain(`not deleted: ${proxy.host}/${repo}@${index.index.digest} (tag idx): `);
      expect(text.stderr).toContain(
        `kept: ${proxy.host}/${repo}@${amd64} (tag s1): listed by the index idx (${index.index.digest}), which was not deleted`,
      );
      expect(text.stderr).toContain(`deleted 1 of 4 manifests from ${proxy.host}/${repo}; 1 failed, 2 kept`);
      expect(text.stderr).toContain("tags still there: idx, s1");
      expect(proxy.requests.filter((r) => r.method === "DELETE").map((r) => r.path)).not.toEqual(
        expect.arrayContaining([expect.stringContaining(amd64)]),
      );
      // The index still pulls, every platform.
      const inspect = await regatta(["manifest", `${registry.host}/${repo}@${arm64}`]);
      expect(inspect.code).toBe(0);
      expect((await regatta(["tags", `${registry.host}/${repo}`])).stdout).toBe("idx\ns1\n");

      const json = await regatta(["rmrepo", `${proxy.host}/${repo}`, "--json"]);
      expect(json.code).toBe(4);
      const report = JSON.parse(json.stdout);
      expect(report).toMatchObject({
        deleted: [],
        failed: [{ digest: index.index.digest, tags: ["idx"], status: 403 }],
        kept: expect.arrayContaining([{ digest: amd64, tags: ["s1"], listedBy: [index.index.digest] }]),
      });
      expect(report.kept).toHaveLength(2);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it("rmrepo --dry-run lists every manifest, the index before its children, and sends no DELETE", async () => {
    const proxy = await startFaultProxy(registry.url, []);
    try {
      const repo = await seed();
      const dry = await regatta(["rmrepo", `${proxy.host}/${repo}`, "--dry-run"]);
      expect(dry.code).toBe(0);
      expect(dry.stderr).toContain("dry run: nothing deleted; 4 manifests of 3 tags would be deleted");
      const lines = dry.stdout.split("\n").filter(Boolean);
      expect(lines).toHaveLength(4);
      expect(lines.indexOf(index.index.digest)).toBeLessThan(
        lines.indexOf(index.children[0]!.manifest.digest),
      );
      const json = JSON.parse(
        (await regatta(["rmrepo", `${proxy.host}/${repo}`, "--dry-run", "--json"])).stdout,
      );
      expect(json).toMatchObject({ dryRun: true, failed: [], kept: [] });
      expect(json.deleted).toHaveLength(4);
      expect(proxy.count("DELETE")).toBe(0);
      expect((await regatta(["tags", `${registry.host}/${repo}`])).stdout).toBe("idx\ns1\nsolo\n");
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it("delete refuses a platform manifest a tagged index lists (exit 2, naming it); --force --dry-run says it", async () => {
    const repo = await seed();
    const arm64 = index.children[1]!.manifest.digest;
    const refused = await regatta(["delete", `${registry.host}/${repo}@${arm64}`]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`listed by the index idx (${index.index.digest})`);
    const tagged = await regatta(["delete", `${registry.host}/${repo}:s1`, "--dry-run"]);
    expect(tagged.code).toBe(2);
    const dry = await regatta(["delete", `${registry.host}/${repo}@${arm64}`, "--force", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(`the index ${registry.host}/${repo}:idx (${index.index.digest}) lists it`);
    expect(
      (await regatta(["manifest", `${registry.host}/${repo}:idx`, "--platform", "linux/arm64"])).code,
    ).toBe(0);
    const forced = await regatta(["delete", `${registry.host}/${repo}@${arm64}`, "--force", "--json"]);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout).indexes).toEqual([{ digest: index.index.digest, tags: ["idx"] }]);
  }, 60_000);

  it("a repository pushed by digest only (its tag list 404 NAME_UNKNOWN): delete by digest works; rmrepo says why it cannot list", async () => {
    // distribution answers the tag list of a repository without tags 404 NAME_UNKNOWN: delete's check of the other
    // tags read that as a failure (exit 3, "list tags of …") for a manifest the registry had just served.
    const repo = `team/by-digest${++counter}`;
    await pushImage(registry.url, repo, undefined, other);
    await pushImage(registry.url, repo, undefined, index.children[0]!);
    expect((await fetch(`${registry.url}/v2/${repo}/tags/list`)).status).toBe(404);
    const dry = await regatta(["delete", `${registry.host}/${repo}@${other.manifest.digest}`, "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toBe(`${registry.host}/${repo}@${other.manifest.digest} (it had no tags)\n`);
    const plain = await regatta(["delete", `${registry.host}/${repo}@${other.manifest.digest}`]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toBe(`${other.manifest.digest}\n`);
    expect(plain.stderr).toContain("(it had no tags)");
    const amd64 = index.children[0]!.manifest.digest;
    const forced = await regatta(["delete", `${registry.host}/${repo}@${amd64}`, "--force", "--json"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ digest: amd64, tags: [] });
    expect((await regatta(["manifest", `${registry.host}/${repo}@${amd64}`])).code).toBe(3);

    // rmrepo cannot enumerate untagged manifests over the API: it says so, and how to delete them.
    await pushImage(registry.url, repo, undefined, other);
    const rm = await regatta(["rmrepo", `${registry.host}/${repo}`]);
    expect(rm.code).toBe(3);
    expect(rm.stderr).toContain(
      `rmrepo ${registry.host}/${repo}: the registry lists no tags there (404 NAME_UNKNOWN)`,
    );
    expect(rm.stderr).toContain("holds only untagged manifests, which the registry API cannot list");
    expect(rm.stderr).toContain(`regatta delete ${registry.host}/${repo}@sha256:`);
  }, 60_000);

  it("delete whose DELETE took effect but lost its answer (a 503) is a success, said so; a plain 404 is not", async () => {
    // The retry found the manifest gone and reported 404 MANIFEST_UNKNOWN, exit 3, for a delete that happened
    // (QA faults5 #5); rmrepo already counted it deleted.
    const repo = await seed();
    const proxy = await startFaultProxy(registry.url, [
      { method: "DELETE", path: /\/manifests\//, fault: { type: "status", status: 503, reached: true } },
    ]);
    try {
      const digest = other.manifest.digest;
      const lost = await regatta(["delete", `${proxy.host}/${repo}:solo`]);
      expect(lost.code, lost.stderr).toBe(0);
      expect(lost.stdout).toBe(`${digest}\n`);
      expect(lost.stderr).toContain("the first attempt deleted it");
      expect(proxy.requests.filter((r) => r.method === "DELETE").map((r) => r.status)).toEqual([503, 404]);
      expect((await regatta(["manifest", `${registry.host}/${repo}@${digest}`])).code).toBe(3);
      // Without a lost answer, a 404 still means no such manifest.
      const missing = await regatta(["delete", `${proxy.host}/${repo}@${digest}`]);
      expect(missing.code).toBe(3);
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
