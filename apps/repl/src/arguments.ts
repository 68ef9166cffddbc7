/**
 * The REPL's argument check: nothing type-checks what is typed at the prompt, so `reg.tags()` or `reg.manifest(42)`
 * reached the library and failed deep inside it with a TypeError (`ref.familiar is not a function`, QA repl.md
 * finding 7). Every call of a REPL client goes through here first (repl-client.ts), with the parameters the method
 * catalog lists for it: a missing required argument, or one of the wrong kind, is a UsageError naming the call,
 * its parameters and what the argument takes.
 */
import { Reference, RepositoryReference, UsageError, unknownOptionError, verbOptions } from "@regatta/client";
import { acceptedOptions, type MethodEntry, optionName } from "./method-catalog.js";

type Check = { takes: string; ok: (value: unknown) => boolean };

const isText = (value: unknown) => typeof value === "string";
/** A reference or repository: its text, or a parsed one (`parseReference(…)`). */
const isReferenceLike = (value: unknown) =>
  typeof value === "string" || value instanceof Reference || value instanceof RepositoryReference;
/** An options object: a plain object (from the REPL's realm or ours), not an array, a function or a primitive. */
const isObject = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value);

/** What each parameter name of the catalog takes. A name not listed here is not checked. */
const CHECKS: Record<string, Check> = {
  reference: { takes: 'an image reference such as "team/api:1.0"', ok: isReferenceLike },
  source: { takes: 'an image reference such as "team/api:1.0"', ok: isReferenceLike },
  a: { takes: 'an image reference such as "team/api:1.0"', ok: isReferenceLike },
  b: { takes: 'an image reference such as "team/api:1.1"', ok: isReferenceLike },
  repository: { takes: 'a repository name such as "team/api"', ok: isReferenceLike },
  from: { takes: 'a repository name such as "team/api"', ok: isReferenceLike },
  to: { takes: 'a repository name such as "team/mirror"', ok: isReferenceLike },
  references: {
    takes: 'an image reference or a list of them, such as ["team/api:1.0"]',
    ok: (value) => isReferenceLike(value) || Array.isArray(value),
  },
  digest: { takes: 'a digest such as "sha256:…"', ok: isText },
  substring: { takes: "text to look for in repository names", ok: isText },
  path: { takes: 'a path in the image such as "/etc/os-release"', ok: isText },
  directory: { takes: "a directory path", ok: isText },
  registry: { takes: 'a registry such as "localhost:5000"', ok: isText },
  platform: { takes: 'a platform such as "linux/arm64"', ok: isText },
  options: { takes: "an options object { … }", ok: isObject },
  defaults: { takes: "an object of defaults { … }", ok: isObject },
  edits: { takes: "an object of edits { … }", ok: isObject },
};

/** Parameters whose name means something else in one call: `push`'s and `pushBlob`'s source is a file or the bytes. */
const UNCHECKED: Record<string, readonly string[]> = { push: ["source"], pushBlob: ["source"] };

interface Param {
  name: string;
  optional: boolean;
}

const parsed = new Map<string, Param[]>();

/** `(source, target, options?)` as names with their optionality. */
function paramsOf(entry: MethodEntry): Param[] {
  let params = parsed.get(entry.name);
  if (!params) {
    params = entry.params
      .replace(/^\(|\)$/g, "")
      .split(",")
      .map((p) => p.trim())
      .filter((p) => /^[A-Za-z]+\??$/.test(p))
      .map((p) => ({ name: p.replace(/\?$/, ""), optional: p.endsWith("?") }));
    parsed.set(entry.name, params);
  }
  return params;
}

/** How a value that is not what a parameter takes is named in the message. */
function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string")
    return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "function") return "a function";
  if (typeof value === "object") return "an object";
  return `the ${typeof value} ${String(value)}`;
}

/**
 * Throws a UsageError when `args` do not fit `entry`'s parameters: a required one missing, or one of a kind it does
 * not take (`reg.manifest(42)`). Optional parameters may be left out or `undefined`.
 */
export function checkArguments(entry: MethodEntry, args: readonly unknown[]): void {
  const params = paramsOf(entry);
  params.forEach((param, i) => {
    const value = args[i];
    const check = UNCHECKED[entry.name]?.includes(param.name) ? undefined : CHECKS[param.name];
    if (value === undefined) {
      if (param.optional) return;
      throw new UsageError(
        `reg.${entry.name}${entry.params} needs ${param.name}${check ? `: ${check.takes}` : ""}`,
      );
    }
    if (check && !check.ok(value)) {
      throw new UsageError(
        `reg.${entry.name}${entry.params}: ${param.name} takes ${check.takes}, not ${describe(value)}`,
      );
    }
    if (param.name === "options" && verbOptions(entry.name)) checkOptionNames(entry, value as object);
  });
}

/**
 * An option the call does not take is refused naming the ones it does, from the list `help(reg.x)` shows
 * ({@link acceptedOptions}: the library's and the REPL's own, such as reg.tags's `sort`), before the library's check,
 * whose list lacks the REPL's own.
 */
function checkOptionNames(entry: MethodEntry, options: object): void {
  const names = acceptedOptions(entry).map(optionName);
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && !names.includes(key))
      throw unknownOptionError(`reg.${entry.name}${entry.params}`, "options", key, names);
  }
}
