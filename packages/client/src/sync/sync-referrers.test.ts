/**
 * `sync` with `referrers` (issue 13): each image's referrers (every level, cosign's tags too) planned, counted and
 * copied after it, through copy-referrers.ts, from a registry with the referrers API to one without (the target's
 * fallback indexes kept); an up-to-date image whose referrers the target lacks gets them (resumable); refusals.
 */
import {
  createMswDispatcher,
  createRegistryHandlers,
  distributionFlavour,
  fakeRepository,
  type GeneratedImage,
  generateImage,
  oci11Flavour,
  type RegistryHandlers,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient, type RegistryClient, UsageError } from "../index.js";
import { fallbackTag } from "../referrers/fallback-tag.js";
import { decorate } from "../referrers/test-decorate.js";

let image: GeneratedImage;
let plain: GeneratedImage;
beforeAll(async () => {
  image = await generateImage({ seed: "sync-referrers" });
  plain = await generateImage({ seed: "sync-referrers-plain" });
});
const opened: RegistryClient[] = [];
afterEach(async () => {
  for (const reg of opened.splice(0)) await reg.close();
});

/** src.test (referrers API) holds team/app with v1 and its twin tag `same`, and `plain`; dst.test has no API. */
async function start() {
  const handlers: Record<"src" | "dst", RegistryHandlers> = {
    src: createRegistryHandlers(oci11Flavour, {
      host: "src.test",
      repos: { "team/app": fakeRepository({ v1: image, same: image, plain }) },
    }),
    dst: createRegistryHandlers(distributionFlavour, { host: "dst.test" }),
  };
  const reg = createClient("src.test", {
    dispatcher: createMswDispatcher([...handlers.src, ...handlers.dst]),
    retry: { attempts: 0 },
  });
  opened.push(reg);
  const { sbom, sbomSig, cosign } = await decorate(reg, "src.test/team/app", "v1", image.manifest.digest);
  return { reg, handlers, sbom, sbomSig, cosign };
}

const job = {
  source: "src.test/team/app",
  target: "dst.test/mirror/app",
  tags: { list: ["v1", "same", "plain"] },
};
const dstWrites = (handlers: RegistryHandlers) =>
  handlers.requests.filter((r) => r.method !== "GET" && r.method !== "HEAD");

describe("sync with referrers", () => {
  it("plans and copies each image's referrers, every level, once per digest, the fallback indexes kept", async () => {
    const { reg, handlers, sbom, sbomSig, cosign } = await start();
    const plan = await reg.planSync(job, { referrers: true });
    // The target repository is new (its tag list 404): no referrer is looked up there, by digest or by cosign tag.
    expect(handlers.dst.requests.map((r) => `${r.method} ${r.path.split("/")[4] ?? r.path}`)).toEqual([
      "GET tags",
    ]);
    const counted = plan.repositories[0]!.images.map((i) => [i.tag, i.action, i.referrers]);
    expect(counted).toEqual([
      ["plain", "copy", { total: 0, copy: 0 }],
      ["same", "copy", { total: 3, copy: 3 }],
      ["v1", "copy", { total: 3, copy: 3 }],
    ]);
    expect(plan.totals.referrers).toEqual({ total: 6, copy: 6 });
    const result = await reg.sync(plan, { referrers: true });
    expect(result.copied).toBe(3);
    // `same` and `v1` share a digest: its referrers are copied once.
    expect(result.referrers).toBe(3);
    const tree = await reg.referrerTree("dst.test/mirror/app:v1");
    expect(tree.api).toBe(false);
    const shape = tree.referrers.map((r) => [r.digest, r.source, r.referrers.map((c) => c.digest)]);
    expect(shape).toEqual([
      [sbom.digest, "referrers-tag", [sbomSig.digest]],
      [cosign.digest, "cosign-tag", []],
    ]);
  });

  it("gives an up-to-date image the referrers the target lacks, and then has nothing left to do", async () => {
    const { reg, handlers, sbom } = await start();
    await reg.sync(job);
    expect((await reg.referrers("dst.test/mirror/app:v1")).referrers).toEqual([]);
    const plan = await reg.planSync(job, { referrers: true });
    expect(plan.repositories[0]!.images.map((i) => [i.tag, i.action, i.referrers?.copy])).toEqual([
      ["plain", "skip", 0],
      ["same", "skip", 3],
      ["v1", "skip", 3],
    ]);
    const seen: [string, string, number | undefined][] = [];
    const result = await reg.sync(plan, { onImage: (i) => seen.push([i.tag, i.outcome, i.referrers]) });
    expect(result).toMatchObject({ copied: 0, skipped: 3, failed: 0, referrers: 3 });
    // Reported once: the twin tag shared the copy (0 of its own), and an up-to-date image that got nothing is silent.
    expect(seen.map(([, outcome, n]) => [outcome, n])).toEqual([["skipped", 3]]);
    expect(
      (await reg.referrers("dst.test/mirror/app:v1", { cosign: false })).referrers.map((r) => r.digest),
    ).toEqual([sbom.digest]);
    const before = dstWrites(handlers.dst).length;
    const again = await reg.sync(job, { referrers: true });
    expect(again.plan.totals.referrers).toEqual({ total: 6, copy: 0 });
    expect(again.referrers).toBe(0);
    expect(dstWrites(handlers.dst)).toHaveLength(before);
  });

  it("leaves the referrers' own tags (sha256-<hex>.sig) out of the tags it copies: they travel with their subjects", async () => {
    const { reg } = await start();
    const all = { source: "src.test/team/app", target: "dst.test/mirror/app" };
    const tags = async (referrers: boolean) =>
      (await reg.planSync(all, { referrers })).repositories[0]!.images.map((i) => i.tag);
    expect(await tags(true)).toEqual(["plain", "same", "v1"]);
    expect(await tags(false)).toEqual(["plain", "same", `${fallbackTag(image.manifest.digest)}.sig`, "v1"]);
  });

  it("copies no referrer without the option", async () => {
    const { reg, handlers } = await start();
    const result = await reg.sync(job);
    expect(result.referrers).toBeUndefined();
    expect(result.plan.totals.referrers).toBeUndefined();
    const tags = [...(handlers.dst.store.repository("mirror/app")?.tags?.keys() ?? [])].sort();
    expect(tags).toEqual(["plain", "same", "v1"]);
  });

  it("is refused with a platform selection or a layout end, before any request", async () => {
    const { reg, handlers } = await start();
    const before = handlers.src.requests.length + handlers.dst.requests.length;
    await expect(reg.planSync(job, { referrers: true, platforms: ["linux/amd64"] })).rejects.toThrow(
      UsageError,
    );
    await expect(
      reg.planSync({ source: "src.test/team/app", target: "oci:/tmp/nowhere" }, { referrers: true }),
    ).rejects.toThrow(/between registries only/);
    expect(handlers.src.requests.length + handlers.dst.requests.length).toBe(before);
  });
});
