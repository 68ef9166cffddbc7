/**
 * QA (net.md) findings 3, 4 and 5 against the real distribution, a failing DELETE injected by the test kit's fault
 * proxy: rmrepo deletes every index before the manifests it lists and keeps those whose index remains; its dry run
 * sends no DELETE; delete refuses a manifest that a tagged index lists.
 */
import {
  type FaultProxy,
  generateImage,
  generateIndex,
  pushImage,
  startFaultProxy,
  useRegistry,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient, NotFoundError, type RegistryClient, UsageError } from "./index.js";

let index: Awaited<ReturnType<typeof generateIndex>>;
let other: Awaited<ReturnType<typeof generateImage>>;
beforeAll(async () => {
  index = await generateIndex({
    platforms: ["linux/amd64", "linux/arm64"],
    layers: [2000],
    seed: "rmrepo-order",
  });
  other = await generateImage({ layers: [1500], seed: "rmrepo-other" });
});
const amd64 = () => index.children[0]!.manifest.digest;
const arm64 = () => index.children[1]!.manifest.digest;

describe("rmrepo and delete keep indexes whole (distribution, deletes enabled)", () => {
  const registry = useRegistry({ deleteEnabled: true });
  let reg: RegistryClient | undefined;
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await reg?.close();
    await proxy?.close();
    reg = undefined;
    proxy = undefined;
  });
  let counter = 0;
  /** A repository with `idx` (the index), `s1` (its amd64 child, tagged too) and `solo` (an unrelated image). */
  async function seed(): Promise<string> {
    const repo = `team/rr${++counter}`;
    await pushImage(registry.url, repo, "idx", index);
    await pushImage(registry.url, repo, "s1", index.children[0]!);
    await pushImage(registry.url, repo, "solo", other);
    return repo;
  }
  /** Whether the manifest is still in the repository, asked of the registry itself. */
  const has = async (r: RegistryClient, repo: string, digest: string) =>
    r.manifest(`${registry.host}/${repo}@${digest}`).then(
      () => true,
      (e: unknown) => {
        if (e instanceof NotFoundError) return false;
        throw e;
      },
    );

  it("a 403 on the index's DELETE keeps the manifests it lists (the shared one and its tag too), and the others go", async () => {
    const repo = await seed();
    proxy = await startFaultProxy(registry.url, [
      {
        method: "DELETE",
        path: new RegExp(`/manifests/${index.index.digest}`),
        times: Number.POSITIVE_INFINITY,
        fault: { type: "status", status: 403 },
      },
    ]);
    reg = createClient(proxy.host, { retry: { attempts: 0 } });
    const done = await reg.deleteRepository(`${proxy.host}/${repo}`);
    expect(done.deleted).toEqual([other.manifest.digest]);
    expect(done.failed).toMatchObject([{ digest: index.index.digest, tags: ["idx"] }]);
    expect(done.failed[0]?.error).toMatchObject({ status: 403 });
    expect(done.kept.map((k) => k.digest).sort()).toEqual([amd64(), arm64()].sort());
    expect(done.kept.find((k) => k.digest === amd64())).toEqual({
      digest: amd64(),
      tags: ["s1"],
      listedBy: [index.index.digest],
    });
    // No DELETE of a child was sent: the index still pulls, every platform, and s1 is still there.
    expect(proxy.requests.filter((r) => r.method === "DELETE").map((r) => r.path.split("/").pop())).toEqual(
      expect.not.arrayContaining([amd64(), arm64()]),
    );
    const direct = createClient(registry.host, { retry: { attempts: 0 } });
    try {
      expect(await has(direct, repo, amd64())).toBe(true);
      expect(await has(direct, repo, arm64())).toBe(true);
      expect(await has(direct, repo, other.manifest.digest)).toBe(false);
      expect((await direct.tags(`${registry.host}/${repo}`)).tags.sort()).toEqual(["idx", "s1"]);
    } finally {
      await direct.close();
    }
  });

  it("a 500 on one child: the index and the other manifests are deleted, that child is reported, nothing else is kept", async () => {
    const repo = await seed();
    proxy = await startFaultProxy(registry.url, [
      {
        method: "DELETE",
        path: new RegExp(`/manifests/${arm64()}`),
        times: Number.POSITIVE_INFINITY,
        fault: { type: "status", status: 500 },
      },
    ]);
    reg = createClient(proxy.host, { retry: { attempts: 0 } });
    const done = await reg.deleteRepository(`${proxy.host}/${repo}`);
    expect(done.failed).toMatchObject([{ digest: arm64(), tags: [] }]);
    expect(done.kept).toEqual([]);
    expect([...done.deleted].sort()).toEqual([index.index.digest, amd64(), other.manifest.digest].sort());
    // The index went first, its children after it answered.
    const deletes = proxy.requests.filter((r) => r.method === "DELETE").map((r) => r.path.split("/").pop());
    expect(deletes.indexOf(index.index.digest)).toBeLessThan(deletes.indexOf(amd64()));
    expect(deletes.indexOf(index.index.digest)).toBeLessThan(deletes.indexOf(arm64()));
  });

  it("a dry run sends no DELETE and lists every manifest, each index before the manifests it lists", async () => {
    const repo = await seed();
    proxy = await startFaultProxy(registry.url, []);
    reg = createClient(proxy.host);
    const plan = await reg.deleteRepository(`${proxy.host}/${repo}`, { dryRun: true });
    expect(plan.dryRun).toBe(true);
    expect(proxy.count("DELETE")).toBe(0);
    expect(plan.deleted).toHaveLength(4);
    expect(plan.deleted.indexOf(index.index.digest)).toBeLessThan(plan.deleted.indexOf(amd64()));
    expect(plan.deleted.indexOf(index.index.digest)).toBeLessThan(plan.deleted.indexOf(arm64()));
    expect((await reg.tags(`${proxy.host}/${repo}`)).tags.sort()).toEqual(["idx", "s1", "solo"]);
  });

  it("delete refuses a manifest a tagged index lists (by digest, and by tag), naming the index; --force says it", async () => {
    const repo = await seed();
    reg = createClient(registry.host);
    const byDigest = await reg.deleteManifest(`${registry.host}/${repo}@${arm64()}`).catch((e) => e);
    expect(byDigest).toBeInstanceOf(UsageError);
    expect(byDigest).toMatchObject({ code: "IN_INDEX" });
    expect(byDigest.message).toContain(`idx (${index.index.digest})`);
    const byTag = await reg.deleteManifest(`${registry.host}/${repo}:s1`).catch((e) => e);
    expect(byTag).toMatchObject({ code: "IN_INDEX" });
    expect(await has(reg, repo, arm64())).toBe(true);

    const dry = await reg.deleteManifest(`${registry.host}/${repo}:s1`, { force: true, dryRun: true });
    expect(dry.indexes).toEqual([{ digest: index.index.digest, tags: ["idx"] }]);
    expect(await has(reg, repo, amd64())).toBe(true);
    const forced = await reg.deleteManifest(`${registry.host}/${repo}@${arm64()}`, { force: true });
    expect(forced.indexes).toEqual([{ digest: index.index.digest, tags: ["idx"] }]);
    expect(await has(reg, repo, arm64())).toBe(false);
    // An image no index lists is deleted as before, without a word about indexes.
    const solo = await reg.deleteManifest(`${registry.host}/${repo}:solo`);
    expect(solo.indexes).toBeUndefined();
  });
});
