import { runInContext } from "node:vm";
import { RegistryClient } from "@regatta/client";

/** Methods whose first argument is a repository only (no `:tag`). Every other client method takes a reference. */
const REPOSITORY_METHODS = new Set([
  "tags",
  "allTags",
  "tagPages",
  "blob",
  "blobSize",
  "hasBlob",
  "search",
  "pushBlob",
  "mountBlob",
  "deleteBlob",
  "deleteRepository",
]);

/** Methods whose first argument is not a registry name at all (`push` reads a path). */
const NOT_NAMES = new Set(["push"]);

/** A call's open string argument at the end of the line: `reg.manifest("team/api:1`. */
const STRING_ARGUMENT = /([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\.([A-Za-z_$][\w$]*)\(\s*(["'`])([^"'`]*)$/;
/** A property access at the end of the line: `reg.ma`, `manifests.MEDIA_`. */
const MEMBER = /(?:^|[^\w$.])([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\.([\w$]*)$/;
/** A bare identifier at the end of the line: `parseRe`. */
const IDENTIFIER = /(?:^|[^\w$.])([A-Za-z_$][\w$]*)$/;
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
  const argument = STRING_ARGUMENT.exec(line);
  if (argument) {
    const [, path = "", method = "", , partial = ""] = argument;
    const target = resolvePath(globalOf(context), path);
    if (!(target instanceof RegistryClient) || NOT_NAMES.has(method)) return [[], partial];
    return completeName(target, method, partial, options.timeoutMs, names);
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

async function completeName(
  reg: RegistryClient,
  method: string,
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
    if (REPOSITORY_METHODS.has(method)) return [[], partial];
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
  return [...names].filter((n) => !n.startsWith("_"));
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
 */
export class NameCache {
  readonly #entries = new Map<string, Entry>();

  clear(): void {
    this.#entries.clear();
  }

  repositories(reg: RegistryClient, timeoutMs: number): Promise<string[]> {
    return this.#get(`${reg.registry}`, timeoutMs, (signal) => reg.repositories({ signal }));
  }

  tags(reg: RegistryClient, repository: string, timeoutMs: number): Promise<string[]> {
    return this.#get(`${reg.registry} ${repository}`, timeoutMs, (signal) =>
      reg.allTags(repository, { signal }),
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
