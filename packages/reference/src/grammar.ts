/**
 * The reference grammar of github.com/distribution/reference (regexp.go), checked piece by piece so that an error can
 * say which character broke which rule. Each check is equivalent to the matching regexp of distribution:
 *
 *   domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
 *   host             := domain-component ('.' domain-component)* | '[' [a-fA-F0-9:]+ ']'
 *   domain           := host (':' [0-9]+)?
 *   path-component   := [a-z0-9]+ (([._] | '__' | '-'+) [a-z0-9]+)*
 *   path             := path-component ('/' path-component)*
 *   tag              := [\w][\w.-]{0,127}
 */

import { charAt, type Problem } from "@regatta/errors";
import { REPOSITORY_NAME_MAX_LENGTH, TAG_MAX_LENGTH } from "./constants.js";

const DOMAIN_COMPONENT = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const ALPHANUMERIC = /[a-z0-9]/;
const TAG_CHAR = /[\w.-]/;
/** docker refuses a bare image ID as a name, so that `docker run <id>` is never mistaken for `library/<id>`. */
const IMAGE_ID = /^[a-f0-9]{64}$/;

/** Whether `input` is a bare 64-hex image ID, which distribution refuses as a repository name. */
export function isImageId(input: string): boolean {
  return IMAGE_ID.test(input);
}

/**
 * The first problem with a registry host (`ghcr.io`, `localhost:5000`, `[::1]:5000`), or undefined. Uppercase is
 * allowed here (DNS is case-insensitive and distribution keeps it as written); zone IDs and dotted IPv6 are not.
 */
export function findHostProblem(host: string): Problem | undefined {
  if (host === "") return { reason: "registry host is empty", part: host, offset: 0 };
  let portStart: number;
  if (host.startsWith("[")) {
    const close = host.indexOf("]");
    if (close < 0) return { reason: "IPv6 address is missing its closing ']'", part: "[", offset: 0 };
    const inner = host.slice(1, close);
    if (inner === "") return { reason: "IPv6 address is empty", part: "[]", offset: 0 };
    const bad = inner.search(/[^a-fA-F0-9:]/);
    if (bad >= 0) {
      return {
        reason: "IPv6 address may hold only hex digits and ':' (no zone ID, no dotted IPv4)",
        part: charAt(inner, bad),
        offset: bad + 1,
      };
    }
    portStart = close + 1;
    if (portStart < host.length && host[portStart] !== ":") {
      return {
        reason: "unexpected text after the IPv6 address",
        part: host.slice(portStart),
        offset: portStart,
      };
    }
  } else {
    const colon = host.indexOf(":");
    if (colon >= 0 && host.indexOf(":", colon + 1) >= 0) {
      return {
        reason: "an IPv6 registry must be written in brackets, like [::1]:5000",
        part: host,
        offset: 0,
      };
    }
    portStart = colon < 0 ? host.length : colon;
    if (portStart === 0) return { reason: "registry host name is empty", part: host, offset: 0 };
    let offset = 0;
    for (const label of host.slice(0, portStart).split(".")) {
      if (label === "") {
        return {
          reason: "registry host name has an empty label",
          part: ".",
          offset: Math.max(0, offset - 1),
        };
      }
      if (!DOMAIN_COMPONENT.test(label)) {
        const bad = label.search(/[^a-zA-Z0-9-]/);
        if (bad >= 0) {
          return {
            reason: "invalid character in registry host name",
            part: charAt(label, bad),
            offset: offset + bad,
          };
        }
        return { reason: "a registry host name label may not start or end with '-'", part: label, offset };
      }
      offset += label.length + 1;
    }
  }
  if (portStart < host.length) {
    const port = host.slice(portStart + 1);
    if (port === "") return { reason: "registry port is empty", part: ":", offset: portStart };
    const bad = port.search(/[^0-9]/);
    if (bad >= 0) {
      return { reason: "registry port must be digits", part: port, offset: portStart + 1 };
    }
    // distribution's grammar takes any digits and docker fails later ("invalid port"); a URL cannot hold a port
    // above 65535 (WHATWG URL: `new URL()` throws) and port 0 is nobody's, so both are refused here, where the
    // column can be named (QA library6 F2). A leading zero is refused too: URL parsers read 05000 as 5000, so the
    // registry would have two names (credentials, tokens and scopes are keyed by the name as written).
    const value = port.replace(/^0+/, "");
    if (value === "" || value.length > 5 || Number(value) > 65535) {
      return { reason: "registry port must be 1–65535", part: port, offset: portStart + 1 };
    }
    if (value !== port) {
      return {
        reason: `registry port must not start with 0 (write ${value})`,
        part: port,
        offset: portStart + 1,
      };
    }
  }
  return undefined;
}

