/**
 * The pure parts of a sync: which tags a filter keeps (skopeo's and regsync's semantics), how a tag reads as a
 * version, how the quota headers parse, and the shard split (deterministic; the shards are disjoint and together
 * the whole job list).
 */
import { UsageError } from "@regatta/errors";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { targetCollisions } from "./plan.js";
import { parseQuotaHeader, rateLimitFromHeaders } from "./rate-limit.js";
import { checkShard, parseShard, shardJobs, sortJobs } from "./shard.js";
import type { PlannedImage, PlannedRepository, SyncJob } from "./sync-types.js";
import { selectSyncTags, syncTagFilter, tagVersion } from "./tag-selection.js";

const TAGS = ["latest", "3.18", "3.19", "3.19.1", "3.20", "3.20-alpine", "v4.0.0", "4.0.0-rc.1", "edge", "1"];

describe("selectSyncTags", () => {
  it.each([
    ["no filter: every tag, sorted by code unit", {}, [...TAGS].sort()],
    ["a list", { list: ["edge", "latest"] }, ["edge", "latest"]],
    ["a whole-tag regular expression", { include: ["3\\.19.*"] }, ["3.19", "3.19.1"]],
    ["a string never matches part of a tag", { include: ["3"] }, []],
    ["an unanchored RegExp (skopeo's images-by-tag-regex)", { include: [/^3\.2/] }, ["3.20", "3.20-alpine"]],
    [
      "exclude after include",
      { include: ["3\\..*"], exclude: [".*-alpine", "3\\.18"] },
      ["3.19", "3.19.1", "3.20"],
    ],
    [
      "a semver range: versions only, prereleases left out",
      { semver: ">=3.19" },
      ["3.19", "3.19.1", "3.20", "v4.0.0"],
    ],
    ["a caret range", { semver: "^3.19.1" }, ["3.19.1", "3.20"]],
    ["semver or include", { semver: "<2", include: ["edge"] }, ["1", "edge"]],
    ["a list narrowed by a range", { list: ["3.18", "3.20", "latest"], semver: ">3.18" }, ["3.20"]],
  ])("%s", (_what, filter, expected) => {
    expect(selectSyncTags(TAGS, filter).tags).toEqual(expected);
  });

  it("reports the listed tags the source lacks (and only those the rest of the filter keeps)", () => {
    expect(selectSyncTags(TAGS, { list: ["3.20", "9.9", "gone"], exclude: ["gone"] })).toEqual({
      tags: ["3.20"],
      missing: ["9.9"],
    });
  });

  it("allOf narrows: command-line filters on a config's job keep only what passes both", () => {
    const file = { exclude: ["4\\..*"] };
    expect(selectSyncTags(TAGS, { ...file, allOf: [{ exclude: ["latest", "edge"] }] }).tags).toEqual([
      "1",
      "3.18",
      "3.19",
      "3.19.1",
      "3.20",
      "3.20-alpine",
      "v4.0.0",
    ]);
    // A tag list on the command line never adds a tag the file's filter drops.
    expect(
      selectSyncTags(TAGS, { list: ["3.19", "3.20"], allOf: [{ list: ["3.20", "latest", "9.9"] }] }),
    ).toEqual({
      tags: ["3.20"],
      missing: [],
    });
  });

  it("anyOf unites: one repository named by several entries takes every tag any of them names", () => {
    const filter = { anyOf: [{ list: ["latest", "9.9"] }, { include: [/^3\.19/] }, { semver: ">=4.0.0" }] };
    expect(selectSyncTags(TAGS, filter)).toEqual({
      tags: ["3.19", "3.19.1", "latest", "v4.0.0"],
      missing: ["9.9"],
    });
    expect(() => syncTagFilter({ anyOf: [{}, { semver: "nope!" }] })).toThrow(
      '"nope!" is not a semver range',
    );
  });

  it("a /g RegExp matches every tag it should, not every other one", () => {
    expect(selectSyncTags(["a1", "a2", "a3"], { include: [/a/g] }).tags).toEqual(["a1", "a2", "a3"]);
  });

  it.each([
    [{ include: ["(unclosed"] }, 'include pattern "(unclosed" is not a regular expression'],
    [{ exclude: ["["] }, 'exclude pattern "[" is not a regular expression'],
    [{ semver: ">=banana" }, '">=banana" is not a semver range'],
    // npm would read "" as every version; skopeo's Masterminds refuses it (an unset `--semver "$RANGE"`).
    [{ semver: "" }, "the semver range is empty"],
    [{ semver: " " }, "the semver range is empty"],
  ])("a bad filter %o is a usage error before any request", (filter, message) => {
    expect(() => syncTagFilter(filter)).toThrow(UsageError);
    expect(() => syncTagFilter(filter)).toThrow(message);
  });
});

describe("tagVersion", () => {
  it.each([
    ["1", "1.0.0"],
    ["3.20", "3.20.0"],
    ["v1.2.3", "1.2.3"],
    ["1.2.3-rc.1", "1.2.3-rc.1"],
    ["3.20-alpine", "3.20.0-alpine"],
    ["latest", undefined],
    ["1.2.3.4", undefined],
    ["01.2.3", undefined],
  ])("%s → %s", (tag, version) => {
    expect(tagVersion(tag)).toBe(version);
  });
});

