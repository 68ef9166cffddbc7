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
 * Returns the URL with userinfo removed, every query parameter not on the allowlist replaced by `REDACTED`, and a
 * fragment replaced by `REDACTED` (a Location may carry a token there, as OAuth's implicit grant does). Invalid URLs
 * are returned with anything after `?` or `#` removed, so a malformed but secret-bearing string still cannot leak.
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    const text = String(url);
    const cut = text.search(/[?#]/);
    return cut === -1 ? text : `${text.slice(0, cut)}${text[cut]}${REDACTED}`;
  }
  if (parsed.username || parsed.password) {
    parsed.username = "";
    parsed.password = "";
  }
  for (const key of [...parsed.searchParams.keys()]) {
    if (!SAFE_QUERY_PARAMS.has(key)) parsed.searchParams.set(key, REDACTED);
  }
  if (parsed.hash) parsed.hash = REDACTED;
  return parsed.toString();
}

/** Values shorter than this are masked in a URL but not taken for secrets elsewhere. */
const MIN_URL_SECRET = 8;

/**
 * Whether a value {@link redactUrl} masks can be told from ordinary words, so that masking it in every other text
 * costs nothing: it has a digit, or is long and mixes cases (base64). Presigned URLs also carry plain words in
 * masked parameters (`X-Amz-SignedHeaders=host`, `response-content-type=application/octet-stream`); as secrets,
 * those would mask every `host` in every error and log line.
 */
function couldBeSecret(value: string): boolean {
  if (value.length < MIN_URL_SECRET) return false;
  return /[0-9]/.test(value) || (value.length >= 16 && /[a-z]/.test(value) && /[A-Z]/.test(value));
}

/**
 * The values {@link redactUrl} masks that may be secrets: the userinfo's password, each query value off the
 * allowlist, and the fragment (each of its `key=value` values, or the whole). A server that quotes the URL back (a
 * storage host's 403 echoing its presigned URL) would otherwise show in an error or a HAR body what the URL itself
 * never shows: callers add these to the client's SecretSet the moment a server hands them the URL.
 */
export function urlSecrets(url: string | URL): string[] {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    return [];
  }
  const values = [decodeURIComponentSafe(parsed.password)];
  for (const [key, value] of parsed.searchParams) if (!SAFE_QUERY_PARAMS.has(key)) values.push(value);
  const fragment = parsed.hash.slice(1);
  // `#access_token=…&state=…` (OAuth's implicit grant) holds values under names; anything else is one value.
  if (fragment.includes("=")) for (const [, value] of new URLSearchParams(fragment)) values.push(value);
  else values.push(decodeURIComponentSafe(fragment));
  return [...new Set(values.filter(couldBeSecret))];
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
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
