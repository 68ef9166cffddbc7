/**
 * Internal: docker's ParseNormalizedNamed (distribution/reference normalize.go), step by step, reporting every problem
 * with its column in the string the user typed.
 */
import {
  describeProblem,
  InvalidDigestError,
  InvalidReferenceError,
  type Problem,
  quoteText,
  shiftProblem,
} from "@regatta/errors";
import { findDigestProblem } from "@regatta/manifest";
import { DEFAULT_REGISTRY } from "./constants.js";
import {
  findHostProblem,
  findPathLengthProblem,
  findPathProblem,
  findTagProblem,
  isImageId,
} from "./grammar.js";
import { foldDockerHub } from "./normalize-registry.js";
import { parseRegistry } from "./parse-registry.js";
import { isRegistryComponent, withOfficialNamespace } from "./repository-parts.js";

/** A reference cut into its parts, with where each part started in the input (for later errors). */
export interface SplitReference {
  registry: string;
  /** Whether the input named the registry (as opposed to the default one being used). */
  explicitRegistry: boolean;
  repository: string;
  tag?: string;
  /** Column-0 index of the ':' before the tag. */
  tagOffset?: number;
  digest?: string;
  /** Column-0 index of the '@' before the digest. */
  digestOffset?: number;
}

/** Builds the error for `input`; `kind` is "reference" or "repository". */
export function referenceError(
  kind: string,
  input: string,
  problem: Problem,
  cause?: unknown,
): InvalidReferenceError {
  const message = `invalid ${kind} ${quoteText(shownInput(input))}: ${describeProblem(problem)}`;
  return new InvalidReferenceError(message, cause ? { cause } : {});
}

/** Longest input echoed whole in an error; a longer one is cut in the middle (a 100 000-character tag). */
const SHOWN_INPUT = 200;

/**
 * The input as an error may echo it: without the password of a `user:password@` (a URL pasted with its credentials),
 * and cut to {@link SHOWN_INPUT} characters, since a problem's part and column already say where it is.
 */
function shownInput(input: string): string {
  const safe = withoutPassword(input);
  if (safe.length <= SHOWN_INPUT) return safe;
  return `${safe.slice(0, SHOWN_INPUT / 2)}…${safe.slice(-SHOWN_INPUT / 4)}`;
}

/**
 * `text` with the password of a leading `[scheme:][//]user:password@` masked. An `@` starts userinfo unless what
 * follows it reads as a digest (`algorithm:hex`): `alpine:3.20@sha256:…` keeps its tag, `bob:pw@host/repo`,
 * `//bob:pw@host` and `bob:pw@host` (no path) lose the password.
 */
