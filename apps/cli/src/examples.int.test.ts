/**
 * Every example in every `--help` and in the READMEs (README.md, apps/cli/README.md) is run, by the built `regatta`,
 * against real local registries (issue 10, item 12: `copy --help`'s own example failed). Examples are found, not
 * listed: a new example in a help text or a README code block runs here, and fails here unless it works.
 *
 * Rewriting, so an example aimed at Docker Hub or localhost:5000 runs offline:
 * - registry hosts (docker.io, ghcr.io, quay.io, registry.example, localhost:5000) become registry A, localhost:5001
 *   registry B; Docker Hub short names (alpine, ubuntu, busybox) become A's library/NAME;
 * - digest placeholders (`sha256:…`, `sha256:7b9b…`) become a real manifest digest of that repository for
 *   manifest commands, a real blob digest for blob commands;
 * - every example runs in its own temp directory holding the input files examples name (a tarball, layouts, a
 *   manifest, a blob), with a clean HOME, and the registries are reseeded after every example that writes, so
 *   each example sees the same registries whatever ran before it.
 */
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@regatta/client";
import {
  type GeneratedImage,
  type GeneratedIndex,
  generateImage,
  generateIndex,
  pushImage,
  useRegistry,
} from "@regatta/testkit";
import { afterAll, beforeAll, describe, type ExpectStatic, expect, it } from "vitest";
import { buildProgram } from "./program.js";
import { commandsWithAncestors, parseOnly } from "./test-parse.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BIN = join(ROOT, "apps/cli/dist/bin.cjs");
const READMES = ["README.md", "apps/cli/README.md"];
/** A README script runs regatta a dozen times; on a loaded CI machine each start of node takes seconds. */
const EXAMPLE_TIMEOUT_MS = 120_000;

/**
 * Examples that cannot run here, only be parsed, and why. Keep it short: anything else must run.
 * Matched against the example as written.
 */
const PARSE_ONLY: [RegExp, string][] = [
  [/\bdocker (load|save)\b/, "needs a Docker daemon, absent here"],
  [
    /\bregatta completion (zsh|fish)\b/,
    "zsh and fish are not installed here (the bash script is sourced and run)",
  ],
  [/\bregatta login\b(?!.*--password-stdin)/, "asks for the password on a terminal, absent here"],
];

/** Hosts of the examples and the registry (A or B) that stands in for each. */
const HOSTS_A = ["docker.io", "ghcr.io", "quay.io", "localhost:5000"];
/** A second registry, so a copy from ghcr.io to registry.example crosses registries as it says. */
const HOSTS_B = ["localhost:5001", "registry.example"];
/** Docker Hub short names the examples use: `alpine` is `docker.io/library/alpine`. */
const SHORT_NAMES = ["alpine", "ubuntu", "busybox"];
/** Subcommands whose digest argument names a blob; every other digest in an example names a manifest. */
const BLOB_COMMANDS = new Set(["blob", "get-blob", "mount"]);
/** Subcommands that change a registry: the registries are reseeded after an example that uses one. */
const WRITES = new Set([
  "put-blob",
  "put-manifest",
  "tag",
  "copy",
  "cp",
  "mount",
  "delete",
  "rmtag",
  "rmrepo",
  "push",
  "sync",
  "login",
  "logout",
  "attach",
  "artifact",
  "index",
]);

interface Example {
  /** Where it was found: `regatta copy --help`, `README.md`. */
  source: string;
  /** The example as written (a shell line, or a whole README block when it is a script). */
  text: string;
}

/** Lines of every `Example:`/`Examples:` section of every command's `--help`, as commander prints it. */
function helpExamples(): Example[] {
  const program = buildProgram();
  const found: Example[] = [];
  for (const cmd of [program, ...[...commandsWithAncestors(program)].map(([c]) => c)]) {
    let help = "";
    cmd.configureOutput({ writeOut: (s) => (help += s), writeErr: (s) => (help += s) });
    cmd.outputHelp();
    const name = cmd === program ? "regatta --help" : `regatta ${cmd.name()} --help`;
    let inside = false;
    for (const line of help.split("\n")) {
      if (/^Examples?:\s*$/.test(line)) inside = true;
      else if (!line.startsWith("  ")) inside = false;
      else if (inside) found.push({ source: name, text: line.trim() });
    }
  }
  return found;
}

