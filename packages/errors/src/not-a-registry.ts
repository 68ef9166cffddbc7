/**
 * A host that is not a registry (issue 12): a web site, a reverse proxy's own page, a JSON API of something else.
 * Its answer to a `/v2/…` request is an error status, but "404 Not Found" would send the user looking for a missing
 * tag when the host itself is the mistake. The one place that judges an error answer for this, used by the transport
 * for every registry request and for the ping (`GET /v2/`).
 *
 * A registry says what it is: the Distribution API sets `Docker-Distribution-API-Version` on its answers
 * (https://distribution.github.io/distribution/spec/api/#api-version-check), and its error bodies are
 * `{"errors":[…]}` (https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#error-codes). An answer
 * with neither the header nor such a body, whose body is HTML or JSON of another shape, is not one. Only what a
 * registry's own front could also answer is left alone: an empty body (a HEAD, or a terse registry), plain text,
 * 401/403/407 (access, which has its own hints), 408/429 and 5xx (a proxy in front of a registry that is busy or
 * down is still that registry, and these are retried), 413/414/431 (a proxy's own size limits). The transport also
 * asks only about a registry that has not yet answered as one, from its own origin.
 */
import { redactUrl } from "./redact.js";
import { ProtocolError } from "./regatta-error.js";

/** The code of {@link notRegistryError}'s error, for scripts and `error.code`. */
export const NOT_A_REGISTRY = "NOT_A_REGISTRY";

/** An error answer, as the transport has it. */
export interface AnswerFacts {
  method: string;
  /** Where the answer came from (after redirects). */
  url: string | URL;
  status: number;
  /** Lower-cased response headers. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The first bytes of the body, as text (the transport caps error bodies at 64 KiB). */
  body: string;
  /** What was being done, prefixed to the message, e.g. "get manifest alpine:3.20". */
  context?: string;
}

/**
 * Access (401, 403, 407), time and rate (408, 429), and what a reverse proxy in front of a registry answers on its
 * own for a request too large for it (413, 414, 431: nginx's `client_max_body_size` on a push): not about the host.
 */
const NOT_JUDGED = new Set([401, 403, 407, 408, 413, 414, 429, 431]);

/** What kind of body this is, when it is one a registry does not send: `html`, `json`, or undefined. */
function foreignBody(contentType: string, body: string): "html" | "json" | undefined {
  const text = body.trimStart();
  if (contentType === "text/html" || contentType === "application/xhtml+xml") return "html";
  if (/^<(?:!doctype\s+html|html)[\s>]/i.test(text)) return "html";
  if (contentType.endsWith("json") || text.startsWith("{") || text.startsWith("[")) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
    const isRegistryError =
      typeof value === "object" && value !== null && Array.isArray((value as { errors?: unknown }).errors);
    return isRegistryError ? undefined : "json";
  }
  return undefined;
}

/**
 * A ProtocolError (code `NOT_A_REGISTRY`) when this error answer shows that the host is not a container registry,
 * else undefined (the answer is then a registry's, and `errorFromResponse` describes it).
 */
export function notRegistryError(answer: AnswerFacts): ProtocolError | undefined {
  if (answer.headers["docker-distribution-api-version"]) return undefined;
  if (answer.status < 400 || answer.status >= 500 || NOT_JUDGED.has(answer.status)) return undefined;
  const contentType = contentTypeOf(answer);
  const kind = foreignBody(contentType, answer.body);
  return kind ? foreignHostError(answer, contentType, kind) : undefined;
}

/**
 * The same judgement for a success (2xx) whose body was to be the API's JSON (a tag list, a catalog, a manifest) and
 * is not: HTML (a web server's or a proxy's page answering every path with 200), or, with `otherJson`, JSON that the
 * caller found to be of another shape (`{"hello":"world"}` for a tag list). A host that announced itself as a
 * registry (the API version header) is never judged so: its answer is then a broken registry's, which the caller
 * reports as such. Undefined when the answer does not show a foreign host.
 */
export function notRegistrySuccess(
  answer: AnswerFacts,
  options: { otherJson?: boolean } = {},
): ProtocolError | undefined {
  if (answer.headers["docker-distribution-api-version"]) return undefined;
  const contentType = contentTypeOf(answer);
  const kind = foreignBody(contentType, answer.body) ?? (options.otherJson ? "json" : undefined);
  if (kind === "html" || (kind === "json" && options.otherJson)) {
    return foreignHostError(answer, contentType, kind);
  }
  return undefined;
}

function contentTypeOf(answer: AnswerFacts): string {
  return (answer.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

function foreignHostError(answer: AnswerFacts, contentType: string, kind: "html" | "json"): ProtocolError {
  const url = new URL(redactUrl(answer.url));
  const method = answer.method.toUpperCase();
  const what = answer.context ? `${answer.context}: ` : "";
  return new ProtocolError(
    `${what}${url.host} does not look like a container registry (${method} ${url.pathname} answered ${answer.status} ${contentType || `${kind} without a content type`})`,
    {
      code: NOT_A_REGISTRY,
      status: answer.status,
      request: { method, url: url.href },
    },
  );
}
