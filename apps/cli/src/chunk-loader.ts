/**
 * Loads the CLI's bundled chunks (dist/cli/*.cjs, CommonJS made by build.mjs) and keeps V8's compiled code of them
 * on disk between runs (issue 12, start-up).
 *
 * Without it, every `regatta manifest REF` compiles about 1 MiB of bundled CLI, client, transport and undici before
 * it sends a request: parsing, then compiling each function the first time it runs — about a third of the command's
 * time on Node 20 (bench/README.md, "Start-up"). Node has no cache for that on Node 20, and Node 22's
 * `module.enableCompileCache()` keeps only what was compiled when a module was first parsed (its top level), not the
 * functions compiled later while it ran. Here each chunk is compiled with `vm.Script`, which takes V8's code cache
 * (`cachedData`), and when the process exits, every chunk that had no usable cache gets one from
 * `script.createCachedData()`, which then also holds every function the run compiled.
 * https://nodejs.org/api/vm.html#scriptcreatecacheddata
 *
 * A cache holds the functions of the runs that made it, so a chunk first cached by `--help` would leave `manifest`
 * compiling its own functions every time. So the first run of each command (its name is the run's key) writes the
 * cache of every chunk it loaded again, now with its own functions beside the earlier ones, and leaves a marker; its
 * later runs write nothing. That costs the first run of a command about 10 ms (serializing about 700 KiB), once.
 *
 * What V8 checks before it uses a cache (its own version, its flags, the source's length) makes a stale one rejected,
 * never wrong, except for a source of the same length: so the cache directory is named after the build (a hash of
 * every chunk, set by build.mjs) as well as Node's version and architecture. A cache that cannot be read or written
 * (a read-only home) only costs the time it would have saved: every error here is ignored. The directories are made
 * private (0700), and one that another user owns or could write is not used: compiled code runs as code.
 */

import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, join } from "node:path";
import { Script } from "node:vm";
import { makeDirectoriesSync } from "@regatta/errors/make-directories";

/** Cache directories of other builds or Node versions kept beside this one's (an upgrade, two installs). */
const KEEP_OTHER_BUILDS = 3;

export interface ChunkLoaderOptions {
  /** Where the chunks are (dist/cli). */
  dir: string;
  /** Where compiled code is kept; undefined loads the chunks with Node's own `require` (and its source maps). */
  cacheDir: string | undefined;
  /** What kind of run this is (the command's name): the first run of each kind refreshes the cache. */
  runKey: string;
  /**
   * CommonJS's own `require` (bin.cjs's): loads Node's built-ins for the chunks, and every chunk when there is no
   * cache directory (with -v, so that stack traces map back to the TypeScript sources: Node applies source maps to
   * what its loader loads, not to a vm.Script).
   */
  require: NodeJS.Require;
}

export interface ChunkLoader {
  /** Loads a chunk by file name (e.g. "main-ABC123.cjs") and returns its exports. */
  load(file: string): unknown;
  /** Writes the code cache, when this run has to (see above); for the process's `exit` event. Never throws. */
  save(): void;
  /** What was loaded, and whether V8 took its compiled code from the cache. */
  loaded(): Array<{ file: string; fromCache: boolean }>;
  /**
   * V8's flags changed during the run and could not be put back (bin.ts, llhttp's tiering budget): what V8 compiles
   * now, and a cache written at exit, carry flags the next run will not have, so this run writes no cache.
   */
  flagsChanged(): void;
}

let probeChecks = 0;

/**
 * Whether V8's flags are still those of the moment this was called: V8 refuses a code cache made under other
 * flags (it keeps a hash of the flags that differ from their defaults), so a cache of a tiny script made now is
 * refused later exactly when they differ. Each check compiles a new source of the same length (V8 checks the length,
 * not the text, and would answer a source it compiled before from its own in-memory cache without reading the code
 * cache at all). About 0.3 ms, then 0.05 ms a check.
 */
export function v8FlagsProbe(): () => boolean {
  const cachedData = new Script("void 0//----", { filename: "regatta-v8-flags-probe" }).createCachedData();
  return () => {
    const source = `void 0//${(probeChecks++ % 10_000).toString().padStart(4, "0")}`;
    return !new Script(source, { filename: "regatta-v8-flags-probe", cachedData }).cachedDataRejected;
  };
}

/**
 * The code cache's directory for this build under Node's cache conventions: $XDG_CACHE_HOME/regatta/code-cache, else
 * ~/.cache/regatta/code-cache (never TMPDIR: a CLI leaves nothing in the TMPDIR its user gave it). Undefined when
 * NODE_DISABLE_COMPILE_CACHE=1, which turns off Node's own compile cache too.
 */
