#!/usr/bin/env node
// Builds the published CLI (issue 11, item 6; issue 12): the declarations with tsc, the JavaScript with esbuild.
//
// esbuild bundles the CLI with everything it imports, workspace packages and third-party ones alike, and splits what
// is loaded later into chunks: a command reaches the client, its transport and undici only through
// `await import("@regatta/client")` when it opens a client, and the REPL, cli-progress and the stdout error path load
// the same way. So `--version`, `--help` and a usage error parse only the command table, and an installed CLI
// resolves no package at start-up. The private @regatta/present is bundled too, so the published package never names
// it. Only Node's built-in modules stay outside. Three outputs:
//
// - dist/bin.cjs, the executable: CommonJS (Node starts it sooner than an ES module), src/bin.ts and the chunk
//   loader only;
// - dist/cli/*.cjs, the chunks it loads through src/chunk-loader.ts, which keeps V8's compiled code of them between
//   runs (esbuild splits ES modules only: each chunk is then turned into CommonJS, its source map composed);
// - dist/index.js and dist/chunks/, the library entry (`import { run } from "@regatta/cli"`), ES modules.
//
// The build fails when anything but the command table reaches main's static imports (see STARTUP_FORBIDDEN).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire, isBuiltin } from "node:module";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { VERSION } from "@regatta/client";
import { build, transform } from "esbuild";
import { STARTUP_FORBIDDEN, startupFiles } from "./startup-files.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const dist = join(here, "dist");

rmSync(dist, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [join(here, "../../node_modules/typescript/bin/tsc"), "-p", "tsconfig.json", "--emitDeclarationOnly"],
  {
    cwd: here,
    stdio: "inherit",
  },
);

/**
 * src/version.ts re-exports the client's VERSION; the bundle gets the string itself. esbuild splits by file, so a
 * static import of @regatta/client anywhere in start-up would put the whole client, which commands load with
 * `import()`, into a chunk that start-up loads too.
 */
const inlineVersion = {
  name: "inline-version",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]version\.ts$/ }, () => ({
      contents: `export const VERSION = ${JSON.stringify(VERSION)};`,
      loader: "js",
    }));
  },
};

/**
 * undici's index loads everything undici has — fetch, WebSocket, EventSource, the cache, the mock agents — about
 * 530 KiB of a command's 720 KiB, evaluated by every command that opens a client. The transport uses the dispatchers
 * (Agent, Pool, Client, ProxyAgent, EnvHttpProxyAgent), buildConnector, the errors, and the request API that the
 * index mixes into Dispatcher.prototype: the bundle gets those modules only, wired as the index wires them
 * (node_modules/undici/index.js). Tests and library users load undici itself; the CLI tests run this bundle, so a
 * missing piece fails them. apps/cli/README.md has the start-up numbers.
 */
const undiciCore = {
  name: "undici-core",
  setup(b) {
    const transport = join(here, "../../packages/transport");
    b.onResolve({ filter: /^undici$/ }, () => ({ path: "undici-core", namespace: "undici-core" }));
    // The HTTP/2 client loads node:http2 (10-15 ms) when undici loads. The transport never sets allowH2, so TLS
    // offers only http/1.1 and no server can choose h2: the bundle gets a stand-in that says so if ever reached.
    b.onResolve({ filter: /^\.\/client-h2\.js$/ }, (args) =>
      /undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/.test(args.importer)
        ? { path: "client-h2", namespace: "undici-no-h2" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "undici-no-h2" }, () => ({
      loader: "js",
      contents: `module.exports = function connectH2() {
        throw new Error("HTTP/2 is not in regatta's bundle (the transport never offers it)");
      };`,
    }));
    // llhttp's WebAssembly is compiled through a hook that the executable sets (bin.ts: a higher tiering budget for
    // that compile only); without the hook (the library, tests) it is compiled as undici does.
    b.onLoad({ filter: /undici[\\/]lib[\\/]dispatcher[\\/]client-h1\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const call = "llhttpInstance = lazyllhttp()";
      if (source.split(call).length !== 2)
        throw new Error(`build.mjs: undici's ${call} not found once in ${args.path}`);
      const hooked =
        '(globalThis[Symbol.for("regatta.compileLlhttp")] ?? ((compile) => compile()))(lazyllhttp)';
      return {
        loader: "js",
        contents: source.replace(call, `llhttpInstance = ${hooked}`),
        resolveDir: dirname(args.path),
      };
    });
    b.onLoad({ filter: /.*/, namespace: "undici-core" }, () => ({
      resolveDir: transport,
      loader: "js",
      contents: `
        const Dispatcher = require("undici/lib/dispatcher/dispatcher");
        Object.assign(Dispatcher.prototype, require("undici/lib/api"));
        module.exports = {
          Dispatcher,
          Client: require("undici/lib/dispatcher/client"),
          Pool: require("undici/lib/dispatcher/pool"),
          Agent: require("undici/lib/dispatcher/agent"),
          ProxyAgent: require("undici/lib/dispatcher/proxy-agent"),
          EnvHttpProxyAgent: require("undici/lib/dispatcher/env-http-proxy-agent"),
          buildConnector: require("undici/lib/core/connect"),
          errors: require("undici/lib/core/errors"),
        };`,
    }));
  },
};

