/**
 * `reg.sync` / `reg.planSync` against the test kit's fake registry (distribution, and Docker Hub's rate-limit
 * headers): the plan (HEAD before GET, up-to-date tags skipped, blobs shared between tags planned once), execution
 * (each shared blob sent once, digests kept), keepGoing, and the pull-quota guard.
 */
import {
  createRegistryHandlers,
  distributionHandlers,
  dockerHubFlavour,
  fakeRepository,
  generateImage,
  generateIndex,
  type RegistryHandlers,
  type ServedHandlers,
  serveHandlers,
} from "@regatta/testkit";
import { delay, http } from "msw";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createClient,
  NotFoundError,
  RateLimitLowError,
  type RegistryClient,
  syncFailure,
  TooManyRequestsError,
  UsageError,
} from "../index.js";

/** Docker Hub's rate-limit behaviour, served on a loopback port without its token service. */
const LOCAL_HUB = { ...dockerHubFlavour, defaults: {} };

let v1: Awaited<ReturnType<typeof generateImage>>;
let v2: Awaited<ReturnType<typeof generateImage>>;
let other: Awaited<ReturnType<typeof generateImage>>;
let multi: Awaited<ReturnType<typeof generateIndex>>;
let handlers: RegistryHandlers;
let served: ServedHandlers | undefined;
let reg: RegistryClient | undefined;

beforeAll(async () => {
  // v1 and v2 share their layers (same seed), their configs differ (labels).
  v1 = await generateImage({ layers: [3000, 5000], seed: "sync-shared", labels: { v: "1" } });
  v2 = await generateImage({ layers: [3000, 5000], seed: "sync-shared", labels: { v: "2" } });
  other = await generateImage({ layers: [1000], seed: "sync-other" });
  multi = await generateIndex({ platforms: ["linux/amd64", "linux/arm64"], layers: [700] });
});
afterEach(async () => {
  await reg?.close();
  await served?.close();
  reg = undefined;
  served = undefined;
});

async function start(
  make: (repos: Parameters<typeof distributionHandlers>[0]) => RegistryHandlers = distributionHandlers,
) {
  handlers = make({
    repos: {
      "src/app": fakeRepository({ "1.0.0": v1, "1.1.0": v2, "2.0.0-rc.1": v2, latest: v2, multi }),
      "src/other": fakeRepository({ v1: other }),
      "dst/app": fakeRepository({ "1.0.0": v1 }),
    },
    auth: null,
  });
  served = await serveHandlers(handlers);
  const host = new URL(served.url).host;
  reg = createClient(host, { retry: { attempts: 0 } });
  return host;
}
const writes = () => handlers.requests.filter((r) => r.method !== "GET" && r.method !== "HEAD");
const manifestGets = () =>
  handlers.requests.filter((r) => r.method === "GET" && r.path.includes("/manifests/"));
const blobUploads = () =>
  handlers.requests.filter((r) => r.method === "POST" && r.path.includes("/blobs/uploads/"));