/**
 * The shell examples of a README: in each ```sh block, each line that runs `regatta`, or the whole block when it is
 * a script (variables, loops) whose lines do not stand alone.
 */
function readmeExamples(file: string): Example[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const found: Example[] = [];
  for (const block of text.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```/gm)) {
    const lines = (block[1] ?? "").split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
    if (!lines.some((l) => /(^|[|&;]\s*)regatta\s/.test(l))) continue;
    if (lines.some((l) => /^\s*(for|while|if)\s|^\s*\w+=/.test(l))) {
      found.push({ source: file, text: lines.join("\n") });
      continue;
    }
    for (const line of lines)
      if (/(^|[|&;]\s*)regatta\s/.test(line)) found.push({ source: file, text: line });
  }
  return found;
}

/** Every example, each once (the same line in a help text and a README runs once). */
function allExamples(): Example[] {
  const seen = new Set<string>();
  return [...helpExamples(), ...READMES.flatMap(readmeExamples)].filter((e) => {
    const key = stripComment(e.text);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A trailing `# comment` (outside quotes) is the README talking, not the command. */
function stripComment(line: string): string {
  return line
    .split("\n")
    .map((l) => l.replace(/\s+#(?![^"']*["'][^"']*$).*$/, "").trimEnd())
    .join("\n");
}

/** Shell words of one simple command, honouring quotes (enough for the examples: no escapes, no expansions). */
function words(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
}

/** The `regatta …` commands of an example line, as argument lists. */
function regattaCommands(text: string): string[][] {
  return (
    text
      // A command substitution runs its command too: `source <(regatta completion bash)`.
      .replace(/[<$]\((regatta\s[^)]*)\)/g, "; $1 ;")
      .split(/\|\||&&|[|;\n]/)
      .map((s) => words(s.trim()))
      .filter((w) => w[0] === "regatta")
      .map((w) => withoutRedirections(w.slice(1)))
  );
}

/** Words without the shell's redirections (`> file`, `2>/dev/null`, `< in`), which are not the command's. */
function withoutRedirections(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i] ?? "";
    if (/^\d*[<>]{1,2}$/.test(word)) i++;
    else if (!/^\d*[<>]/.test(word)) out.push(word);
  }
  return out;
}

/** The subcommand of a regatta argument list (its first word that is not an option). */
function subcommand(args: string[]): string {
  return args.find((a) => !a.startsWith("-")) ?? "";
}

/** What the seeded registries hold, per repository (on A unless named `B:`): the digests examples may ask for. */
interface Seeded {
  manifest: string;
  blob: string;
}

describe("every example in every --help and README runs", () => {
  const a = useRegistry("none");
  const b = useRegistry("none");
  const examples = allExamples();
  const seeded = new Map<string, Seeded>();
  let fixtures: string;
  let bin: string;
  /** The CLI's code cache, shared by the examples as a user's ~/.cache outlives each command (as in test-cli.ts). */
  let codeCache: string;
  let reseed: (script?: string) => Promise<void>;
  /** Temp directories (fixtures, the bin, one per example), removed at the end. */
  const temps: string[] = [];
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    temps.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  });

  beforeAll(async () => {
    const index = await generateIndex({
      platforms: ["linux/amd64", "linux/arm64/v8"],
      layers: [512],
      seed: "ex",
      // Files for `regatta cat`, `ls` and `export` to read (issue 14).
      fileLayers: [
        [
          { name: "etc/", type: "directory" },
          { name: "etc/os-release", content: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.0\n' },
          { name: "etc/alpine-release", content: "3.20.0\n" },
        ],
      ],
    });
    const docker = await generateImage({ layers: [256, 256], mediaTypes: "docker", seed: "ex-docker" });
    const image = await generateImage({ layers: [256], seed: "ex-image" });
    // A second platform for `index create` to list beside team/api's linux/amd64.
    const arm64 = await generateImage({ layers: [256], seed: "ex-arm64", platform: "linux/arm64/v8" });
    // Repository → tags and content: what the examples name, once rewritten.
    const seeds: [string, string, string[], GeneratedImage | GeneratedIndex][] = [
      [a.url, "library/alpine", ["latest", "3.20"], index],
      [a.url, "alpine", ["latest", "3.20"], index],
      [a.url, "library/ubuntu", ["latest"], docker],
      [a.url, "ubuntu", ["latest"], docker],
      [a.url, "library/busybox", ["1.36", "latest"], image],
      [a.url, "team/api", ["1.0", "latest"], image],
      [a.url, "team/api-arm64", ["1.0"], arm64],
      [a.url, "org/app", ["latest", "1", "1.4"], index],
      [a.url, "app", ["1.4"], image],
      [a.url, "base", ["latest"], image],
      [a.url, "a", ["1"], image],
      [a.url, "team/app", ["old", "latest"], image],
      [a.url, "team/old", ["1"], image],
      [a.url, "my/repo", ["seed"], docker],
      [b.url, "team/api", ["1.0"], image],
    ];
    // After an example that writes: the seeded repositories it names get their tags back (a deleted manifest, a
    // moved tag), so the next example sees the same registries whatever ran before it.
    reseed = async (script = "") => {
      for (const [url, repo, tags, content] of seeds) {
        if (script && !script.includes(`${new URL(url).host}/${repo}`)) continue;
        for (const tag of tags) await pushImage(url, repo, tag, content);
      }
    };
    await reseed();
    for (const [url, repo, , content] of seeds) {
      const first = content.kind === "index" ? content.children[0]! : content;
      seeded.set(`${url === b.url ? "B:" : ""}${repo}`, {
        manifest: content.kind === "index" ? content.index.digest : content.manifest.digest,
        blob: first.layers[0]!.digest,
      });
    }

    // Input files the examples name, written once and copied into each example's directory.
    fixtures = tempDir("regatta-examples-fixtures-");
    for (const name of [
      "layer.tar.gz",
      "layer.tgz",
      "blob",
      "README.md",
      "guide.pdf",
      "sbom.json",
      "app.sig",
    ])
      writeFileSync(join(fixtures, name), `${name} bytes\n`);
    writeFileSync(join(fixtures, "token.txt"), "example-password\n");
    for (const name of ["manifest.json", "manifest"])
      writeFileSync(join(fixtures, name), docker.manifest.bytes);
    const reg = createClient(a.host);
    try {
      await reg.pull([`${a.host}/library/alpine:3.20`], join(fixtures, "alpine.tar"), { format: "docker" });
      await reg.pull([`${a.host}/library/alpine:3.20`], join(fixtures, "layout"), { format: "oci" });
      await reg.pull([`${a.host}/a:1`], join(fixtures, "oci"), { format: "oci" });
      await reg.pull([`${a.host}/library/ubuntu`], join(fixtures, "ubuntu"), { format: "dir" });
    } finally {
      await reg.close();
    }

    // `regatta` on PATH: the built CLI, logging each run's exit status so a pipeline cannot hide a failure.
    // Each example has a HOME of its own; without a cache that outlives it, every run of regatta compiled the CLI's
    // chunks afresh and wrote their code cache at exit (0.07 s of CPU more a run than reading it on Node 20, 22, 24).
    codeCache = tempDir("regatta-examples-cache-");
    bin = tempDir("regatta-examples-bin-");
    writeFileSync(
      join(bin, "regatta"),
      `#!/bin/sh\n"${process.execPath}" "${BIN}" "$@"\ncode=$?\nprintf '%s regatta %s\\n' "$code" "$*" >> "$REGATTA_EXAMPLE_LOG"\nexit $code\n`,
      { mode: 0o755 },
    );
  }, 120_000);

  /** The example with hosts, short names and digest placeholders pointing at the seeded registries. */
  function rewrite(text: string): string {
    const hosts = (list: string[]) => list.map((h) => h.replace(/\./g, "\\.")).join("|");
    // Hosts anywhere (a variable such as R=localhost:5000/my/repo too), then names and digests word by word.
    return text
      .replace(new RegExp(`(?<![\\w.-])(${hosts(HOSTS_A)})(?=/|\\s|$)`, "gm"), a.host)
      .replace(new RegExp(`(?<![\\w.-])(${hosts(HOSTS_B)})(?=/|\\s|$)`, "gm"), b.host)
      .split("\n")
      .map((line) =>
        line
          .split(/(\|\||&&|[|;])/)
          .map((segment) => {
            const ws = words(segment);
            const at = ws.indexOf("regatta");
            if (at < 0) return segment;
            const command = subcommand(ws.slice(at + 1));
            let lastRepo = "";
            return segment.replace(
              /(?<=^|\s)(["']?)([^\s"']+)\1(?=\s|$)/g,
              (word, quote: string, value: string) => {
                const out = rewriteWord(value, command, lastRepo);
                if (out.repo) lastRepo = out.repo;
                return out.value === value ? word : `${quote}${out.value}${quote}`;
              },
            );
          })
          .join(""),
      )
      .join("\n");
  }

  function rewriteWord(value: string, command: string, lastRepo: string): { value: string; repo?: string } {
    const digestOf = (repo: string) => {
      const known = seeded.get(repo);
      if (!known) return undefined;
      return BLOB_COMMANDS.has(command) ? known.blob : known.manifest;
    };
    // A lone digest placeholder: the digest of the repository named before it.
    if (/^sha256:[0-9a-f]*…$/.test(value)) return { value: digestOf(lastRepo) ?? value };
    const ref =
      /^(?:([\w.-]+(?::\d+)?)\/)?([a-z0-9][\w./-]*?)(?::([\w.-]+))?(?:@(sha256:[0-9a-f]*…?))?$/.exec(value);
    if (!ref) return { value };
    const [, host, path = "", tag, digest] = ref;
    let registry: string;
    let repo: string;
    if (host === a.host) [registry, repo] = [a.host, path];
    else if (host === b.host) [registry, repo] = [b.host, path];
    else if (!host && SHORT_NAMES.includes(path.split("/")[0] ?? "") && !path.includes("/"))
      [registry, repo] = [a.host, `library/${path}`];
    else return { value };
    const key = registry === b.host ? `B:${repo}` : repo;
    const pinned = digest?.endsWith("…") ? (digestOf(key) ?? digest) : digest;
    return { value: `${registry}/${repo}${tag ? `:${tag}` : ""}${pinned ? `@${pinned}` : ""}`, repo: key };
  }

  /** Runs a rewritten example with bash in `cwd`; resolves with the exit status, output and every regatta's status. */
  function runExample(script: string, cwd: string, stdin: string) {
    const log = join(cwd, ".regatta-runs");
    writeFileSync(log, "");
    return new Promise<{ code: number; output: string; runs: string[] }>((resolve) => {
      const child = spawn("bash", ["-c", script], {
        cwd,
        env: {
          PATH: `${bin}:${process.env.PATH ?? ""}`,
          HOME: cwd,
          DOCKER_CONFIG: join(cwd, ".docker"),
          XDG_CACHE_HOME: codeCache,
          REGATTA_EXAMPLE_LOG: log,
          // Credentials the examples name without giving (`--src-username me`): the registries ask for none.
          // …and the ones examples pipe in (`echo "$TOKEN" | regatta login … --password-stdin`).
          PASSWORD: "example-password",
          TOKEN: "example-password",
          GHCR_TOKEN: "example-password",
          REGATTA_SRC_PASSWORD: "example-password",
          REGATTA_DEST_PASSWORD: "example-password",
          REGATTA_REPL_HISTORY: "",
          // Only the loopback registries are reachable: an example whose name escaped the rewriting (a new Docker Hub
          // short name) fails here instead of quietly passing against the real Docker Hub on a networked machine.
          HTTPS_PROXY: "http://127.0.0.1:9",
          HTTP_PROXY: "http://127.0.0.1:9",
          NO_PROXY: "127.0.0.1,localhost",
        },
      });
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d.toString("utf8")));
      child.stderr.on("data", (d: Buffer) => (output += d.toString("utf8")));
      // A command that exits before reading its stdin closes the pipe: its EPIPE is no failure of the example.
      child.stdin.on("error", () => {});
      child.stdin.end(stdin);
      child.on("close", (code) =>
        resolve({
          code: code ?? -1,
          output,
          runs: readFileSync(log, "utf8").split("\n").filter(Boolean),
        }),
      );
    });
  }

  it("finds the examples: every help section and README block that shows one", () => {
    const sources = new Set(examples.map((e) => e.source));
    for (const source of ["regatta --help", "regatta copy --help", "regatta pull --help", ...READMES])
      expect(sources).toContain(source);
    expect(examples.length).toBeGreaterThan(50);
    expect(examples.map((e) => e.text)).toContain(
      "regatta copy alpine:3.20 localhost:5000/mirror/alpine --platform linux/amd64,linux/arm64",
    );
  });

  it("the parse-only list stays short, and every entry on it still matches an example", () => {
    expect(PARSE_ONLY.length).toBeLessThanOrEqual(3);
    for (const [pattern] of PARSE_ONLY) expect(examples.some((e) => pattern.test(e.text))).toBe(true);
  });

  it("rewrites names, hosts and digest placeholders to the seeded registries", () => {
    const digest = seeded.get("library/alpine")!;
    expect(rewrite("regatta blob alpine@sha256:… -o layer.tgz")).toBe(
      `regatta blob ${a.host}/library/alpine@${digest.blob} -o layer.tgz`,
    );
    expect(rewrite("regatta manifest localhost:5000/library/alpine@sha256:e435…")).toBe(
      `regatta manifest ${a.host}/library/alpine@${digest.manifest}`,
    );
    expect(rewrite("regatta copy localhost:5000/team/api:1.0 localhost:5001/team/api")).toBe(
      `regatta copy ${a.host}/team/api:1.0 ${b.host}/team/api`,
    );
    expect(rewrite('regatta tags alpine --json | jq -r ".tags[]"')).toBe(
      `regatta tags ${a.host}/library/alpine --json | jq -r ".tags[]"`,
    );
  });

  /** Runs one example (or, for one on the parse-only list, parses its regatta commands) and checks it worked. */
  async function check(text: string, expect: ExpectStatic): Promise<void> {
    const stripped = stripComment(text);
    const parseOnlyBecause = PARSE_ONLY.find(([pattern]) => pattern.test(stripped))?.[1];
    const script = rewrite(stripped);
    const commands = regattaCommands(script);
    expect(commands.length, "an example runs regatta").toBeGreaterThan(0);
    if (parseOnlyBecause) {
      // Parsing must still succeed: commander throws on an unknown option or a missing argument.
      for (const args of commands) expect(parseOnly(args).command).toBeTruthy();
      return;
    }
    const cwd = tempDir("regatta-example-");
    // Input files for examples that read them; a pull writes its own (and may refuse to overwrite).
    if (!commands.some((args) => subcommand(args) === "pull")) cpSync(fixtures, cwd, { recursive: true });
    mkdirSync(join(cwd, ".docker"), { recursive: true });
    const stdin = /--password-stdin/.test(script) ? "example-password\n" : "";
    const result = await runExample(`set -o pipefail\n${script}`, cwd, stdin);
    expect(result.code ? result.output : "", `${script}\n→ exit ${result.code}`).toBe("");
    expect(result.code).toBe(0);
    expect(result.runs.length).toBeGreaterThan(0);
    expect(result.runs.filter((r) => !r.startsWith("0 "))).toEqual([]);
  }

  const writes = (e: Example) => regattaCommands(e.text).some((args) => WRITES.has(subcommand(args)));
  // Examples that only read from the registries run side by side; each gets its own directory.
  it.concurrent.for(examples.filter((e) => !writes(e)).map((e) => [e.source, e.text] as const))(
    "%s: %s",
    { timeout: EXAMPLE_TIMEOUT_MS },
    async ([, text], { expect }) => check(text, expect),
  );
  // Examples that write run one at a time, each followed by a reseed of what it named.
  it.for(examples.filter(writes).map((e) => [e.source, e.text] as const))(
    "%s: %s",
    { timeout: EXAMPLE_TIMEOUT_MS },
    async ([, text], { expect }) => {
      try {
        await check(text, expect);
      } finally {
        await reseed(rewrite(stripComment(text)));
      }
    },
  );
});
