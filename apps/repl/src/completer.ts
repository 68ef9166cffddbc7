import { runInContext } from "node:vm";
import { RegistryClient } from "@regatta/client";
import { isValidRepositoryPath, isValidTag } from "@regatta/reference";
import { methodEntry } from "./method-catalog.js";

/**
 * What a client method's argument names, by its parameter's name in the method catalog (method-catalog.ts): a
 * reference (`team/api:1.0`, tags complete after the colon) or a repository only (no tag). Other parameters (paths,
 * digests, options) complete nothing.
 */
const REFERENCE_PARAMETERS = new Set(["reference", "source", "target", "a", "b"]);
const REPOSITORY_PARAMETERS = new Set(["repository", "from", "to", "substring"]);

/** Parameters whose catalog name says reference but which read or write a file: `push`'s tarball, `exportFilesystem`'s tar. */
const PATH_PARAMETERS = new Set(["push source", "exportFilesystem target"]);

/** A property access at the end of the line: `reg.ma`, `manifests.MEDIA_`. */
const MEMBER = /(?:^|[^\w$.])([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\.([\w$]*)$/;
/** A bare identifier at the end of the line: `parseRe`. */
const IDENTIFIER = /(?:^|[^\w$.])([A-Za-z_$][\w$]*)$/;
/**
 * What completion may offer as a property or a global: a plain identifier. A property name can come from a registry
 * (a manifest's annotation keys, a config's labels) and readline writes candidates to the terminal as they are, so a
 * key with an escape in it would reach the terminal raw; and `m.a b` completes nothing one could type anyway.
 */
const PLAIN_IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const COMMAND = /^\s*\.(\w*)$/;

/** A completion answer as readline wants it: the candidates and the text at the end of the line they replace. */
export type Completion = [string[], string];

export interface CompleterOptions {
  /** The REPL's evaluation context (it changes on `.clear`). */
  context(): Record<string, unknown>;
  /** The REPL's dot-commands, without the dot. */
  commands(): string[];
  /** How long a TAB may wait for the registry before answering without names. */
  timeoutMs: number;
}

/**
 * Tab completion for the REPL: dot-commands, identifiers and members of the context (so `reg.<TAB>` lists the
 * client's methods), and, inside the string argument of a client method, repository names from the catalog and
 * tag names after a colon. Names are fetched once per registry (and per repository) and kept for the session; a
 * TAB waits at most `timeoutMs` for them, and the fetch goes on so the next TAB has them.
 */
export function createCompleter(options: CompleterOptions) {
  const names = new NameCache();
  const completer = (line: string, callback: (error: Error | null, result?: Completion) => void): void => {
    complete(line, options, names).then(
      (result) => callback(null, result),
      () => callback(null, [[], ""]),
    );
  };
  /** Forgets every name: after `.login` or `.connect` the lists may differ (other credentials, other registry). */
  return Object.assign(completer, { clear: () => names.clear() });
}

async function complete(line: string, options: CompleterOptions, names: NameCache): Promise<Completion> {
  const command = COMMAND.exec(line);
  if (command) {
    const word = command[1] ?? "";
    return [
      options
        .commands()
        .filter((c) => c.startsWith(word))
        .map((c) => `.${c}`),
      `.${word}`,
    ];
  }
  const context = options.context();
  const open = openStringAtEnd(line);
  if (open) {
    // Inside a string only names complete, never JavaScript: `reg.copy("a", "team/w` is no place for `writeHarFile`.
    const kind = open.call && argumentKind(context, open.call.callee, open.call.index);
    // An escape or a substitution (`team/${name}:`) is no name as typed: nothing to look up.
    if (!kind || /\\|\$\{/.test(open.partial)) return [[], open.partial];
    return completeName(kind.client, kind.tags, open.partial, options.timeoutMs, names);
  }
  const member = MEMBER.exec(line);
  if (member) {
    const [, path = "", word = ""] = member;
    const target = resolvePath(globalOf(context), path);
    if (target === undefined || target === null) return [[], word];
    return [matching(propertyNames(target), word), word];
  }
  const identifier = IDENTIFIER.exec(line);
  if (identifier) {
    const word = identifier[1] ?? "";
    const all = [...new Set([...propertyNames(globalOf(context)), "await"])];
    return [matching(all, word), word];
  }
  return [[], ""];
}

/**
 * The client a call's argument belongs to and whether it takes a tag, when the argument names a repository or an
 * image (`reg.copy(…, "` is copy's target); undefined for anything else (a path, a digest, a call of no client).
 */
function argumentKind(
  context: Record<string, unknown>,
  callee: string,
  index: number,
): { client: RegistryClient; tags: boolean } | undefined {
  const dot = callee.lastIndexOf(".");
  if (dot < 0) return undefined;
  const method = callee.slice(dot + 1);
  const client = resolvePath(globalOf(context), callee.slice(0, dot));
  if (!(client instanceof RegistryClient)) return undefined;
  const parameter = methodEntry(method)
    ?.params.replace(/^\(|\)$/g, "")
    .split(",")
    .map((p) => p.trim().replace(/\?$/, ""))[index];
  if (!parameter || PATH_PARAMETERS.has(`${method} ${parameter}`)) return undefined;
  if (REFERENCE_PARAMETERS.has(parameter)) return { client, tags: true };
  if (REPOSITORY_PARAMETERS.has(parameter)) return { client, tags: false };
  return undefined;
}

/** A string literal still open at the end of the line: what is typed in it, and the call it is an argument of. */
interface OpenString {
  partial: string;
  /** The callee as written (`reg.copy`) and the argument's position, when the string is a whole argument. */
  call?: { callee: string; index: number };
}

interface Frame {
  /** `(`, `[`, `{`, or `${` inside a template literal. */
  open: string;
  callee?: string | undefined;
  index: number;
  /** Where the current argument starts (after the `(` or the last `,`). */
  argumentStart: number;
}

/**
 * Reads `line` as JavaScript far enough to tell whether it ends inside a string literal, and of which call that
 * string is an argument: brackets, commas and template substitutions are followed; comments and regular expression
 * literals are not (a TAB there is rare, and the worst outcome is no candidates or names where none fit).
 */
export function openStringAtEnd(line: string): OpenString | undefined {
  const frames: Frame[] = [];
  let quote: string | undefined;
  let quoteStart = 0;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = undefined;
      else if (quote === "`" && ch === "$" && line[i + 1] === "{") {
        frames.push({ open: "${", index: 0, argumentStart: i + 2 });
        quote = undefined;
        i++;
      }
      continue;
    }
    const top = frames.at(-1);
    if (ch === '"' || ch === "'" || ch === "`") {
      quote = ch;
      quoteStart = i;
    } else if (ch === "(" || ch === "[" || ch === "{") {
      const callee =
        ch === "("
          ? /([A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*)\s*$/.exec(line.slice(0, i))?.[1]
          : undefined;
      frames.push({ open: ch, callee: callee?.replace(/\s+/g, ""), index: 0, argumentStart: i + 1 });
    } else if (ch === ")" || ch === "]") {
      frames.pop();
    } else if (ch === "}") {
      frames.pop();
      if (top?.open === "${") quote = "`";
    } else if (ch === "," && top) {
      top.index++;
      top.argumentStart = i + 1;
    }
  }
  if (!quote) return undefined;
  const partial = line.slice(quoteStart + 1);
  const top = frames.at(-1);
  const wholeArgument =
    top?.open === "(" && top.callee !== undefined && line.slice(top.argumentStart, quoteStart).trim() === "";
  return wholeArgument ? { partial, call: { callee: top.callee!, index: top.index } } : { partial };
}

async function completeName(
  reg: RegistryClient,
  withTags: boolean,
  partial: string,
  timeoutMs: number,
  names: NameCache,
): Promise<Completion> {
  // `127.0.0.1:5000/team/a` names the client's own registry explicitly: complete what follows the host.
  const host = `${reg.registry}/`;
  const rest = partial.startsWith(host) ? partial.slice(host.length) : partial;
  if (rest.includes("@")) return [[], partial];
  const colon = rest.indexOf(":");
  if (colon >= 0) {
    if (!withTags) return [[], partial];
    const tagPrefix = rest.slice(colon + 1);
    const tags = await names.tags(reg, rest.slice(0, colon), timeoutMs);
    return [matching(tags, tagPrefix), tagPrefix];
  }
  const repositories = await names.repositories(reg, timeoutMs);
  return [matching(repositories, rest), rest];
}

function matching(candidates: Iterable<string>, prefix: string): string[] {
  return [...candidates].filter((c) => c.startsWith(prefix)).sort();
}

/** The context's global object as code running in it sees it: the REPL's variables and the built-ins (JSON, …). */
function globalOf(context: Record<string, unknown>): Record<string, unknown> {
  return runInContext("globalThis", context) as Record<string, unknown>;
}

/** Follows `a.b.c` from the context without calling anything but getters. */
function resolvePath(context: Record<string, unknown>, path: string): unknown {
  let value: unknown = context;
  for (const key of path.split(".")) {
    if (value === null || value === undefined) return undefined;
    try {
      value = (value as Record<string, unknown>)[key];
    } catch {
      return undefined;
    }
  }
  return value;
}

/** Own and inherited property names, minus the internals (`_x`, `constructor`, a client's `ctx`). */
function propertyNames(target: unknown): string[] {
  const names = new Set<string>();
  let obj: unknown = typeof target === "object" || typeof target === "function" ? target : Object(target);
  // Up the prototype chain, short of Object.prototype and Function.prototype (of either realm: the REPL's
  // context has its own built-ins).
  while (obj && (obj === target || (Object.getPrototypeOf(obj) !== null && obj !== Function.prototype))) {
    for (const name of Object.getOwnPropertyNames(obj)) names.add(name);
    obj = Object.getPrototypeOf(obj);
  }
  for (const hidden of ["constructor", ...(target instanceof RegistryClient ? ["ctx"] : [])])
    names.delete(hidden);
  return [...names].filter((n) => !n.startsWith("_") && PLAIN_IDENTIFIER.test(n));
}

interface Entry {
  promise: Promise<string[]>;
  value?: string[];
}

/**
 * Repository and tag names per registry, fetched once and kept until {@link NameCache.clear}. Only answers are
 * kept: a failed fetch (a 401 before `.login`, a 403, a registry without a catalog, a timeout) is forgotten as soon
 * as it settles, so the next TAB asks again; caching it made completion stay empty for the whole session after one
 * auth failure, even once the user had logged in (issue 10, item 15).
 *
 * Only valid names are kept (a repository path, a tag, by @regatta/reference's grammar), as the CLI's completion
 * does: readline writes candidates to the terminal as they are and puts a single one into the line (and so the
 * history), so a registry listing a tag `\x1b]0;title\x1b\\` or a repository with an OSC 8 link in it would
 * otherwise drive the user's terminal (QA repl5, finding 1). A name that fails the grammar names nothing anyone
 * could pull anyway; printed as a result (`reg.tags(…)`) it is still shown, escaped.
 */
export class NameCache {
  readonly #entries = new Map<string, Entry>();

  clear(): void {
    this.#entries.clear();
  }

  repositories(reg: RegistryClient, timeoutMs: number): Promise<string[]> {
    return this.#get(`${reg.registry}`, timeoutMs, async (signal) =>
      (await reg.repositories({ signal })).filter(isValidRepositoryPath),
    );
  }

  tags(reg: RegistryClient, repository: string, timeoutMs: number): Promise<string[]> {
    return this.#get(`${reg.registry} ${repository}`, timeoutMs, async (signal) =>
      (await reg.allTags(repository, { signal })).filter(isValidTag),
    );
  }

  async #get(key: string, timeoutMs: number, load: (signal: AbortSignal) => Promise<string[]>) {
    let entry = this.#entries.get(key);
    if (!entry) {
      const created: Entry = {
        // A failure offers no names now and is not kept (see above); only a real answer is.
        promise: load(AbortSignal.timeout(30_000)).then(
          (value) => {
            created.value = value;
            return value;
          },
          () => {
            if (this.#entries.get(key) === created) this.#entries.delete(key);
            return [];
          },
        ),
      };
      this.#entries.set(key, created);
      entry = created;
    }
    if (entry.value) return entry.value;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<string[]>((resolve) => {
      timer = setTimeout(() => resolve([]), timeoutMs);
    });
    try {
      return await Promise.race([entry.promise, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
