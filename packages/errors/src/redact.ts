/**
 * Redaction helpers. Secrets never reach a log line or an error: headers that carry credentials are replaced, and
 * query parameters are kept only if they are on an allowlist (as go-containerregistry's transport does), because
 * presigned object-storage URLs carry signatures and tokens in their query strings.
 */

/** Header names whose values are secrets. Compared case-insensitively. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-registry-auth",
  "x-amz-security-token",
  "x-goog-iam-authorization-token",
]);

/** Query parameters that are safe to show: registry pagination, upload and token-scope parameters. */
export const SAFE_QUERY_PARAMS: ReadonlySet<string> = new Set([
  "n",
  "last",
  "digest",
  "mount",
  "from",
  "service",
  "scope",
  "account",
  "client_id",
  "_state_keep_out",
  "ns",
  "tag",
  "artifactType",
]);

export const REDACTED = "REDACTED";

/**
 * Returns the URL with userinfo removed and every query parameter not on the allowlist replaced by `REDACTED`.
 * Invalid URLs are returned with anything after `?` removed, so a malformed but secret-bearing string still cannot leak.
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    const text = String(url);
    const q = text.indexOf("?");
    return q === -1 ? text : `${text.slice(0, q)}?${REDACTED}`;
  }
  if (parsed.username || parsed.password) {
    parsed.username = "";
    parsed.password = "";
  }
  for (const key of [...parsed.searchParams.keys()]) {
    if (!SAFE_QUERY_PARAMS.has(key)) parsed.searchParams.set(key, REDACTED);
  }
  return parsed.toString();
}

/** Returns a copy of the headers with secret values replaced by `REDACTED`. Names are lower-cased. */
export function redactHeaders(
  headers: Record<string, string | string[] | undefined> | Iterable<[string, string]>,
): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = Symbol.iterator in headers ? headers : Object.entries(headers);
  for (const [name, value] of entries as Iterable<[string, string | string[] | undefined]>) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    out[key] = SECRET_HEADERS.has(key) ? REDACTED : Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}