export function codeCacheDir(build: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.NODE_DISABLE_COMPILE_CACHE === "1") return undefined;
  // A relative XDG_CACHE_HOME is invalid and ignored (XDG Base Directory Specification): it would put the cache under
  // whatever directory the command runs in.
  let base = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : undefined;
  if (!base) {
    try {
      base = join(homedir(), ".cache");
    } catch {
      return undefined;
    }
  }
  return join(base, "regatta", "code-cache", `${process.version}-${process.arch}-${build}`);
}

export function createChunkLoader(options: ChunkLoaderOptions): ChunkLoader {
  const { dir, cacheDir, runKey, require: nodeRequire } = options;
  if (cacheDir === undefined) {
    const files: string[] = [];
    return {
      load: (file) => {
        files.push(file);
        return nodeRequire(join(dir, file));
      },
      save: () => {},
      loaded: () => files.map((file) => ({ file, fromCache: false })),
      flagsChanged: () => {},
    };
  }

  // Compiled code is code: a cache directory that someone else could have written is neither read nor written.
  const usable = ownedByUs(cacheDir);
  const modules = new Map<string, { exports: unknown }>();
  const scripts: Array<{ script: Script; cacheFile: string; path: string; fromCache: boolean }> = [];
  let stale = false;
  let flagsChanged = false;

  const load = (path: string): unknown => {
    const known = modules.get(path);
    if (known) return known.exports;
    const source = readFileSync(path, "utf8");
    const cacheFile = join(cacheDir, basename(path));
    let cachedData: Buffer | undefined;
    if (usable)
      try {
        cachedData = readFileSync(cacheFile);
      } catch {}
    // CommonJS's wrapper, so the chunk sees what a module loaded by require() sees.
    const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
      filename: path,
      cachedData,
    });
    const fromCache = cachedData !== undefined && !script.cachedDataRejected;
    if (!fromCache) stale = true;
    scripts.push({ script, cacheFile, path, fromCache });
    const module = { exports: {} };
    modules.set(path, module);
    const chunkDir = dirname(path);
    const requireInChunk = (id: string) => (id.startsWith("./") ? load(join(chunkDir, id)) : nodeRequire(id));
    script.runInThisContext()(module.exports, requireInChunk, module, path, chunkDir);
    return module.exports;
  };

  // A key that is not a command's name (a flag's value, a reference) shares one marker: a few names, not one per value.
  const marker = join(cacheDir, `run-${/^[a-z][a-z0-9-]{0,31}$/.test(runKey) ? runKey : "other"}`);
  return {
    load: (file) => load(join(dir, file)),
    save: () => {
      if (!usable || flagsChanged || !scripts.length || (!stale && existsSync(marker))) return;
      saveCodeCache(cacheDir, scripts);
      try {
        writeFileSync(marker, "");
      } catch {}
    },
    loaded: () => scripts.map(({ path, fromCache }) => ({ file: path.slice(dir.length + 1), fromCache })),
    flagsChanged: () => {
      flagsChanged = true;
    },
  };
}

/** True when `dir` is missing (it will be made private) or is ours and writable by no one else. */
function ownedByUs(dir: string): boolean {
  try {
    const { uid, mode } = statSync(dir);
    return uid === process.getuid?.() && (mode & 0o022) === 0;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
}

/** Writes each script's code cache (atomically: a concurrent run reads a whole file or none) and prunes old builds. */
function saveCodeCache(cacheDir: string, scripts: Array<{ script: Script; cacheFile: string }>): void {
  try {
    if (makeDirectoriesSync(cacheDir, 0o700) !== undefined) pruneOtherBuilds(cacheDir);
    for (const { script, cacheFile } of scripts) {
      const partial = `${cacheFile}.${process.pid}.partial`;
      try {
        writeFileSync(partial, script.createCachedData());
        renameSync(partial, cacheFile);
      } catch {
        rmSync(partial, { force: true });
      }
    }
  } catch {}
}

/** Keeps the most recently written cache directories of other builds and removes the rest. */
function pruneOtherBuilds(cacheDir: string): void {
  const parent = dirname(cacheDir);
  const others = readdirSync(parent)
    .map((name) => join(parent, name))
    .filter((path) => path !== cacheDir)
    .map((path) => ({ path, mtime: statSync(path).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { path } of others.slice(KEEP_OTHER_BUILDS)) rmSync(path, { recursive: true, force: true });
}