describe("planSync", () => {
  it("HEADs every tag, GETs only the images to copy, and plans each shared blob once", async () => {
    const host = await start();
    const plan = await reg!.planSync({ source: `${host}/src/app`, target: `${host}/dst/app` });
    const images = plan.repositories[0]!.images.map((i) => [i.tag, i.action]);
    expect(images).toEqual([
      ["1.0.0", "skip"],
      ["1.1.0", "copy"],
      ["2.0.0-rc.1", "copy"],
      ["latest", "copy"],
      ["multi", "copy"],
    ]);
    // 1.0.0 is up to date: never fetched. The four others once each, plus multi's two children.
    expect(
      manifestGets()
        .map((r) => r.path)
        .sort(),
    ).toEqual(
      [
        "/v2/src/app/manifests/1.1.0",
        "/v2/src/app/manifests/2.0.0-rc.1",
        "/v2/src/app/manifests/latest",
        "/v2/src/app/manifests/multi",
        `/v2/src/app/manifests/${multi.children[0]!.manifest.digest}`,
        `/v2/src/app/manifests/${multi.children[1]!.manifest.digest}`,
      ].sort(),
    );
    expect(plan.totals.manifestGets).toBe(6);
    // v2's layers are v1's, which dst/app has: skipped; v2's config (shared by three tags) is planned once.
    const blobs = plan.repositories[0]!.blobs;
    expect(blobs.filter((b) => b.digest === v2.config.digest)).toEqual([
      { digest: v2.config.digest, size: v2.config.bytes.byteLength, action: "mount" },
    ]);
    for (const layer of v2.layers) expect(blobs.find((b) => b.digest === layer.digest)?.action).toBe("skip");
    expect(writes()).toEqual([]);
    expect(plan.totals.images).toEqual({ total: 5, copy: 4, skip: 1, failed: 0 });
  });

  it("a source by digest (skopeo's images: [sha256:…]) is that image, copied by digest, untagged; then up to date by HEAD", async () => {
    const host = await start();
    const digest = multi.index.digest;
    const job = { source: `${host}/src/app@${digest}`, target: `${host}/dst/bydigest` };
    const plan = await reg!.planSync(job);
    expect(plan.repositories[0]!.images.map((i) => [i.tag, i.action, i.source, i.target])).toEqual([
      [digest, "copy", `${host}/src/app@${digest}`, `${host}/dst/bydigest@${digest}`],
    ]);
    // No tag list at either end: the index and its two children, fetched once each.
    expect(handlers.requests.filter((r) => r.path.includes("/tags/list"))).toEqual([]);
    expect(plan.totals.manifestGets).toBe(3);
    const result = await reg!.sync(plan);
    expect([result.copied, result.failed]).toEqual([1, 0]);
    const stored = handlers.store.repository("dst/bydigest");
    expect([...(stored?.tags ?? [])]).toEqual([]);
    expect(stored?.manifests.has(digest)).toBe(true);
    handlers.requests.length = 0;
    const again = await reg!.planSync(job);
    expect(again.totals.images).toMatchObject({ copy: 0, skip: 1 });
    expect(manifestGets()).toEqual([]);
    // A digest the source lacks does not exist; a platform selection would change the digest: refused.
    const gone = `sha256:${"0".repeat(64)}`;
    await expect(reg!.planSync({ ...job, source: `${host}/src/app@${gone}` })).rejects.toThrow(
      `${host}/src/app@${gone} does not exist`,
    );
    await expect(reg!.planSync({ ...job, platforms: ["linux/amd64"] })).rejects.toThrow(UsageError);
  });

  it("one platform copies that platform's image (copy's rule); two keep a rewritten index; a rerun is up to date", async () => {
    const host = await start();
    const arm = multi.children[1]!;
    const one = { source: `${host}/src/app:multi`, target: `${host}/dst/one`, platforms: ["linux/arm64"] };
    const plan = await reg!.planSync(one);
    expect(plan.repositories[0]!.images[0]).toMatchObject({
      action: "copy",
      sourceDigest: arm.manifest.digest,
      manifests: 1,
    });
    expect(plan.repositories[0]!.blobs.map((b) => b.digest).sort()).toEqual(
      [arm.config.digest, ...arm.layers.map((l) => l.digest)].sort(),
    );
    // The index and the chosen image's manifest.
    expect(plan.totals.manifestGets).toBe(2);
    await reg!.sync(plan);
    expect(handlers.store.repository("dst/one")?.tags?.get("multi")).toBe(arm.manifest.digest);
    expect((await reg!.planSync(one)).totals.images).toMatchObject({ copy: 0, skip: 1 });

    const two = { ...one, target: `${host}/dst/two`, platforms: ["linux/arm64", "linux/amd64"] };
    await reg!.sync(two);
    const tagged = handlers.store.repository("dst/two")?.tags?.get("multi");
    const index = handlers.store.repository("dst/two")?.manifests.get(tagged ?? "");
    expect(JSON.parse(index!.bytes.toString()).manifests).toHaveLength(2);
    expect((await reg!.planSync(two)).totals.images).toMatchObject({ copy: 0, skip: 1 });
    // A single image of another platform than the one asked is refused, as copy refuses it.
    await expect(
      reg!.planSync({ ...one, source: `${host}/src/app:1.0.0`, target: `${host}/dst/wrong` }),
    ).rejects.toThrow(/linux\/arm64/);
  });

  it("filters tags by list, regular expression and semver range, include and exclude", async () => {
    const host = await start();
    const tags = async (filter: object) =>
      (
        await reg!.planSync({ source: `${host}/src/app`, target: `${host}/dst/f`, tags: filter })
      ).repositories[0]!.images.map((i) => i.tag);
    expect(await tags({ semver: ">=1.0.0 <2" })).toEqual(["1.0.0", "1.1.0"]);
    // Prereleases only when the range names one of the same version (npm semver's rule).
    expect(await tags({ semver: ">=2.0.0-0" })).toEqual(["2.0.0-rc.1"]);
    expect(await tags({ include: ["1\\..*"], exclude: ["1\\.0\\..*"] })).toEqual(["1.1.0"]);
    expect(await tags({ include: ["latest"], semver: "^1.1" })).toEqual(["1.1.0", "latest"]);
    expect(await tags({ list: ["multi", "latest"] })).toEqual(["latest", "multi"]);
  });
});

