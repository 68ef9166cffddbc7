#!/usr/bin/env node
// Builds the published CLI (issue 11, item 6; issue 12): the declarations with tsc, the JavaScript with esbuild.
//
// esbuild bundles dist/bin.js and dist/index.js with everything they import, workspace packages and third-party ones
// alike, and splits what is loaded later into chunks (dist/chunks/): a command reaches the client, its transport and
// undici only through `await import("@regatta/client")` when it opens a client, and the REPL, cli-progress and the
// stdout error path load the same way. So `--version`, `--help` and a usage error read one file and parse only the
// command table, and an installed CLI resolves no package at start-up. The private @regatta/present is bundled too,
// so the published package never names it. Only Node's built-in modules stay outside.
//
// The build fails when anything but the command table reaches bin.js's static imports (see STARTUP_FORBIDDEN).
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { VERSION } from "@regatta/client";
import { build } from "esbuild";
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
 * Three built-ins are also deferred until first used, because start-up reaches them only for code that may not run:
 * node:child_process (commander's executable subcommands, which regatta has none of, and credential helpers),
 * node:dns (a registry given by host name) and node:tls (HTTPS; a loopback registry speaks plain HTTP). They load
 * with the first property read; their export names are taken from this Node at build time, so esbuild's interop can
 * list them without loading the module. `regatta manifest REF` on Node 20 loads 12 of Node's internal modules fewer
 * (bench/README.md, "Start-up", has the times).
 */
const DEFERRED_BUILTINS = new Set(["child_process", "dns", "tls"].flatMap((name) => [name, `node:${name}`]));
const builtinsViaRequire = {
  name: "builtins-via-require",
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      if (args.namespace === "builtin") return undefined;
      const id = args.path.startsWith("node:") ? args.path : `node:${args.path}`;
      if (!isBuiltin(id)) return undefined;
      const deferred = DEFERRED_BUILTINS.has(args.path);
      if (!deferred && args.kind !== "import-statement") return undefined;
      return { path: id, namespace: "builtin", pluginData: { deferred } };
    });
    b.onLoad({ filter: /.*/, namespace: "builtin" }, (args) => {
      const id = JSON.stringify(args.path);
      if (!args.pluginData?.deferred) return { loader: "js", contents: `module.exports = require(${id});` };
      const names = JSON.stringify(Object.keys(require(args.path)));
      return {
        loader: "js",
        contents: `let loaded;
          const load = () => (loaded ??= require(${id}));
          module.exports = new Proxy({}, {
            get: (_, key) => load()[key],
            has: (_, key) => key in load(),
            ownKeys: () => ${names},
            getOwnPropertyDescriptor: (_, key) => ({ configurable: true, enumerable: true, get: () => load()[key] }),
          });`,
      };
    });
  },
};

const result = await build({
  plugins: [inlineVersion, undiciCore, builtinsViaRequire],
  absWorkingDir: here,
  entryPoints: { bin: "src/bin.ts", index: "src/index.ts" },
  outdir: dist,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  // Node's built-ins only (platform node keeps them external); every package is bundled.
  packages: "bundle",
  // CommonJS dependencies (commander, cli-progress, undici) call require() for built-ins: give ES modules one.
  banner: {
    js: 'import { createRequire as __regattaRequire } from "node:module"; const require = __regattaRequire(import.meta.url);',
  },
  // Stack traces map back to the TypeScript sources (node --enable-source-maps); the sources are not copied in.
  sourcemap: "linked",
  sourcesContent: false,
  metafile: true,
  logLevel: "warning",
  legalComments: "none",
  // REGATTA_BUILD_MINIFY=0 keeps names readable, for a CPU profile (bench/README.md, "Profiling").
  minify: process.env.REGATTA_BUILD_MINIFY !== "0",
});

writeFileSync(join(dist, "meta.json"), JSON.stringify(result.metafile));
const { files, inputs } = startupFiles(result.metafile);
const forbidden = inputs.filter((path) => STARTUP_FORBIDDEN.test(path));
if (forbidden.length) {
  console.error(`regatta's start-up would load what only commands need:\n  ${forbidden.join("\n  ")}`);
  process.exit(1);
}
const bytes = files.reduce((sum, file) => sum + result.metafile.outputs[file].bytes, 0);
console.log(`regatta start-up: ${files.length} files, ${(bytes / 1024).toFixed(0)} KiB at start-up`);