/**
 * Node's built-in modules, imported with `import … from "node:x"` by Regatta's packages, are reached through
 * `require` instead (the banner's). An ES import of a built-in makes Node build the module's ES facade, which reads
 * every export once: on Node 22 and later, node:http's lazy `WebSocket` and `CloseEvent` getters then load Node's own
 * copy of undici (11 ms, and its compilation, on every command that opens a client), and node:tls's
 * `rootCertificates` getter parses the whole CA bundle. Through `require` esbuild reads each export where it is used.
 *
 * Five built-ins are also deferred until first used, because start-up reaches them only for code that may not run:
 * node:child_process (commander's executable subcommands, which regatta has none of, and credential helpers),
 * node:dns (a registry given by host name), node:tls (HTTPS; a loopback registry speaks plain HTTP), node:zlib
 * (gzip layers) and node:assert (undici's checks, which only fail on its own bugs). They load
 * with the first property read; their export names are taken from this Node at build time, so esbuild's interop can
 * list them without loading the module. `regatta manifest REF` on Node 20 loads 12 of Node's internal modules fewer
 * (bench/README.md, "Start-up", has the times).
 *
 * The executable's chunks (`{ external: true }`) keep the other built-ins external instead: those chunks become
 * CommonJS (below), where `import { readFileSync } from "node:fs"` turns into a plain `require("node:fs")` read at
 * each use. Through the stand-in module above, each ES module that imports a built-in gets esbuild's CommonJS
 * interop (`__toESM`), which copies every export of it as a getter: a read ran about 80 of those copies (node:fs,
 * node:path, node:stream, node:crypto, … once per importing module), 20–30 ms of CPU per command on Node 20–24.
 */
const DEFERRED_BUILTINS = new Set(
  ["assert", "child_process", "dns", "tls", "zlib"].flatMap((name) => [name, `node:${name}`]),
);
const builtinsViaRequire = ({ external = false } = {}) => ({
  name: "builtins-via-require",
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      if (args.namespace === "builtin") return undefined;
      const id = args.path.startsWith("node:") ? args.path : `node:${args.path}`;
      if (!isBuiltin(id)) return undefined;
      const deferred = DEFERRED_BUILTINS.has(args.path);
      if (!deferred && args.kind !== "import-statement") return undefined;
      if (!deferred && external) return { path: id, external: true };
      return { path: id, namespace: "builtin", pluginData: { deferred } };
    });
    b.onLoad({ filter: /.*/, namespace: "builtin" }, (args) => {
      const id = JSON.stringify(args.path);
      if (!args.pluginData?.deferred) return { loader: "js", contents: `module.exports = require(${id});` };
      const builtin = require(args.path);
      const names = JSON.stringify(Object.keys(builtin));
      // node:assert is itself a function (undici calls assert(condition) everywhere): the stand-in is one too (an arrow
      // function: no own `prototype` that the Proxy would have to list). assert(value) with a truthy value does
      // nothing (https://nodejs.org/api/assert.html#assertvalue-message), so only a failing check loads node:assert.
      const target = typeof builtin === "function" ? "() => {}" : "{}";
      return {
        loader: "js",
        contents: `let loaded;
          const load = () => (loaded ??= require(${id}));
          module.exports = new Proxy(${target}, {
            apply: (_, self, args) => (args[0] ? undefined : load().apply(self, args)),
            get: (_, key) => load()[key],
            has: (_, key) => key in load(),
            ownKeys: () => ${names},
            getOwnPropertyDescriptor: (_, key) => ({ configurable: true, enumerable: true, get: () => load()[key] }),
          });`,
      };
    });
  },
});