/**
 * The first problem with a repository path (`library/alpine`, `a/b/c/d`), or undefined. Uppercase is reported first,
 * as docker's ParseNormalizedNamed does, because it is the commonest mistake and has the clearest fix.
 */
export function findPathProblem(path: string): Problem | undefined {
  if (path === "") return { reason: "repository name is missing", part: path, offset: 0 };
  const upper = path.search(/[A-Z]/);
  if (upper >= 0)
    return { reason: "repository name must be lowercase", part: charAt(path, upper), offset: upper };
  let offset = 0;
  for (const component of path.split("/")) {
    const problem = findComponentProblem(component, offset);
    if (problem) return problem;
    offset += component.length + 1;
  }
  return undefined;
}

/**
 * A problem if a repository path is longer than distribution allows. Checked on the normalised path (after
 * `library/` is added), as distribution does; the part reported is what runs past the limit.
 */
export function findPathLengthProblem(path: string): Problem | undefined {
  if (path.length <= REPOSITORY_NAME_MAX_LENGTH) return undefined;
  return {
    reason: `repository name is ${path.length} characters, the limit is ${REPOSITORY_NAME_MAX_LENGTH}`,
    part: path.slice(REPOSITORY_NAME_MAX_LENGTH),
    offset: REPOSITORY_NAME_MAX_LENGTH,
  };
}

function findComponentProblem(component: string, offset: number): Problem | undefined {
  if (component === "") {
    return {
      reason: "repository name has an empty path component",
      part: "/",
      offset: Math.max(0, offset - 1),
    };
  }
  const bad = component.search(/[^a-z0-9._-]/);
  if (bad >= 0) {
    return {
      reason: "invalid character in repository name",
      part: charAt(component, bad),
      offset: offset + bad,
    };
  }
  if (!ALPHANUMERIC.test(charAt(component, 0)) || !ALPHANUMERIC.test(component.at(-1)!)) {
    return {
      reason: "a repository path component must start and end with a letter or digit",
      part: component,
      offset,
    };
  }
  // Between alphanumerics distribution allows one '.', one '_', '__', or any run of '-', and nothing else.
  for (const match of component.matchAll(/[._-]+/g)) {
    const separator = match[0];
    if (separator !== "." && separator !== "_" && separator !== "__" && !/^-+$/.test(separator)) {
      return {
        reason: "invalid separator in repository name (use one '.', one or two '_', or dashes)",
        part: separator,
        offset: offset + match.index,
      };
    }
  }
  return undefined;
}

/** The first problem with a tag (`[\w][\w.-]{0,127}`), or undefined. */
export function findTagProblem(tag: string): Problem | undefined {
  if (tag === "") return { reason: "tag is empty", offset: 0 };
  if (!/\w/.test(charAt(tag, 0))) {
    return { reason: "a tag must start with a letter, a digit or '_'", part: charAt(tag, 0), offset: 0 };
  }
  for (let i = 1; i < tag.length; i++) {
    if (!TAG_CHAR.test(charAt(tag, i)))
      return { reason: "invalid character in tag", part: charAt(tag, i), offset: i };
  }
  if (tag.length > TAG_MAX_LENGTH) {
    return {
      reason: `tag is ${tag.length} characters, the limit is ${TAG_MAX_LENGTH}`,
      part: tag.slice(TAG_MAX_LENGTH),
      offset: TAG_MAX_LENGTH,
    };
  }
  return undefined;
}
