/**
 * Requests per image of `reg.sync`, counted exactly by method and endpoint at the source and the target registry
 * (the test kit's fake distribution on two loopback ports): a fresh sync into an empty target, an up-to-date run,
 * a sync within one registry, and the runs that must stay right while fewer requests are made (a target holding
 * blobs but no tags, as a sync killed half-way leaves it; a target half synced).
 */
import {
  createRegistryHandlers,
  distributionHandlers,
  dockerHubFlavour,
  type FakeRepositories,
  fakeRepository,
  generateImage,
  type RegistryHandlers,
  type ServedHandlers,
  serveHandlers,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient, type RegistryClient } from "../index.js";
import { countKinds } from "./test-request-kinds.js";

type Image = Awaited<ReturnType<typeof generateImage>>;
let images: Image[];
let big: Image;
const servers: ServedHandlers[] = [];
let reg: RegistryClient | undefined;

beforeAll(async () => {
  // Three images sharing a base layer (same seed), each with its own config (labels): base layers of a mirror.
  images = await Promise.all(
    ["1", "2", "3"].map((v) => generateImage({ layers: [3000], seed: "sync-requests", labels: { v } })),
  );
  // A layer over 1 MiB: worth a HEAD even in a new repository.
  big = await generateImage({ layers: [1_200_000], seed: "sync-requests-big", gzipLevel: 0 });
});
afterEach(async () => {
  await reg?.close();
  reg = undefined;
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const sourceRepos = () => ({
  "src/a": fakeRepository({ "1": images[0]!, "2": images[1]!, "3": images[2]! }),
  "src/b": fakeRepository({ "1": images[0]!, "2": images[1]!, "3": images[2]! }),
});

async function serve(repos: FakeRepositories, flavour?: typeof dockerHubFlavour) {
  const handlers = flavour
    ? createRegistryHandlers(flavour, { repos, auth: null })
    : distributionHandlers({ repos, auth: null });
  const served = await serveHandlers(handlers);
  servers.push(served);
  return { handlers, host: served.host };
}

/** The source registry (src/a and src/b), an empty target, a client, and the two jobs dst/a and dst/b. */
async function twoRepositories() {
  const source = await serve(sourceRepos());
  const target = await serve({});
  reg = createClient(source.host, { retry: { attempts: 0 } });
  const jobs = ["a", "b"].map((r) => ({
    source: `${source.host}/src/${r}`,
    target: `${target.host}/dst/${r}`,
  }));
  return { source, target, jobs, reg };
}

const counts = (handlers: RegistryHandlers) => countKinds(handlers.requests);

/** The target's tags and blobs as the sync left them. */
function stored(handlers: RegistryHandlers, repository: string) {
  const repo = handlers.store.repository(repository);
  return { tags: Object.fromEntries(repo?.tags ?? []), blobs: [...(repo?.blobs.keys() ?? [])].sort() };
}
const blobsOf = (...of: Image[]) =>
  [...new Set(of.flatMap((i) => [i.config.digest, ...i.layers.map((l) => l.digest)]))].sort();
const tagsOf = () => ({
  "1": images[0]!.manifest.digest,
  "2": images[1]!.manifest.digest,
  "3": images[2]!.manifest.digest,
});

describe("requests of a sync between two registries", () => {
  it("fresh: one GET per manifest and per blob, no HEAD at the new target, base layers mounted from the run's own first copy", async () => {
    const { source, target, jobs, reg } = await twoRepositories();
    const plan = await reg.planSync(jobs);
    // dst/a is new: nothing HEADed there; dst/b mounts what dst/a will hold.
    expect(plan.repositories.map((r) => r.blobs.map((b) => [b.action, b.from]))).toEqual([
      [...Array(4)].map(() => ["upload", undefined]),
      [...Array(4)].map(() => ["mount", "dst/a"]),
    ]);
    // Before: per image HEAD source tag, HEAD target tag, GET, HEAD target digest, a HEAD per blob at the target.
    expect(counts(source.handlers)).toEqual({
      "GET tags": 2,
      // The first source HEAD of the run: the registry announced no pull quota, so the GETs need no HEAD first.
      "HEAD manifest by tag": 1,
      "GET manifest by tag": 6,
    });
    expect(counts(target.handlers)).toEqual({ "GET tags": 2 });

    const fresh = await reg.sync(plan);
    expect([fresh.copied, fresh.failed]).toEqual([6, 0]);
    expect(fresh.blobs).toEqual({ uploaded: 4, mounted: 4, skipped: 0 });
    // The base layer and three configs streamed once, to dst/a; dst/b mounted all four.
    expect(counts(source.handlers)).toEqual({ "GET blob": 4 });
    expect(counts(target.handlers)).toEqual({
      "GET /v2/": 1,
      "POST upload": 4,
      "PUT upload": 4,
      "POST mount": 4,
      "PUT manifest by tag": 6,
    });
    for (const repo of ["dst/a", "dst/b"]) {
      expect(stored(target.handlers, repo)).toEqual({ tags: tagsOf(), blobs: blobsOf(...images) });
    }
  });

  it("a mount from a target of the run that lacks the blob after all is declined, and the bytes come from the source", async () => {
    const { source, target, jobs, reg } = await twoRepositories();
    const plan = await reg.planSync(jobs);
    // As if dst/a's copy had failed: the repository named holds none of the blobs.
    for (const blob of plan.repositories[1]!.blobs) blob.from = "dst/elsewhere";
    counts(source.handlers);
    counts(target.handlers);
    const result = await reg.sync(plan);
    expect([result.copied, result.failed]).toEqual([6, 0]);
    expect(result.blobs).toEqual({ uploaded: 8, mounted: 0, skipped: 0 });
    expect(counts(source.handlers)).toEqual({ "GET blob": 8 });
    // Each declined mount (202) opened the session its bytes then went to: no extra POST.
    expect(counts(target.handlers)).toEqual({
      "GET /v2/": 1,
      "POST upload": 4,
      "POST mount": 4,
      "PUT upload": 8,
      "PUT manifest by tag": 6,
    });
    expect(stored(target.handlers, "dst/b")).toEqual({ tags: tagsOf(), blobs: blobsOf(...images) });
  });

  it("up to date: the two tag lists and a HEAD of each tag on each side, nothing else", async () => {
    const source = await serve(sourceRepos());
    const target = await serve({
      "dst/a": fakeRepository({ "1": images[0]!, "2": images[1]!, "3": images[2]! }),
    });
    reg = createClient(source.host, { retry: { attempts: 0 } });
    const again = await reg.sync({ source: `${source.host}/src/a`, target: `${target.host}/dst/a` });
    expect([again.copied, again.skipped]).toEqual([0, 3]);
    expect(counts(source.handlers)).toEqual({ "GET tags": 1, "HEAD manifest by tag": 3 });
    expect(counts(target.handlers)).toEqual({ "GET tags": 1, "HEAD manifest by tag": 3 });
  });

  it("half synced: only the tags the target lists are HEADed there; the others are fetched and their blobs asked", async () => {
    const source = await serve(sourceRepos());
    const target = await serve({ "dst/a": fakeRepository({ "1": images[0]! }) });
    reg = createClient(source.host, { retry: { attempts: 0 } });
    const result = await reg.sync({ source: `${source.host}/src/a`, target: `${target.host}/dst/a` });
    expect(result.images.map((i) => [i.tag, i.outcome])).toEqual([
      ["1", "skipped"],
      ["2", "copied"],
      ["3", "copied"],
    ]);
    expect(counts(source.handlers)).toEqual({
      "GET tags": 1,
      "HEAD manifest by tag": 2,
      "GET manifest by tag": 2,
      "GET blob": 2,
    });
    // The repository has tags: a manifest by digest and each blob are asked (the base layer is there: skipped).
    expect(counts(target.handlers)).toEqual({
      "GET tags": 1,
      "HEAD manifest by tag": 1,
      "HEAD manifest by digest": 2,
      "HEAD blob": 3,
      "GET /v2/": 1,
      "POST upload": 2,
      "PUT upload": 2,
      "PUT manifest by tag": 2,
    });
    expect(stored(target.handlers, "dst/a")).toEqual({ tags: tagsOf(), blobs: blobsOf(...images) });
  });

  it("a target that refuses its tag list is asked by HEAD, as without the list", async () => {
    const source = await serve(sourceRepos());
    const target = await serve({ "dst/a": fakeRepository({ "1": images[0]! }) });
    target.handlers.inject({ route: "tags", status: 403, error: { code: "DENIED", message: "no list" } });
    reg = createClient(source.host, { retry: { attempts: 0 } });
    const result = await reg.sync({ source: `${source.host}/src/a`, target: `${target.host}/dst/a` });
    expect([result.copied, result.skipped, result.failed]).toEqual([2, 1, 0]);
    expect(counts(source.handlers)).toMatchObject({ "HEAD manifest by tag": 3, "GET manifest by tag": 2 });
    expect(counts(target.handlers)).toMatchObject({
      "GET tags": 1,
      "HEAD manifest by tag": 3,
      "HEAD manifest by digest": 2,
      "HEAD blob": 3,
    });
    expect(stored(target.handlers, "dst/a")).toEqual({ tags: tagsOf(), blobs: blobsOf(...images) });
  });

  it("a new target holding blobs and no tag (a sync killed before its first tag): small blobs sent again, large ones HEADed and skipped", async () => {
    const source = await serve({ "src/big": fakeRepository({ v: big }) });
    const layer = big.layers[0]!;
    expect(layer.bytes.byteLength).toBeGreaterThan(1024 * 1024);
    const target = await serve({
      "dst/big": { blobs: { [layer.digest]: layer.bytes, [big.config.digest]: big.config.bytes } },
    });
    reg = createClient(source.host, { retry: { attempts: 0 } });
    const result = await reg.sync({ source: `${source.host}/src/big`, target: `${target.host}/dst/big` });
    expect(result.plan.totals.blobs).toEqual({ skip: 1, mount: 0, upload: 1, foreign: 0 });
    expect(result.blobs).toEqual({ uploaded: 1, mounted: 0, skipped: 1 }); // as the plan counted
    expect(result.bytesUploaded).toBe(big.config.bytes.byteLength);
    expect(counts(source.handlers)).toEqual({
      "GET tags": 1,
      "HEAD manifest by tag": 1,
      "GET manifest by tag": 1,
      "GET blob": 1,
    });
    expect(counts(target.handlers)).toEqual({
      "GET tags": 1,
      "HEAD blob": 1,
      "GET /v2/": 1,
      "POST upload": 1,
      "PUT upload": 1,
      "PUT manifest by tag": 1,
    });
    expect(stored(target.handlers, "dst/big")).toEqual({
      tags: { v: big.manifest.digest },
      blobs: blobsOf(big),
    });
  });

  it("killed after its first image and run again: the second run does exactly what is left", async () => {
    const source = await serve(sourceRepos());
    const target = await serve({});
    reg = createClient(source.host, { retry: { attempts: 0 } });
    const job = { source: `${source.host}/src/a`, target: `${target.host}/dst/a` };
    const kill = new AbortController();
    const killed = await reg
      .sync(job, { jobs: 1, signal: kill.signal, onImage: () => kill.abort(new Error("killed")) })
      .catch((e: unknown) => e);
    expect(killed).toBeInstanceOf(Error);
    const left = stored(target.handlers, "dst/a");
    // The first image complete and tagged; what the kill cut off is untagged.
    expect(left.tags).toEqual({ "1": images[0]!.manifest.digest });
    counts(source.handlers);
    counts(target.handlers);
    const again = await reg.sync(job);
    expect(again.images.map((i) => [i.tag, i.outcome])).toEqual([
      ["1", "skipped"],
      ["2", "copied"],
      ["3", "copied"],
    ]);
    expect(stored(target.handlers, "dst/a")).toEqual({ tags: tagsOf(), blobs: blobsOf(...images) });
    // The tag done is HEADed; the repository has a tag, so the others' blobs are asked and the shared one skipped.
    expect(counts(target.handlers)).toMatchObject({ "HEAD manifest by tag": 1, "HEAD blob": 3 });
  });
});

describe("requests of a sync from a registry with a pull quota", () => {
  it("HEADs every tag before its GET, though the target is new: the guard reads the quota before each pull", async () => {
    // Docker Hub's rate-limit headers, on a loopback port without its token service.
    const source = await serve(sourceRepos(), { ...dockerHubFlavour, defaults: {} });
    source.handlers.state.pullsRemaining = 100;
    const target = await serve({});
    reg = createClient(source.host, { retry: { attempts: 0 } });
    const result = await reg.sync({ source: `${source.host}/src/a`, target: `${target.host}/dst/a` });
    expect(result.copied).toBe(3);
    expect(counts(source.handlers)).toEqual({
      "GET tags": 1,
      "HEAD manifest by tag": 3,
      "GET manifest by tag": 3,
      "GET blob": 4,
    });
    expect(source.handlers.state.pullsRemaining).toBe(97);
  });
});

describe("requests of a sync within one registry", () => {
  it("fresh: mounted from the source without a HEAD; up to date: HEADs only", async () => {
    const one = await serve(sourceRepos());
    reg = createClient(one.host, { retry: { attempts: 0 } });
    const job = { source: `${one.host}/src/a`, target: `${one.host}/dst/a` };
    const fresh = await reg.sync(job);
    expect(fresh.blobs).toEqual({ uploaded: 0, mounted: 4, skipped: 0 });
    // Before: 6 HEADs by tag, 3 by digest, 4 blob HEADs more.
    expect(counts(one.handlers)).toEqual({
      "GET tags": 2,
      "HEAD manifest by tag": 1,
      "GET manifest by tag": 3,
      "POST mount": 4,
      "PUT manifest by tag": 3,
    });
    expect(stored(one.handlers, "dst/a")).toEqual({ tags: tagsOf(), blobs: blobsOf(...images) });
    const again = await reg.sync(job);
    expect(again.skipped).toBe(3);
    expect(counts(one.handlers)).toEqual({ "GET tags": 2, "HEAD manifest by tag": 6 });
  });
});