/**
 * packages/client loads re2js (the tag-pattern engine, ~260 KiB, ~70 ms to load) on the first pattern, through
 * createRequire(import.meta.url), which a bundle cannot follow. Here its loader becomes a plain `require`, which
 * esbuild bundles and wraps so that re2js is still evaluated only on first use: a command without a pattern, and
 * `--help`, never run it (startup.test.ts checks that start-up does not reach it).
 */
const bundledRe2 = {
  name: "bundled-re2",
  setup(b) {
    b.onLoad({ filter: /[\\/]packages[\\/]client[\\/]dist[\\/]re2-engine\.js$/ }, () => ({
      loader: "js",
      contents: "let engine; export function re2() { engine ??= require('re2js'); return engine; }",
    }));
  },
};

/**
 * Modules whose top level builds tables that only some calls need, evaluated on first use instead of at start-up.
 * entities/decode (the WHATWG character references @regatta/errors decodes when it scrubs a registry's text, and an
 * object store's XML error) unpacks its whole name table when it is evaluated: 3-4 ms of every command's start-up on
 * Node 20, though only a registry's text with an `&` in it is ever decoded. Each such module gets a stand-in whose
 * functions and classes load it on their first call; its other exports (entities' DecodingMode, an enum) are
 * constants, copied at build time. The module itself is still bundled: esbuild wraps what is reached through
 * `require` in an initializer that runs on the first `require`. startup.test.ts checks that start-up does not run it.
 */
const LAZY_MODULES = ["entities/decode"];
const lazyModules = {
  name: "lazy-modules",
  setup(b) {
    const filter = new RegExp(`^(?:${LAZY_MODULES.map((id) => id.replace(/[/.]/g, "\\$&")).join("|")})$`);
    b.onResolve({ filter }, async (args) => {
      if (args.pluginData?.lazyTarget) return undefined;
      const real = await b.resolve(args.path, {
        kind: "require-call",
        resolveDir: args.resolveDir,
        pluginData: { lazyTarget: true },
      });
      if (real.errors.length) return { errors: real.errors };
      // Named from here, as esbuild names files: the source maps carry no path of the machine that built them.
      return { path: relative(here, real.path), namespace: "lazy-module" };
    });
    b.onLoad({ filter: /.*/, namespace: "lazy-module" }, async (args) => {
      const path = join(here, args.path);
      const real = await import(path);
      const lines = [`let loaded;`, `const load = () => (loaded ??= require(${JSON.stringify(path)}));`];
      for (const [name, value] of Object.entries(real)) {
        if (typeof value !== "function") {
          lines.push(`export const ${name} = ${JSON.stringify(value)};`);
        } else if (/^class\b/.test(Function.prototype.toString.call(value))) {
          lines.push(
            `export class ${name} { constructor(...args) { return new (load().${name})(...args); } }`,
          );
        } else {
          lines.push(`export function ${name}(...args) { return load().${name}.apply(this, args); }`);
        }
      }
      return { loader: "js", contents: lines.join("\n"), resolveDir: dirname(path) };
    });
  },
};

const minify = process.env.REGATTA_BUILD_MINIFY !== "0";
/** What both bundles share: every package bundled, Node's built-ins through require (builtinsViaRequire). */
const shared = {
  plugins: [inlineVersion, undiciCore, builtinsViaRequire(), bundledRe2, lazyModules],
  absWorkingDir: here,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  // Node's built-ins only (platform node keeps them external); every package is bundled.
  packages: "bundle",
  sourcesContent: false,
  metafile: true,
  logLevel: "warning",
  legalComments: "none",
  // REGATTA_BUILD_MINIFY=0 keeps names readable, for a CPU profile (bench/README.md, "Profiling").
  minify,
};

