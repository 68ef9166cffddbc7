/**
 * chunk-loader.ts: the CLI's chunks load as CommonJS modules would, and V8's compiled code of them is kept between
 * runs — written by a run that needs it, taken by the next, refused (and rewritten) when it does not fit.
 */
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { codeCacheDir, createChunkLoader, v8FlagsProbe } from "./chunk-loader.js";

const require = createRequire(import.meta.url);
let work: string;
let dir: string;
let cacheDir: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "regatta-chunk-loader-"));
  dir = join(work, "cli");
  cacheDir = join(work, "cache", "code-cache", "this-build");
  mkdirSync(dir);
  // Two chunks as build.mjs writes them: the entry requires a shared chunk and a built-in.
  writeFileSync(
    join(dir, "main-AAAA.cjs"),
    `"use strict";
     const shared = require("./shared-BBBB.cjs");
     const { join } = require("node:path");
     shared.count++;
     module.exports = { answer: shared.twice(21), joined: join("a", "b"), file: __filename, count: shared.count };`,
  );
  writeFileSync(
    join(dir, "shared-BBBB.cjs"),
    `"use strict";
     exports.count = 0;
     exports.twice = (n) => n * 2;`,
  );
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const loader = (runKey = "manifest") => createChunkLoader({ dir, cacheDir, runKey, require });
const cacheFiles = () => readdirSync(cacheDir).sort();

describe("createChunkLoader", () => {
  it("loads a chunk and what it requires once each, as CommonJS would", () => {
    const chunks = loader();
    const main = chunks.load("main-AAAA.cjs") as Record<string, unknown>;
    expect(main).toEqual({ answer: 42, joined: "a/b", file: join(dir, "main-AAAA.cjs"), count: 1 });
    expect(chunks.load("main-AAAA.cjs")).toBe(main);
    expect((chunks.load("shared-BBBB.cjs") as { count: number }).count).toBe(1);
    expect(chunks.loaded()).toEqual([
      { file: "main-AAAA.cjs", fromCache: false },
      { file: "shared-BBBB.cjs", fromCache: false },
    ]);
  });

  it("writes the cache once, and the next run takes every chunk from it and writes nothing", () => {
    const first = loader();
    first.load("main-AAAA.cjs");
    first.save();
    expect(cacheFiles()).toEqual(["main-AAAA.cjs", "run-manifest", "shared-BBBB.cjs"]);
    const written = statSync(join(cacheDir, "main-AAAA.cjs")).mtimeMs;
    utimesSync(join(cacheDir, "main-AAAA.cjs"), new Date(1000), new Date(1000));

    const second = loader();
    expect((second.load("main-AAAA.cjs") as { answer: number }).answer).toBe(42);
    expect(second.loaded().map((chunk) => chunk.fromCache)).toEqual([true, true]);
    second.save();
    expect(statSync(join(cacheDir, "main-AAAA.cjs")).mtimeMs).toBe(1000);
    expect(written).toBeGreaterThan(1000);
  });

  it("the first run of another command writes the cache again, once", () => {
    const first = loader("manifest");
    first.load("main-AAAA.cjs");
    first.save();
    utimesSync(join(cacheDir, "shared-BBBB.cjs"), new Date(1000), new Date(1000));
    const other = loader("tags");
    other.load("main-AAAA.cjs");
    other.save();
    expect(statSync(join(cacheDir, "shared-BBBB.cjs")).mtimeMs).toBeGreaterThan(1000);
    expect(cacheFiles()).toContain("run-tags");
    // A key that is no command's name (a reference, a flag's value) shares one marker.
    const odd = loader("localhost:5000/x:1");
    odd.load("main-AAAA.cjs");
    odd.save();
    expect(cacheFiles().filter((name) => name.startsWith("run-"))).toEqual([
      "run-manifest",
      "run-other",
      "run-tags",
    ]);
  });

  it("a cache V8 refuses (damaged, or another chunk's) is ignored, the chunk compiled, and the cache rewritten", () => {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(join(cacheDir, "main-AAAA.cjs"), Buffer.alloc(600, 7));
    writeFileSync(join(cacheDir, "run-manifest"), "");
    const chunks = loader();
    expect((chunks.load("main-AAAA.cjs") as { answer: number }).answer).toBe(42);
    expect(chunks.loaded()[0]).toEqual({ file: "main-AAAA.cjs", fromCache: false });
    chunks.save();
    const next = loader();
    next.load("main-AAAA.cjs");
    expect(next.loaded().every((chunk) => chunk.fromCache)).toBe(true);
  });

  it("a cache that cannot be written costs nothing but the time: no error, nothing left behind", () => {
    mkdirSync(join(work, "cache"));
    writeFileSync(join(work, "cache", "code-cache"), "a file where the directory would go");
    const chunks = loader();
    expect((chunks.load("main-AAAA.cjs") as { answer: number }).answer).toBe(42);
    expect(() => chunks.save()).not.toThrow();
    expect(readdirSync(join(work, "cache"))).toEqual(["code-cache"]);
  });

  it("a cache directory others can write is neither read nor written; a new one is private", () => {
    const first = loader();
    first.load("main-AAAA.cjs");
    first.save();
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    chmodSync(cacheDir, 0o777);
    rmSync(join(cacheDir, "run-manifest"));
    const second = loader();
    second.load("main-AAAA.cjs");
    expect(second.loaded().every((chunk) => !chunk.fromCache)).toBe(true);
    second.save();
    expect(cacheFiles()).not.toContain("run-manifest");
  });

  it("a new build's cache directory keeps the three newest of other builds and removes the rest", () => {
    const parent = join(work, "cache", "code-cache");
    for (let i = 0; i < 5; i++) {
      mkdirSync(join(parent, `old-${i}`), { recursive: true });
      utimesSync(join(parent, `old-${i}`), new Date(i * 1000), new Date(i * 1000));
    }
    const chunks = loader();
    chunks.load("main-AAAA.cjs");
    chunks.save();
    expect(readdirSync(parent).sort()).toEqual(["old-2", "old-3", "old-4", "this-build"]);
  });

  it("a run whose V8 flags changed and could not be put back writes no cache: the next run could not use it", () => {
    const chunks = loader();
    chunks.load("main-AAAA.cjs");
    chunks.flagsChanged();
    chunks.save();
    expect(readdirSync(work)).toEqual(["cli"]);
  });

  it("without a cache directory, Node's require loads the chunks (for -v's source maps)", () => {
    const chunks = createChunkLoader({ dir, cacheDir: undefined, runKey: "manifest", require });
    expect((chunks.load("main-AAAA.cjs") as { answer: number }).answer).toBe(42);
    chunks.save();
    expect(readdirSync(work)).toEqual(["cli"]);
  });
});

