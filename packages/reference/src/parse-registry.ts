import {
  describeProblem,
  InvalidReferenceError,
  type Problem,
  quoteText,
  shiftProblem,
} from "@regatta/errors";
import { apiHostOf } from "./constants.js";
import { findHostProblem } from "./grammar.js";
import { foldDockerHub } from "./normalize-registry.js";

/** A registry address, normalised the way references are. */
export interface ParsedRegistry {
  /** The registry name as it appears in references: `docker.io`, `ghcr.io`, `localhost:5000`. */
  registry: string;
  /** The scheme, only when the input named one (`https://r.example`). */
  scheme?: "http" | "https";
  /** Where API requests go: `registry-1.docker.io` for Docker Hub, else {@link ParsedRegistry.registry}. */
  apiHost: string;
}

/**
 * Paths a registry address may carry and still mean the registry: `/v1/` is how docker's config.json keys Docker Hub
 * (`https://index.docker.io/v1/`), `/v2/` is the API root people copy from a browser.
 */
const IGNORED_PATHS = new Set(["", "/", "/v1", "/v1/", "/v2", "/v2/"]);

/**
 * Parses a registry address as a user or a config file writes it: `localhost:5000`, `https://r.example`,
 * `http://127.0.0.1:5000/`, `docker.io`, `index.docker.io` (→ `docker.io`), `https://index.docker.io/v1/`.
 * @throws InvalidReferenceError for another scheme, a path, credentials, or a host outside the distribution grammar;
 *   the message names the bad part and its column (credentials are never echoed).
 */
export function parseRegistry(input: string): ParsedRegistry {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(input);
  const start = scheme ? scheme[0].length : 0;
  const slash = input.indexOf("/", start);
  const end = slash < 0 ? input.length : slash;
  const authority = input.slice(start, end);
  const at = authority.lastIndexOf("@");
  // Credentials in an address would end up in logs and error messages: refuse them without repeating them.
  const shown = at < 0 ? input : `${input.slice(0, start)}***${input.slice(start + at)}`;
  const fail = (problem: Problem): never => {
    throw new InvalidReferenceError(`invalid registry ${quoteText(shown)}: ${describeProblem(problem)}`);
  };
  if (input === "") fail({ reason: "registry is empty", offset: 0 });
  const blank = input.search(/\s/);
  if (blank >= 0) fail({ reason: "whitespace is not allowed", part: input[blank]!, offset: blank });
  let parsedScheme: "http" | "https" | undefined;
  if (scheme) {
    const name = scheme[1]!.toLowerCase();
    if (name !== "http" && name !== "https") {
      fail({ reason: "the scheme must be http or https", part: scheme[0], offset: 0 });
    }
    parsedScheme = name as "http" | "https";
  }
  if (at >= 0) {
    fail({ reason: "credentials do not belong in a registry address", part: "***@", offset: start });
  }
  const path = input.slice(end);
  if (!IGNORED_PATHS.has(path)) {
    fail({
      reason: "a registry address has no repository path (parse it as a reference)",
      part: path,
      offset: end,
    });
  }
  const problem = findHostProblem(authority);
  if (problem) fail(shiftProblem(problem, start));
  const registry = foldDockerHub(authority);
  return { registry, ...(parsedScheme ? { scheme: parsedScheme } : {}), apiHost: apiHostOf(registry) };
}