// The library entry (`import { run } from "@regatta/cli"`): ES modules, commands in chunks loaded by import().
await build({
  ...shared,
  entryPoints: { index: "src/index.ts" },
  outdir: dist,
  chunkNames: "chunks/[name]-[hash]",
  // CommonJS dependencies (commander, cli-progress, undici) call require() for built-ins: give ES modules one.
  banner: {
    js: 'import { createRequire as __regattaRequire } from "node:module"; const require = __regattaRequire(import.meta.url);',
  },
  // Stack traces map back to the TypeScript sources (node --enable-source-maps); the sources are not copied in.
  sourcemap: "linked",
});

/**
 * The executable's chunks (dist/cli/*.cjs). esbuild splits only ES modules; each chunk is then turned into CommonJS
 * (its imports of other chunks into require(), its import() into a require() in a promise) so that bin.cjs can load
 * it with chunk-loader.ts, through a vm.Script that takes V8's code cache. Node 20 has no way to give an ES module a
 * code cache. The inline source maps of the first step are composed into each chunk's linked map by the second.
 */
const cliDir = join(dist, "cli");
const result = await build({
  ...shared,
  plugins: [inlineVersion, undiciCore, builtinsViaRequire({ external: true }), bundledRe2, lazyModules],
  entryPoints: { main: "src/main.ts", "open-client": "src/open-client.ts" },
  outdir: cliDir,
  entryNames: "[name]-[hash]",
  chunkNames: "[name]-[hash]",
  outExtension: { ".js": ".cjs" },
  sourcemap: "inline",
  write: false,
});
mkdirSync(cliDir, { recursive: true });
const chunkNames = {};
const chunkBytes = {};
const buildHash = createHash("sha256");
for (const output of result.outputFiles) {
  const name = basename(output.path);
  const commonjs = await transform(output.text, {
    format: "cjs",
    platform: "node",
    target: "node20.19",
    supported: { "dynamic-import": false },
    // Its own name, not the build machine's path: code the first step mapped nowhere is mapped to the chunk itself.
    sourcefile: name,
    sourcemap: "external",
    legalComments: "none",
    minify,
  });
  const map = JSON.parse(commonjs.map);
  map.file = name;
  writeFileSync(output.path, `${commonjs.code}//# sourceMappingURL=${name}.map\n`);
  writeFileSync(`${output.path}.map`, JSON.stringify(map));
  buildHash.update(name).update(commonjs.code);
  // The metafile names outputs by their path from absWorkingDir.
  const key = relative(here, output.path).replaceAll("\\", "/");
  chunkBytes[key] = commonjs.code.length;
  const entry = result.metafile.outputs[key]?.entryPoint;
  if (entry === "src/main.ts") chunkNames.main = name;
  if (entry === "src/open-client.ts") chunkNames.openClient = name;
}
if (!chunkNames.main || !chunkNames.openClient)
  throw new Error("build.mjs: main or open-client chunk not found");
chunkNames.build = buildHash.digest("hex").slice(0, 16);

// The executable itself: CommonJS, the chunk loader and the version, nothing else.
await build({
  plugins: [inlineVersion],
  absWorkingDir: here,
  entryPoints: { bin: "src/bin.ts" },
  outdir: dist,
  outExtension: { ".js": ".cjs" },
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20.19",
  define: { REGATTA_CLI_CHUNKS: JSON.stringify(chunkNames) },
  logLevel: "warning",
  legalComments: "none",
  minify,
});
chmodSync(join(dist, "bin.cjs"), 0o755);

writeFileSync(join(dist, "meta.json"), JSON.stringify(result.metafile));
const { files, inputs } = startupFiles(result.metafile);
const forbidden = inputs.filter((path) => STARTUP_FORBIDDEN.test(path));
if (forbidden.length) {
  console.error(`regatta's start-up would load what only commands need:\n  ${forbidden.join("\n  ")}`);
  process.exit(1);
}
const bytes = files.reduce((sum, file) => sum + chunkBytes[file], 0);
console.log(`regatta start-up: ${files.length} files, ${(bytes / 1024).toFixed(0)} KiB at start-up`);
