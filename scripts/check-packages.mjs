#!/usr/bin/env node
// What users get, checked from the tarballs alone (issue 11, "CI checks what users get"):
// 1. `pnpm pack` of every published (non-private) package in packages/ and apps/, so `workspace:*` becomes the
//    version a user's package manager will ask for;
// 2. publint (strict: warnings fail) and arethetypeswrong with the esm-only profile on each tarball;
// 3. a scratch project that installs @regatta/reference with npm, checks that exactly its own @regatta closure
//    arrives and no third-party package, imports it from ESM, requires it from CommonJS, and typechecks both kinds of
//    consumer with TypeScript's NodeNext rules (what the READMEs tell users);
// 4. a global install of @regatta/cli into a scratch prefix (`npm i -g --prefix`) and `regatta --version`/`--help`
//    and a command that loads the client (the CLI is a bundle with lazy chunks) run from there, with the working directory outside the workspace, and every published package loaded with
//    require() from that install (CommonJS users' require(esm));
// Our packages reach npm through a throwaway registry on 127.0.0.1 that serves only the tarballs just packed (npm's
// `@regatta:registry`), so no @regatta package can come from anywhere else; third-party dependencies (undici,
// commander, ...) come from npm's cache, or from the npm registry when the cache lacks them.
// Expects built packages (`pnpm build`). Exits non-zero when any check fails (a failed pack or install stops the
// run at once; the others are collected so one run shows them all). `--keep` keeps the scratch directory.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import * as attw from "@arethetypeswrong/core";
import { publint } from "publint";
import { formatMessage } from "publint/utils";

/** The resolutions `attw --profile esm-only` ignores (@arethetypeswrong/cli's profiles.js). */
const ESM_ONLY_IGNORED = ["node10", "node16-cjs"];

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "..");
const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
const say = (text) => console.error(`\x1b[1m[packages ${seconds()} s]\x1b[0m ${text}`);

/** The packages users install: every workspace package that is not private. */
function publishedPackages() {
  return ["packages", "apps"]
    .flatMap((group) => readdirSync(join(root, group)).map((name) => join(root, group, name, "package.json")))
    .filter((file) => existsSync(file)) // a folder without a package.json is not a package
    .map((file) => ({ dir: dirname(file), ...JSON.parse(readFileSync(file, "utf8")) }))
    .filter((pkg) => !pkg.private);
}

/** Runs a command; on failure prints what it said and throws, so the step's name is the last thing on screen. */
async function sh(command, args, options = {}) {
  try {
    return await run(command, args, { maxBuffer: 64 * 1024 * 1024, ...options });
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ""}${error.stderr ?? ""}`);
    throw new Error(`${command} ${args.join(" ")} failed (${error.code ?? error.signal})`);
  }
}

function fail(message) {
  throw new Error(message);
}

/**
 * A read-only npm registry for the packed tarballs: `GET /@regatta%2fname` answers the packument, `GET /-/file.tgz`
 * the tarball, anything else 404. The manifests are the packed package.json files, as a real registry would serve.
 */
async function serveTarballs(tarballs) {
  const packuments = new Map();
  const files = new Map();
  for (const { file, manifest } of tarballs) {
    const data = readFileSync(file);
    const name = `${manifest.name.replace("/", "-").replace("@", "")}-${manifest.version}.tgz`;
    files.set(`/-/${name}`, data);
    packuments.set(manifest.name, {
      manifest,
      name,
      integrity: `sha512-${createHash("sha512").update(data).digest("base64")}`,
      shasum: createHash("sha1").update(data).digest("hex"),
    });
  }
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://registry").pathname);
    const tarball = files.get(path);
    const entry = packuments.get(path.slice(1));
    if (tarball) {
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(tarball);
    } else if (entry) {
      const { manifest } = entry;
      const dist = {
        tarball: `http://${req.headers.host}/-/${entry.name}`,
        integrity: entry.integrity,
        shasum: entry.shasum,
      };
      const body = {
        name: manifest.name,
        "dist-tags": { latest: manifest.version },
        versions: { [manifest.version]: { ...manifest, dist } },
      };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    } else {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
    }
  });
  await new Promise((ready) => server.listen(0, "127.0.0.1", ready));
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

