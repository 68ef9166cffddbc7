/**
 * Start-up (issue 12): `--version`, `--help` and a usage error load the command table and nothing of the client.
 * Runs the build (apps/cli/dist), as users get it.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { VERSION } from "@regatta/client";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a build script in plain JavaScript, without types.
import { STARTUP_FORBIDDEN, startupFiles } from "../startup-files.mjs";
import { regatta } from "./test-cli.js";

describe("start-up", () => {
  it("--version answers alone, and as commander does among other flags", async () => {
    const alone = await regatta(["--version"]);
    const short = await regatta(["-V"]);
    const among = await regatta(["--json", "--version"]);
    expect([alone, short, among].map((r) => [r.code, r.stdout, r.stderr])).toEqual([
      [0, `${VERSION}\n`, ""],
      [0, `${VERSION}\n`, ""],
      [0, `${VERSION}\n`, ""],
    ]);
  });

  it("--version into a full device says so in one line, as every command does", async () => {
    const bin = fileURLToPath(new URL("../dist/bin.cjs", import.meta.url));
    const script = `"${process.execPath}" "${bin}" --version 2>&1 > /dev/full; echo "status $?"`;
    const { stdout } = await promisify(execFile)("bash", ["-c", script]);
    expect(stdout).toBe(
      "regatta: no space left on device: writing stdout (free some space or write elsewhere)\nstatus 1\n",
    );
  });

  it("loads neither the client, its transport, undici nor the REPL before a command runs", () => {
    const meta = JSON.parse(readFileSync(new URL("../dist/meta.json", import.meta.url), "utf8"));
    const { files, inputs } = startupFiles(meta) as { files: string[]; inputs: string[] };
    expect(files.length).toBeGreaterThan(1);
    expect(inputs.some((path) => path.includes("commander"))).toBe(true);
    expect(inputs.filter((path) => STARTUP_FORBIDDEN.test(path))).toEqual([]);
    // The rule itself catches what it is there for.
    expect(
      STARTUP_FORBIDDEN.test("../../node_modules/.pnpm/undici@7.30.2/node_modules/undici/index.js"),
    ).toBe(true);
    expect(STARTUP_FORBIDDEN.test("../../packages/client/dist/connect.js")).toBe(true);
  });

  it("requires Node's built-ins where they are used: only the five deferred ones go through a stand-in module", () => {
    // A built-in bundled as a stand-in CommonJS module is imported through esbuild's interop (`__toESM`), which
    // copies every export of it once per importing module: 20–30 ms per command (apps/cli/build.mjs).
    const meta = JSON.parse(readFileSync(new URL("../dist/meta.json", import.meta.url), "utf8"));
    const standIns = Object.keys(meta.inputs)
      .filter((path) => path.startsWith("builtin:"))
      .sort();
    expect(standIns).toEqual(
      ["assert", "child_process", "dns", "tls", "zlib"].map((name) => `builtin:node:${name}`),
    );
    const external = Object.values(
      meta.outputs as Record<string, { imports: { path: string; external?: boolean }[] }>,
    )
      .flatMap((output) => output.imports)
      .filter((edge) => edge.external)
      .map((edge) => edge.path);
    expect(external).toEqual(expect.arrayContaining(["node:fs", "node:crypto", "node:http", "node:stream"]));
  });

  it("evaluates entities' decode tables on first use, not at start-up", () => {
    // esbuild runs a module reached through `require` when it is first required, one reached by `import` when its
    // chunk loads: @regatta/errors imports entities/decode, whose top level unpacks the whole WHATWG name table
    // (3-4 ms of every command on Node 20), so the build puts a stand-in between them (build.mjs, LAZY_MODULES).
    const meta = JSON.parse(readFileSync(new URL("../dist/meta.json", import.meta.url), "utf8")) as {
      inputs: Record<string, { imports: { path: string; kind: string }[] }>;
    };
    const decode = Object.keys(meta.inputs).find((path) =>
      /node_modules\/entities\/dist\/decode\.js$/.test(path),
    );
    expect(decode).toBeDefined();
    const importers = Object.entries(meta.inputs).flatMap(([path, input]) =>
      input.imports.filter((edge) => edge.path === decode).map((edge) => [path.split(":")[0], edge.kind]),
    );
    expect(importers).toEqual([["lazy-module", "require-call"]]);
    // The stand-in is what @regatta/errors gets.
    const errorsImports = Object.entries(meta.inputs)
      .filter(([path]) => path.includes("packages/errors/"))
      .flatMap(([, input]) => input.imports.map((edge) => edge.path))
      .filter((path) => path.includes("entities"));
    expect(errorsImports.length).toBeGreaterThan(0);
    expect(errorsImports.every((path) => path.startsWith("lazy-module:"))).toBe(true);
  });

  it("keeps V8's compiled code between runs: written by a command's first run, taken as it is by the next", async () => {
    const cache = mkdtempSync(join(tmpdir(), "regatta-code-cache-"));
    try {
      const env = { XDG_CACHE_HOME: cache };
      const snapshot = () => {
        const [dir] = readdirSync(join(cache, "regatta", "code-cache")).map((name) =>
          join(cache, "regatta", "code-cache", name),
        );
        return Object.fromEntries(
          readdirSync(dir as string).map((name) => [name, statSync(join(dir as string, name)).mtimeMs]),
        );
      };
      const first = await regatta(["tags", "--help"], { env });
      expect(first.code).toBe(0);
      const written = snapshot();
      const chunks = Object.keys(written).filter((name) => name.endsWith(".cjs"));
      expect(chunks.length).toBeGreaterThan(1);
      expect(Object.keys(written)).toContain("run-tags");
      // V8 refuses a cache made by another V8, under other flags or for another source: the chunk is compiled
      // again and its cache rewritten. The second run rewriting nothing is V8 taking every chunk from the cache.
      const second = await regatta(["tags", "--help"], { env });
      expect([second.code, second.stdout, second.stderr]).toEqual([0, first.stdout, first.stderr]);
      expect(snapshot()).toEqual(written);
      // -v loads the chunks with Node's require (source maps), and writes nothing.
      await regatta(["-v", "catalog", "--help"], { env });
      expect(snapshot()).toEqual(written);
      // NODE_DISABLE_COMPILE_CACHE=1 turns it off, as it does Node's own.
      await regatta(["catalog", "--help"], { env: { ...env, NODE_DISABLE_COMPILE_CACHE: "1" } });
      expect(snapshot()).toEqual(written);
      // Another command's first run writes it again, with that command's functions too.
      await regatta(["catalog", "--help"], { env });
      expect(Object.keys(snapshot())).toContain("run-catalog");
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it("reads from a registry named by address without the built-ins only other registries need (dns, tls, zlib)", async () => {
    // The bundle defers node:dns, node:tls, node:zlib, node:assert and node:child_process to their first use
    // (build.mjs, DEFERRED_BUILTINS). A read from 127.0.0.1 resolves no name and speaks plain HTTP: node:dns was
    // loaded anyway, by LoopbackTrust's default `dns.lookup` read when the transport made its dispatcher.
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: `sha256:${"a".repeat(64)}`,
        size: 2,
      },
      layers: [],
    });
    const server = createServer((_, response) => {
      response.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" });
      response.end(manifest);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const work = mkdtempSync(join(tmpdir(), "regatta-builtins-"));
    try {
      // Preloaded by the CLI's node: writes the modules Node loaded when the process exits.
      const preload = join(work, "modules.cjs");
      const list = join(work, "modules.txt");
      writeFileSync(
        preload,
        `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join("\\n")));`,
      );
      const { port } = server.address() as AddressInfo;
      const run = await regatta(["manifest", `127.0.0.1:${port}/a/b:1`], {
        env: { NODE_OPTIONS: `--require ${preload}` },
      });
      expect([run.code, run.stderr, JSON.parse(run.stdout)]).toEqual([0, "", JSON.parse(manifest)]);
      const modules = readFileSync(list, "utf8").split("\n");
      expect(modules).toContain("NativeModule http");
      const deferred = ["dns", "tls", "zlib", "child_process", "assert"].map(
        (name) => `NativeModule ${name}`,
      );
      expect(modules.filter((name) => deferred.includes(name))).toEqual([]);
    } finally {
      server.close();
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("leaves V8's flags as Node starts with them, after a request too: the code cache it writes fits a plain node", async () => {
    // bin.ts raises --wasm-tiering-budget for the compile of undici's llhttp only, then puts it back. V8 keeps the
    // flags in every code cache and refuses one made under other flags: left raised, Node's own modules loaded later
    // were compiled from source instead of from the cache built into Node (18 % of `manifest REF` on Node 22,
    // bench/README.md). The CLI's cache, written at exit, is made under the flags of that moment.
    let requests = 0;
    const server = createServer((_, response) => {
      requests++;
      response.writeHead(404, { "content-type": "application/json" });
      response.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const cache = mkdtempSync(join(tmpdir(), "regatta-code-cache-"));
    try {
      const { port } = server.address() as AddressInfo;
      const run = await regatta(["manifest", `127.0.0.1:${port}/a/b:1`], { env: { XDG_CACHE_HOME: cache } });
      expect(run.code).not.toBe(0);
      expect(requests).toBeGreaterThan(0);
      const [dir] = readdirSync(join(cache, "regatta", "code-cache"));
      const chunks = fileURLToPath(new URL("../dist/cli", import.meta.url));
      // The chunk as chunk-loader.ts compiles it (CommonJS's wrapper), with its cache, in a node started plainly.
      const check = `
        const { readdirSync, readFileSync } = require("node:fs");
        const { join } = require("node:path");
        const { Script } = require("node:vm");
        const [cacheDir, chunks] = process.argv.slice(1);
        const files = readdirSync(cacheDir).filter((name) => name.endsWith(".cjs"));
        const rejected = files.filter((name) => {
          const source = readFileSync(join(chunks, name), "utf8");
          return new Script("(function (exports, require, module, __filename, __dirname) {" + source + "\\n})", {
            filename: join(chunks, name),
            cachedData: readFileSync(join(cacheDir, name)),
          }).cachedDataRejected;
        });
        console.log(JSON.stringify({ open: files.some((name) => name.startsWith("open-client-")), rejected }));`;
      const cacheDir = join(cache, "regatta", "code-cache", dir as string);
      const { stdout } = await promisify(execFile)(process.execPath, ["-e", check, cacheDir, chunks]);
      expect(JSON.parse(stdout)).toEqual({ open: true, rejected: [] });
      // The hook bin.ts sets is where the bundle's undici compiles llhttp (build.mjs), and only there.
      const hook = 'Symbol.for("regatta.compileLlhttp")';
      const hooked = readdirSync(chunks).filter(
        (name) => name.endsWith(".cjs") && readFileSync(join(chunks, name), "utf8").includes(hook),
      );
      expect(hooked).toHaveLength(1);
      expect(readFileSync(fileURLToPath(new URL("../dist/bin.cjs", import.meta.url)), "utf8")).toContain(
        hook,
      );
    } finally {
      server.close();
      rmSync(cache, { recursive: true, force: true });
    }
  });
});

describe("the build's source maps", () => {
  it("name no path of the machine that built them: sources are relative to each map", () => {
    const dist = fileURLToPath(new URL("../dist/", import.meta.url));
    const root = fileURLToPath(new URL("../../../", import.meta.url));
    const maps = [
      ...readdirSync(dist).map((name) => join(dist, name)),
      ...readdirSync(join(dist, "cli")).map((name) => join(dist, "cli", name)),
    ].filter((path) => path.endsWith(".cjs.map"));
    expect(maps.length).toBeGreaterThan(5);
    for (const path of maps) {
      const map = JSON.parse(readFileSync(path, "utf8")) as { file?: string; sources: string[] };
      for (const named of [map.file ?? "", ...map.sources]) expect(named, path).not.toContain(root);
    }
  });
});