describe("rate-limit headers", () => {
  it.each([
    ["100;w=21600", { count: 100, window: 21600 }],
    ["76", { count: 76 }],
    ["  5 ; w = 60 ", { count: 5, window: 60 }],
    ["100;w=21600, 1000;w=86400", { count: 100, window: 21600 }],
    ["lots", {}],
  ])("%s", (value, parsed) => {
    expect(parseQuotaHeader(value)).toEqual(parsed);
  });

  it("reads Docker Hub's three headers, and nothing from a response without them", () => {
    expect(
      rateLimitFromHeaders({
        "ratelimit-limit": "100;w=21600",
        "ratelimit-remaining": "0;w=21600",
        "docker-ratelimit-source": "192.0.2.1",
      }),
    ).toEqual({
      limit: 100,
      remaining: 0,
      window: 21600,
      source: "192.0.2.1",
      raw: { limit: "100;w=21600", remaining: "0;w=21600" },
    });
    expect(rateLimitFromHeaders({ "content-type": "application/json" })).toBeUndefined();
  });
});

describe("targetCollisions", () => {
  it("names the target tags more than one source writes, each with its sources", () => {
    const image = (source: string, target: string) => ({ source, target }) as PlannedImage;
    const plan = {
      repositories: [
        { images: [image("r/a/app:1", "t/app:1"), image("r/a/app:2", "t/app:2")] },
        { images: [image("r/b/app:1", "t/app:1")] },
        { images: [image("r/c:1", "t/c:1")] },
      ] as PlannedRepository[],
    };
    expect(targetCollisions(plan)).toEqual([{ target: "t/app:1", sources: ["r/a/app:1", "r/b/app:1"] }]);
    expect(targetCollisions({ repositories: [] })).toEqual([]);
  });
});

describe("sortJobs", () => {
  it("merges a pair given twice into one job taking either's tags and platforms", () => {
    const a: SyncJob = { source: "r/a", target: "t/a", tags: { list: ["1.0"] }, platforms: ["linux/amd64"] };
    const b: SyncJob = {
      source: "r/a",
      target: "t/a",
      tags: { include: [/^2\./] },
      platforms: ["linux/arm64"],
    };
    const c: SyncJob = { source: "r/a", target: "t/a", tags: { semver: ">=3" } };
    const [merged, ...rest] = sortJobs([a, { source: "r/b", target: "t/b" }, b, c]);
    expect(rest).toEqual([{ source: "r/b", target: "t/b" }]);
    expect(merged).toEqual({
      source: "r/a",
      target: "t/a",
      tags: { anyOf: [a.tags, b.tags, c.tags] },
      platforms: ["linux/amd64", "linux/arm64"],
    });
    expect(selectSyncTags(["1.0", "1.1", "2.0", "3.1", "x"], merged!.tags).tags).toEqual([
      "1.0",
      "2.0",
      "3.1",
    ]);
    // Either taking every tag (no filter) takes every tag.
    expect(sortJobs([a, { source: "r/a", target: "t/a" }])[0]!.tags).toBeUndefined();
  });
});

describe("shards", () => {
  const job = (source: string, target = `mirror/${source}`): SyncJob => ({ source, target });

  it("parses K/N and refuses what is no shard, naming where it came from", () => {
    expect(parseShard("2/5")).toEqual({ index: 2, count: 5 });
    expect(() => parseShard("5/5")).toThrow("--shard: shard 5 of 5 does not exist (shards are 0 to 4)");
    expect(() => parseShard("1/0")).toThrow("at least 1");
    expect(() => parseShard("a/b", "JOB_COMPLETION_INDEX/JOB_COMPLETIONS")).toThrow(
      'JOB_COMPLETION_INDEX/JOB_COMPLETIONS takes K/N (worker K of N, K from 0), not "a/b"',
    );
    expect(() => checkShard({ index: -1, count: 2 })).toThrow(UsageError);
  });

  it("splits by sorted round-robin, whatever order the jobs were given in", () => {
    const jobs = ["d", "a", "c", "b", "e"].map((s) => job(s));
    expect(shardJobs(jobs, { index: 0, count: 2 }).map((j) => j.source)).toEqual(["a", "c", "e"]);
    expect(shardJobs([...jobs].reverse(), { index: 1, count: 2 }).map((j) => j.source)).toEqual(["b", "d"]);
    expect(shardJobs(jobs).map((j) => j.source)).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("the shards of any job list are disjoint, together the whole list (each pair once), and balanced", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.stringMatching(/^[a-c]{1,3}$/), fc.stringMatching(/^[x-z]{1,2}$/)), {
          maxLength: 30,
        }),
        fc.integer({ min: 1, max: 7 }),
        (pairs, count) => {
          const jobs = pairs.map(([s, t]) => job(s, t));
          const shards = Array.from({ length: count }, (_, index) => shardJobs(jobs, { index, count }));
          const keys = shards.flat().map((j) => `${j.source}\0${j.target}`);
          const whole = sortJobs(jobs).map((j) => `${j.source}\0${j.target}`);
          expect(new Set(keys).size).toBe(keys.length);
          expect([...keys].sort()).toEqual([...whole].sort());
          const sizes = shards.map((s) => s.length);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});