const work = mkdtempSync(join(tmpdir(), "regatta-packages-"));
let registry;
/** Findings that do not stop the later steps, so one run shows all of them. */
const problems = [];
try {
  const packages = publishedPackages();
  const packed = join(work, "tarballs");
  mkdirSync(packed);

  say(`packing ${packages.map((p) => p.name).join(", ")}`);
  await sh(
    "pnpm",
    ["-r", ...packages.flatMap((p) => ["--filter", p.name]), "pack", "--pack-destination", packed],
    { cwd: root },
  );
  const tarballs = [];
  for (const file of readdirSync(packed).map((f) => join(packed, f))) {
    const { stdout } = await sh("tar", ["-xzOf", file, "package/package.json"]);
    tarballs.push({ file, manifest: JSON.parse(stdout) });
  }
  if (tarballs.length !== packages.length)
    fail(`packed ${tarballs.length} tarballs for ${packages.length} packages`);
  // The private workspace packages (@regatta/testkit, @regatta/present): no user can install them.
  const privateNames = ["packages", "apps"]
    .flatMap((group) => readdirSync(join(root, group)).map((name) => join(root, group, name, "package.json")))
    .filter((file) => existsSync(file))
    .map((file) => JSON.parse(readFileSync(file, "utf8")))
    .filter((pkg) => pkg.private)
    .map((pkg) => pkg.name);
  for (const { file, manifest } of tarballs) {
    const installed = {
      ...manifest.dependencies,
      ...manifest.peerDependencies,
      ...manifest.optionalDependencies,
    };
    const leaked = [
      ...Object.entries({ ...installed, ...manifest.devDependencies }).filter(([, range]) =>
        range.startsWith("workspace:"),
      ),
      // A private package may be a build input (the apps bundle @regatta/present), never something to install.
      ...Object.entries(installed).filter(([name]) => privateNames.includes(name)),
    ];
    if (leaked.length)
      problems.push(`${manifest.name} names ${leaked.map(([n, r]) => `${n}@${r}`).join(", ")}`);
    // Nor may the shipped code import one: it must have been bundled in.
    const { stdout: code } = await sh("tar", ["-xzOf", file, "--wildcards", "package/*.js"]);
    const imported = privateNames.filter((name) => code.includes(`"${name}"`) || code.includes(`"${name}/`));
    if (imported.length) problems.push(`${manifest.name} ships code that imports ${imported.join(", ")}`);
  }

  say("publint --strict and arethetypeswrong (esm-only profile) on each tarball");
  for (const { file, manifest } of tarballs) {
    const data = readFileSync(file);
    // publint's own API on the tarball, as `publint run <tgz> --strict`: warnings count as errors, suggestions show.
    const lint = await publint({
      pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.length) },
      strict: true,
    });
    for (const message of lint.messages) {
      const text = `${manifest.name}: publint ${message.type}: ${formatMessage(message, lint.pkg, { color: false })}`;
      if (message.type === "suggestion") say(text);
      else problems.push(text);
    }
    // arethetypeswrong's core in one process (the CLI starts TypeScript anew for every tarball). The esm-only
    // profile of `attw --profile esm-only` ignores the node10 and node16-from-CJS resolutions, where an ESM-only
    // package cannot resolve by design; every other problem fails, and so does a package with no types at all.
    const analysis = await attw.checkPackage(attw.createPackageFromTarballData(new Uint8Array(data)));
    if (!analysis.types) problems.push(`${manifest.name}: arethetypeswrong found no types`);
    for (const problem of analysis.problems ?? []) {
      if (ESM_ONLY_IGNORED.includes(problem.resolutionKind)) continue;
      const { kind, ...where } = problem;
      problems.push(`${manifest.name}: arethetypeswrong ${kind} ${JSON.stringify(where)}`);
    }
  }

  registry = await serveTarballs(tarballs);
  // The registry for our scope only; everything else still comes from the configured npm registry (or its cache).
  const npm = [
    `--@regatta:registry=${registry.url}`,
    "--prefer-offline",
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
  ];

  say("installing @regatta/reference alone into a scratch project");
  const project = join(work, "reference-user");
  mkdirSync(project);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "reference-user", private: true, type: "module" }),
  );
  await sh("npm", ["install", "@regatta/reference", ...npm], { cwd: project });
  // Reference is what registry UIs and browser bundles take alone: its install must be exactly its own closure of
  // @regatta packages, and no third-party package but the ones named here, each with no dependencies of its own and
  // nothing Node-only (the browser bundle test in packages/reference proves the second).
  const thirdPartyAllowed = new Map([
    // @regatta/errors reads HTML character references as a browser does to mask a secret a registry echoes in an
    // HTML error page (packages/errors/src/secret-set.ts): WHATWG's table is the entities package's job, not ours.
    ["entities", "WHATWG HTML character reference tables for @regatta/errors' secret scrubber"],
  ]);
  const manifests = new Map(tarballs.map((t) => [t.manifest.name, t.manifest]));
  const closure = new Set();
  const visit = (name) => {
    if (closure.has(name)) return;
    closure.add(name);
    for (const dep of Object.keys(manifests.get(name)?.dependencies ?? {})) visit(dep);
  };
  visit("@regatta/reference");
  const expected = [...closure].sort().join(", ");
  // npm's own list of what it installed (the first line is the project itself).
  const { stdout: listed } = await sh("npm", ["ls", "--all", "--parseable"], { cwd: project });
  const all = [
    ...new Set(
      listed
        .trim()
        .split("\n")
        .slice(1)
        .map((dir) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name),
    ),
  ]
    .sort()
    .join(", ");
  const unexpected = [...closure].filter((name) => !manifests.has(name) && !thirdPartyAllowed.has(name));
  if (all !== expected || unexpected.length > 0)
    fail(
      `@regatta/reference brought ${all}; expected its own closure only: ${expected}` +
        (unexpected.length > 0 ? ` (third-party packages not allowed here: ${unexpected.join(", ")})` : ""),
    );
  say(`@regatta/reference installs ${all}`);
  // Used as the README says: import from ESM, require() from CommonJS (require(esm), Node >= 20.19), and the types
  // as TypeScript sees them with module/moduleResolution NodeNext, from an ES module and from a CommonJS one.
  const use = [
    'const ref = parseReference("alpine");',
    'if (ref.toString() !== "docker.io/library/alpine:latest") throw new Error("parsed as " + ref);',
    'if (ref.apiHost !== "registry-1.docker.io") throw new Error("apiHost " + ref.apiHost);',
  ];
  const files = {
    "use.mjs": ['import { parseReference } from "@regatta/reference";', ...use],
    "use.cjs": ['const { parseReference } = require("@regatta/reference");', ...use],
    "use.ts": [
      'import { parseReference, type Reference } from "@regatta/reference";',
      'export const registry: string = (parseReference("ghcr.io/a/b:1") satisfies Reference).registry;',
    ],
    "use.cts": [
      'import { parseReference, type Reference } from "@regatta/reference";',
      'export const registry: string = (parseReference("ghcr.io/a/b:1") satisfies Reference).registry;',
    ],
    "tsconfig.json": [
      JSON.stringify({
        // skipLibCheck off: the shipped .d.ts files must check too.
        compilerOptions: {
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          types: [],
        },
        files: ["use.ts", "use.cts"],
      }),
    ],
  };
  for (const [name, lines] of Object.entries(files)) writeFileSync(join(project, name), lines.join("\n"));
  await sh(process.execPath, ["use.mjs"], { cwd: project });
  await sh(process.execPath, ["use.cjs"], { cwd: project });
  await sh(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", project], {
    cwd: project,
  });

  say("installing @regatta/cli globally into a scratch prefix");
  const prefix = join(work, "global");
  await sh("npm", ["install", "--global", "--prefix", prefix, "@regatta/cli", ...npm], { cwd: work });
  const regatta = join(prefix, "bin", "regatta");
  const cli = tarballs.find((t) => t.manifest.name === "@regatta/cli").manifest;
  const version = (await sh(regatta, ["--version"], { cwd: work })).stdout.trim();
  if (version !== cli.version) fail(`regatta --version printed "${version}", the package is ${cli.version}`);
  const help = (await sh(regatta, ["--help"], { cwd: work })).stdout;
  if (!/^Usage: regatta /m.test(help)) fail(`regatta --help printed no usage line:\n${help}`);
  // A command loads the client, its transport and undici from the bundle's lazy chunks: a registry that is not
  // there must be reported as unreachable (exit status 5), not as a module that cannot be found.
  const unreachable = await run(regatta, ["tags", "127.0.0.1:9/none"], { cwd: work }).catch((error) => error);
  if (unreachable.code !== 5 || !/cannot reach registry/.test(unreachable.stderr ?? ""))
    fail(`regatta tags on a closed port: status ${unreachable.code}, ${unreachable.stderr ?? ""}`);
  // Every published package loads with require() as the READMEs promise (require(esm) refuses a module graph
  // with top-level await), from the CLI's own install (a package outside its dependencies is not there).
  const cliDir = join(prefix, "lib", "node_modules", "@regatta", "cli");
  const names = tarballs
    .map((t) => t.manifest.name)
    .filter((name) => name === cli.name || existsSync(join(cliDir, "node_modules", name)));
  const loader = `const r = require("node:module").createRequire(${JSON.stringify(join(cliDir, "package.json"))});
for (const name of ${JSON.stringify(names)}) if (Object.keys(r(name)).length === 0) throw new Error(name + " exports nothing");`;
  await sh(process.execPath, ["--input-type=commonjs", "-e", loader], { cwd: work });

  if (problems.length) fail(problems.join("\n"));
  say(`all ${tarballs.length} packages fine`);
} catch (error) {
  for (const problem of problems) say(`FAILED: ${problem}`);
  if (error.message !== problems.join("\n")) say(`FAILED: ${error.message}`);
  process.exitCode = 1;
} finally {
  registry?.server.close();
  if (process.argv.includes("--keep")) say(`scratch directory kept: ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