function withoutPassword(text: string): string {
  const start = /^(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?\/\//.exec(text)?.[0].length ?? 0;
  const slash = text.indexOf("/", start);
  const head = slash < 0 ? text : text.slice(0, slash);
  const first = head.indexOf("@", start);
  if (first < 0 || looksLikeDigest(head.slice(first + 1))) return text;
  // The last @ ends the userinfo: a password may hold one.
  const at = head.lastIndexOf("@");
  const colon = head.indexOf(":", start);
  if (colon < 0 || colon > at) return text;
  return `${text.slice(0, colon + 1)}REDACTED${text.slice(at)}`;
}

/** `sha256:…` and the like after an `@`: a known algorithm, or any `name:` before six hex digits (never `host:5000`). */
function looksLikeDigest(text: string): boolean {
  const m = /^([a-z][a-z0-9]*(?:[.+_-][a-z0-9]+)*):([0-9a-fA-F]*)/.exec(text);
  return m !== null && (/^(?:sha256|sha384|sha512|blake3)$/.test(m[1]!) || m[2]!.length >= 6);
}

/**
 * Splits and validates a reference. `defaultRegistry` is already normalised (see {@link resolveDefaultRegistry}).
 * @throws InvalidReferenceError naming the input, the rule broken, and the offending part with its column.
 */
export function splitReference(input: string, defaultRegistry: string, kind = "reference"): SplitReference {
  const fail = (problem: Problem, cause?: unknown): never => {
    throw referenceError(kind, input, problem, cause);
  };
  if (input === "") fail({ reason: `${kind} is empty`, offset: 0 });
  const blank = input.search(/\s/);
  if (blank >= 0) fail({ reason: "whitespace is not allowed", part: input[blank]!, offset: blank });
  if (isImageId(input)) {
    fail({
      reason:
        "cannot specify 64-byte hexadecimal strings as a repository name (that is an image ID; " +
        "name the repository and add @sha256:<hex>)",
      part: input.slice(0, 12),
      offset: 0,
    });
  }
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.exec(input);
  if (scheme) fail({ reason: `a ${kind} has no scheme, remove it`, part: scheme[0], offset: 0 });

  // The first '/' always ends the registry, if there is one: neither tags nor digests contain '/'.
  const slash = input.indexOf("/");
  const first = slash < 0 ? undefined : input.slice(0, slash);
  // An '@' before the first '/' is a URL's userinfo (`user:password@host/repo`), never part of a reference.
  const userinfo = first?.lastIndexOf("@") ?? -1;
  if (userinfo >= 0) {
    fail({
      reason:
        "credentials do not go in a reference: give them with --username and --password-stdin (or login)",
      part: withoutPassword(first!.slice(0, userinfo + 1)),
      offset: 0,
    });
  }
  const explicitRegistry = first !== undefined && isRegistryComponent(first);
  let registry = defaultRegistry;
  let restOffset = 0;
  if (explicitRegistry) {
    const hostProblem = findHostProblem(first);
    if (hostProblem) fail(hostProblem);
    registry = foldDockerHub(first);
    restOffset = slash + 1;
  }

  // name [":" tag] ["@" digest]: after the registry, a ':' can only start the tag and an '@' only the digest.
  const rest = input.slice(restOffset);
  const at = rest.indexOf("@");
  const beforeDigest = at < 0 ? rest : rest.slice(0, at);
  const colon = beforeDigest.indexOf(":");
  const path = colon < 0 ? beforeDigest : beforeDigest.slice(0, colon);

  const pathProblem = findPathProblem(path);
  if (pathProblem) fail(shiftProblem(pathProblem, restOffset));
  const repository = withOfficialNamespace(registry, path);
  const lengthProblem = findPathLengthProblem(repository);
  if (lengthProblem) fail(shiftProblem(lengthProblem, restOffset - (repository.length - path.length)));

  const result: SplitReference = { registry, explicitRegistry, repository };
  if (colon >= 0) {
    const tag = beforeDigest.slice(colon + 1);
    const tagOffset = restOffset + colon;
    if (tag === "") fail({ reason: "tag after ':' is empty", part: ":", offset: tagOffset });
    const tagProblem = findTagProblem(tag);
    if (tagProblem) fail(shiftProblem(tagProblem, tagOffset + 1));
    result.tag = tag;
    result.tagOffset = tagOffset;
  }
  if (at >= 0) {
    const digest = rest.slice(at + 1);
    const digestOffset = restOffset + at;
    if (digest === "") fail({ reason: "digest after '@' is empty", part: "@", offset: digestOffset });
    const digestProblem = findDigestProblem(digest);
    if (digestProblem) {
      const cause = new InvalidDigestError(
        `invalid digest ${quoteText(digest)}: ${describeProblem(digestProblem)}`,
      );
      fail(shiftProblem(digestProblem, digestOffset + 1), cause);
    }
    result.digest = digest;
    result.digestOffset = digestOffset;
  }
  return result;
}

/**
 * The registry for references that name none: `docker.io`, or the caller's choice, parsed like any registry address
 * (so `index.docker.io` and `https://ghcr.io/` work too).
 */
export function resolveDefaultRegistry(defaultRegistry: string | undefined): string {
  return defaultRegistry === undefined ? DEFAULT_REGISTRY : parseRegistry(defaultRegistry).registry;
}