describe("v8FlagsProbe", () => {
  it("tells whether V8's flags are those it started with: a flag changed, and changed back", () => {
    // --expose-gc: a flag with a known default (off) that changes nothing for code already running.
    const unchanged = v8FlagsProbe();
    try {
      expect(unchanged()).toBe(true);
      setFlagsFromString("--expose-gc");
      expect(unchanged()).toBe(false);
      expect(unchanged()).toBe(false);
    } finally {
      setFlagsFromString("--no-expose-gc");
    }
    expect(unchanged()).toBe(true);
    expect(unchanged()).toBe(true);
  });
});

describe("codeCacheDir", () => {
  it("is under XDG_CACHE_HOME (else ~/.cache), per Node version, architecture and build", () => {
    expect(codeCacheDir("b1", { XDG_CACHE_HOME: "/x" })).toBe(
      `/x/regatta/code-cache/${process.version}-${process.arch}-b1`,
    );
    expect(codeCacheDir("b1", {})).toMatch(/\/\.cache\/regatta\/code-cache\/v\d+/);
  });

  it("ignores a relative XDG_CACHE_HOME, as the XDG specification says", () => {
    expect(codeCacheDir("b1", { XDG_CACHE_HOME: "relative/dir" })).toMatch(
      /^\/.*\/\.cache\/regatta\/code-cache\//,
    );
  });

  it("is off with NODE_DISABLE_COMPILE_CACHE=1, as Node's own compile cache is", () => {
    expect(codeCacheDir("b1", { XDG_CACHE_HOME: "/x", NODE_DISABLE_COMPILE_CACHE: "1" })).toBeUndefined();
  });
});