describe("planSync of several repositories", () => {
  it("looks repositories up at once, and a shared blob is mounted from the first job's target whichever answers first", async () => {
    const host = await start();
    // dst/one's tag list is held until dst/two's is asked for (5 s at most): the second job's lookups run, and
    // finish, while the first job's wait.
    let secondAsked!: () => void;
    const second = new Promise<void>((resolve) => {
      secondAsked = resolve;
    });
    let overlapped = false;
    const holdFirst = http.get(/\/v2\/dst\/one\/tags\/list/, async () => {
      overlapped = await Promise.race([second.then(() => true), delay(5_000).then(() => false)]);
    });
    const noteSecond = http.get(/\/v2\/dst\/two\/tags\/list/, () => {
      secondAsked();
    });
    await served!.close();
    served = await serveHandlers([holdFirst, noteSecond, ...handlers]);
    const at = new URL(served.url).host;
    await reg!.close();
    reg = createClient(at, { retry: { attempts: 0 } });
    const plan = await reg.planSync(
      [
        { source: `${at}/src/other`, target: `${at}/dst/one` },
        { source: `${at}/src/other`, target: `${at}/dst/two` },
      ],
      { jobs: 2 },
    );
    expect(overlapped).toBe(true);
    expect(plan.repositories.map((r) => r.target)).toEqual([`${at}/dst/one`, `${at}/dst/two`]);
    const [one, two] = plan.repositories.map((r) => r.blobs);
    // The first job mounts from its source; the second from the first job's target, as when planned one by one.
    expect(one!.map((b) => [b.action, b.from])).toEqual(one!.map(() => ["mount", undefined]));
    expect(two!.map((b) => [b.action, b.from])).toEqual(two!.map(() => ["mount", "dst/one"]));
    expect(one!.length).toBeGreaterThan(0);
    expect(host).not.toBe(at);
  });
});

describe("sync", () => {
  it("copies every tag, each shared blob once, digests kept; a second run does nothing", async () => {
    const host = await start();
    const result = await reg!.sync({ source: `${host}/src/app`, target: `${host}/dst/app` }, { jobs: 4 });
    expect([result.copied, result.skipped, result.failed]).toEqual([4, 1, 0]);
    const dst = handlers.store.repository("dst/app")!;
    for (const [tag, digest] of [
      ["1.1.0", v2.manifest.digest],
      ["2.0.0-rc.1", v2.manifest.digest],
      ["latest", v2.manifest.digest],
      ["multi", multi.index.digest],
    ]) {
      expect(dst.tags?.get(tag as string)).toBe(digest);
    }
    // Within one registry: mounted, never POSTed twice for the same digest.
    const configMounts = blobUploads().filter(
      (r) => r.path.includes(encodeURIComponent(v2.config.digest)) || r.path.includes(v2.config.digest),
    );
    expect(configMounts).toHaveLength(1);

    handlers.requests.length = 0;
    const again = await reg!.sync({ source: `${host}/src/app`, target: `${host}/dst/app` });
    expect([again.copied, again.skipped]).toEqual([0, 5]);
    expect(writes()).toEqual([]);
    expect(manifestGets()).toEqual([]);
  });

  it("without keepGoing, a listed tag the source lacks stops the sync before anything is written", async () => {
    const host = await start();
    const job = { source: `${host}/src/other`, target: `${host}/dst/other`, tags: { list: ["v1", "gone"] } };
    const error = await reg!.sync(job).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toBe(`${host}/src/other:gone does not exist`);
    expect(writes()).toEqual([]);
  });

  it("a bad filter is a usage error before any request", async () => {
    const host = await start();
    const error = await reg!
      .planSync({ source: `${host}/src/app`, target: `${host}/dst/app`, tags: { semver: "banana" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(handlers.requests).toEqual([]);
  });

  it("the plan is deterministic: the same jobs, in any order, give the same plan", async () => {
    const host = await start();
    const jobs = [
      { source: `${host}/src/other`, target: `${host}/dst/other` },
      { source: `${host}/src/app`, target: `${host}/dst/app` },
    ];
    const a = await reg!.planSync(jobs, { jobs: 1 });
    const b = await reg!.planSync([...jobs].reverse(), { jobs: 8 });
    expect(JSON.parse(JSON.stringify(b))).toEqual(JSON.parse(JSON.stringify(a)));
    expect(a.repositories.map((r) => r.source)).toEqual([`${host}/src/app`, `${host}/src/other`]);
  });

  it("keepGoing records a tag the source lacks and copies the rest; without it the sync stops", async () => {
    const host = await start();
    const job = { source: `${host}/src/other`, target: `${host}/dst/other`, tags: { list: ["v1", "gone"] } };
    const result = await reg!.sync(job, { keepGoing: true });
    expect(result.images.map((i) => [i.tag, i.outcome])).toEqual([
      ["gone", "failed"],
      ["v1", "copied"],
    ]);
    expect(result.images[0]!.error).toContain("does not exist");
    expect(handlers.store.repository("dst/other")?.tags?.get("v1")).toBe(other.manifest.digest);
    // The error behind the text, typed (a caller tells a missing tag from a refusal by it); none for the copied one.
    expect(syncFailure(result.images[0]!)).toBeInstanceOf(NotFoundError);
    expect(syncFailure(result.images[1]!)).toBeUndefined();
  });

  it("keepGoing: a repository the source lacks is a failure the plan counts, as the run does, its error typed", async () => {
    const host = await start();
    const jobs = [
      { source: `${host}/src/nope`, target: `${host}/dst/nope` },
      { source: `${host}/src/other`, target: `${host}/dst/other`, tags: { list: ["v1", "gone"] } },
    ];
    const plan = await reg!.planSync(jobs, { keepGoing: true, dryRun: true });
    const nope = plan.repositories.find((r) => r.source.endsWith("/src/nope"))!;
    expect(nope.error).toBeDefined();
    expect(syncFailure(nope)).toBeInstanceOf(NotFoundError);
    expect(plan.totals.images).toMatchObject({ total: 3, copy: 1, failed: 2 });
    const result = await reg!.sync(jobs, { keepGoing: true });
    expect(result.failed).toBe(plan.totals.images.failed);
    expect(result.images.length).toBe(plan.totals.images.total);
    for (const image of result.images.filter((i) => i.outcome === "failed"))
      expect(syncFailure(image)).toBeInstanceOf(NotFoundError);
  });
});

describe("the pull-quota guard", () => {
  it("stops with RateLimitLowError before the GETs would run the quota out, having made only those it could", async () => {
    const host = await start((options) => createRegistryHandlers(LOCAL_HUB, options));
    handlers.state.pullsRemaining = 3;
    const error = await reg!
      .sync({ source: `${host}/src/app`, target: `${host}/dst/app` }, { rateLimit: { reserve: 2 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitLowError);
    expect((error as RateLimitLowError).message).toMatch(
      /pull quota ran out: 1 manifest GET needed, 2 left \(keeping 2\) in a 21600 s window/,
    );
    // The HEADs said 3 left: the guard let one GET go (which the stop may abort before it is sent), then held;
    // the quota never fell below the reserve.
    expect(manifestGets().length).toBeLessThanOrEqual(1);
    expect(handlers.state.pullsRemaining).toBe(3 - manifestGets().length);
    expect(handlers.state.pullsRemaining).toBeGreaterThanOrEqual(2);
  });

  it("with wait, the sync pauses when the quota is spent and goes on once the window gives pulls back", async () => {
    const host = await start((options) => createRegistryHandlers(LOCAL_HUB, options));
    handlers.state.pullsRemaining = 1;
    const heads = () =>
      handlers.requests.filter((r) => r.method === "HEAD" && r.path.includes("/manifests/")).length;
    // The window "rolls" once the sync has asked twice more (after the HEADs of the source and the target tag).
    const refill = setInterval(() => {
      if (heads() < 4) return;
      handlers.state.pullsRemaining = 100;
      clearInterval(refill);
    }, 2);
    const result = await reg!
      .sync(
        { source: `${host}/src/other`, target: `${host}/dst/other`, tags: { list: ["v1"] } },
        { rateLimit: { wait: true, pollMs: 5, reserve: 1 }, signal: AbortSignal.timeout(10_000) },
      )
      .finally(() => clearInterval(refill));
    expect(result.copied).toBe(1);
    expect(heads()).toBeGreaterThanOrEqual(4);
    // The one GET waited for the refill: 100 → 99.
    expect(handlers.state.pullsRemaining).toBe(99);
  });

  it("reg.rateLimit reads limit, remaining and window from a HEAD, which does not count", async () => {
    const host = await start((options) => createRegistryHandlers(LOCAL_HUB, options));
    handlers.state.pullsRemaining = 42;
    expect(await reg!.rateLimit(`${host}/src/app:latest`)).toEqual({
      limit: 100,
      remaining: 42,
      window: 21600,
      source: "192.0.2.10",
      raw: { limit: "100;w=21600", remaining: "42;w=21600" },
    });
    expect(handlers.state.pullsRemaining).toBe(42);
  });

  it("reg.rateLimit reports a used-up quota from the 429 that refused the HEAD, with its headers", async () => {
    const host = await start((options) => createRegistryHandlers(LOCAL_HUB, options));
    handlers.state.pullsRemaining = 0;
    // Retry-After past the retry limit: the transport gives up at once, as against Docker Hub.
    const refusal = { status: 429, error: { code: "TOOMANYREQUESTS" }, headers: { "Retry-After": "3600" } };
    handlers.inject({ ...refusal, route: "manifest", times: 4 });
    expect(await reg!.rateLimit(`${host}/src/app:latest`)).toEqual({
      limit: 100,
      remaining: 0,
      window: 21600,
      source: "192.0.2.10",
      raw: { limit: "100;w=21600", remaining: "0;w=21600" },
      exhausted: true,
    });
  });

  it("reg.rateLimit still fails on a 429 without quota headers: it says nothing of a quota", async () => {
    const host = await start();
    const refusal = { status: 429, error: { code: "TOOMANYREQUESTS" }, headers: { "Retry-After": "3600" } };
    handlers.inject({ ...refusal, route: "manifest", times: 4 });
    await expect(reg!.rateLimit(`${host}/src/app:latest`)).rejects.toBeInstanceOf(TooManyRequestsError);
  });
});
