import { ProtocolError, quoteText, redactUrl } from "@regatta/errors";
import { decodedPath } from "./paths.js";
import type { Requester } from "./request.js";

/**
 * Pagination of `tags/list` and `_catalog` follows RFC 5988 `Link` headers
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags). Registries differ:
 * distribution and Docker Hub send `</v2/…?last=x&n=100>; rel="next"`, Quay sends an opaque `next_page` token instead
 * of `last`, and some proxies drop the angle brackets. The next URL is therefore followed as given, never rebuilt
 * from `last`.
 */

/** The `rel="next"` target of a Link header, or undefined when there is no next page. */
export function nextLink(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const raw of splitLinks(header)) {
    const part = raw.trimStart();
    // `<URI>` may hold a `;` (RFC 8288 allows it: a cursor `last=b;c`): the parameters start after its `>`. A `<`
    // never closed is no bracket: the target is read up to the first `;` as any other (and checked as a path).
    const close = closingBracket(part);
    const semi = part.indexOf(";", close + 1);
    if (semi === -1) continue;
    const target = close === -1 ? part.slice(0, semi).trim() : part.slice(1, close).trim();
    // Stryker disable next-line ArithmeticOperator: one character earlier, the parameters start with it and the `;`, which the pattern's `(^|;)` reads alike.
    const params = part.slice(semi + 1);
    if (!/(^|;)\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(params)) continue;
    if (target) return target;
  }
  return undefined;
}

/** The index of the `>` that closes a link that starts with `<` (nested pairs counted), else -1. */
function closingBracket(part: string): number {
  if (!part.startsWith("<")) return -1;
  let depth = 0;
  for (let i = 0; i < part.length; i++) {
    if (part[i] === "<") depth++;
    else if (part[i] === ">" && --depth === 0) return i;
  }
  return -1;
}

/** Splits a Link header at the commas between links, not at commas inside `<…>` or quotes. */
function splitLinks(header: string): string[] {
  // Stryker disable next-line ArrayDeclaration: a stray first part has no `;`, and nextLink skips it.
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  // Stryker disable next-line EqualityOperator: one step past the end reads undefined, which no branch below takes.
  for (let i = 0; i < header.length; i++) {
    const c = header[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === "<") depth++;
    else if (!quoted && c === ">") depth = Math.max(0, depth - 1);
    else if (!quoted && depth === 0 && c === ",") {
      parts.push(header.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(header.slice(start));
  // Not trimmed or filtered: nextLink trims the target, and an empty or blank part has no `;` and is skipped there.
  return parts;
}

/** How far pagination may go; the defaults are far beyond any registry seen (Docker Hub's largest repositories hold
 * tens of thousands of tags) yet stop a registry that links page after page forever. */
export interface PaginationLimits {
  /** Pages fetched at most by one listing; default 10,000. */
  maxPages?: number;
  /** Entries (tags, repositories) gathered at most by one listing; default 1,000,000. */
  maxEntries?: number;
}

export const DEFAULT_PAGINATION: Required<PaginationLimits> = { maxPages: 10_000, maxEntries: 1_000_000 };

/**
 * Resolves a page URL (a registry's next link, or one a caller passes back as `next`) against the URL it came with
 * and refuses it unless it stays on the registry's origin. The registry chooses the link, so following it anywhere
 * would let it send this client, with the registry's credentials, to any host (a cloud metadata address, an internal
 * service): a server-side request forgery. go-containerregistry and oras-go (`parseLink` in registry/remote/url.go)
 * refuse a link whose scheme or host differs; so does Regatta, port included, and userinfo too.
 *
 * The link must also stay on the listing's path (`base`'s: `/v2/<name>/tags/list`, `/v2/_catalog`,
 * `/v2/<name>/referrers/<digest>`), as the registry would route it (`decodedPath`: dot segments, `%2e` ones too, and
 * percent-encoding): a next page is the same listing further on, only its query changes
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags). Otherwise the link would take
 * the token to any path of the registry (`/v2/repo/../../secret`), or splice another repository's tags into this one's
 * (`/v2/secretrepo/tags/list`): NEXT_LINK_PATH.
 */
export function sameOriginPageUrl(link: string, base: URL, what: string, status?: number): URL {
  const refuse = (
    why: string,
    code = "FOREIGN_NEXT_LINK",
    hint = "a registry's pages must stay on its own scheme, host and port",
  ) =>
    new ProtocolError(`${what}: the registry's next-page link ${why}; refusing to follow it`, {
      code,
      request: { method: "GET", url: redactUrl(base) },
      // Stryker disable next-line ConditionalExpression: RegattaError sets no status from `status: undefined`, as without the key.
      ...(status !== undefined ? { status } : {}),
      hint,
    });
  let url: URL;
  try {
    url = new URL(link, base);
  } catch {
    throw refuse(`${quoteText(redactUrl(link))} is not a URL`);
  }
  // A file:, data: or other URL has no origin to name (WHATWG serializes it as "null"): its scheme says what it is.
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw refuse(`is a ${url.protocol} URL, not one on the registry's origin (${base.origin})`);
  }
  if (url.origin !== base.origin) {
    throw refuse(`points at another origin (${url.origin}) than the registry's (${base.origin})`);
  }
  if (url.username || url.password) throw refuse(`${redactUrl(url)} carries userinfo`);
  const path = decodedPath(url);
  if (path === undefined || path !== decodedPath(base)) {
    throw refuse(
      `leaves the listing's path ${quoteText(base.pathname)} for ${quoteText(url.pathname)}`,
      "NEXT_LINK_PATH",
      "a next page is the same listing further on: only its query may change",
    );
  }
  return url;
}

/** Where a page is asked for: the first one by `n` and `last`, a later one by a previous page's `next`. */
export interface PageQuery {
  n?: number | undefined;
  last?: string | undefined;
  next?: string | undefined;
}

/** What a listing needs of the transport: requests, and the registry's base URL to build the first page's URL. */
export interface PageDeps extends Requester {
  baseUrl(registry: string): string;
}

/**
 * The URL of a listing page: `next` (a previous page's link, checked against the registry's origin) or `path` with
 * `n` and `last`.
 */
export function pageUrl(base: string, path: string, options: PageQuery, what: string): URL {
  const root = new URL(path, base);
  if (options.next) return sameOriginPageUrl(options.next, root, what);
  if (options.n !== undefined) root.searchParams.set("n", String(options.n));
  if (options.last !== undefined) root.searchParams.set("last", options.last);
  return root;
}

/**
 * The next page of a listing answered from `requestUrl`, as an origin-relative URL (path and query) that a caller can
 * pass back as `next`; undefined on the last page.
 */
export function nextPage(
  header: string | undefined,
  requestUrl: URL,
  what: string,
  status?: number,
): string | undefined {
  const link = nextLink(header);
  if (link === undefined) return undefined;
  const url = sameOriginPageUrl(link, requestUrl, what, status);
  // The listing's own path: never one starting with `//`, which passed back would read as `//host/…` (found by
  // fuzzing, issue 10; refused by the path rule of sameOriginPageUrl).
  return `${url.pathname}${url.search}`;
}

/** A page and the absolute URL it was fetched from. */
export interface FetchedPage<Page> {
  page: Page;
  url: string;
}

/**
 * Yields every page, calling `fetchPage(next)` with the previous page's next link until there is none, within
 * `limits`. A registry whose next link names a page already fetched would loop forever, so a link seen twice is a
 * ProtocolError at once; one that sends a fresh link each time is stopped by `maxPages` and `maxEntries`.
 */
export async function* followPages<Page extends { next?: string }>(
  what: string,
  fetchPage: (next: string | undefined) => Promise<FetchedPage<Page>>,
  entries: (page: Page) => number,
  limits: PaginationLimits = {},
): AsyncGenerator<Page> {
  const maxPages = limits.maxPages ?? DEFAULT_PAGINATION.maxPages;
  const maxEntries = limits.maxEntries ?? DEFAULT_PAGINATION.maxEntries;
  const seen = new Set<string>();
  let total = 0;
  let next: string | undefined;
  for (let pages = 1; ; pages++) {
    const { page, url } = await fetchPage(next);
    seen.add(url);
    total += entries(page);
    if (total > maxEntries) {
      throw new ProtocolError(`${what}: more than ${maxEntries} entries; stopped after ${pages} pages`, {
        code: "PAGINATION_LIMIT",
        request: { method: "GET", url: redactUrl(url) },
        hint: "raise the client's pagination.maxEntries if the registry really holds that many",
      });
    }
    yield page;
    next = page.next;
    if (!next) return;
    if (seen.has(new URL(next, url).href)) {
      throw new ProtocolError(`${what}: the registry's next-page link repeats (${redactUrl(next)})`, {
        code: "NEXT_LINK_REPEATS",
        request: { method: "GET", url: redactUrl(url) },
        hint: "the registry's pagination is broken; the pages so far were delivered",
      });
    }
    if (pages >= maxPages) {
      throw new ProtocolError(`${what}: the registry still links a next page after ${pages} pages`, {
        code: "PAGINATION_LIMIT",
        request: { method: "GET", url: redactUrl(url) },
        hint: "raise the client's pagination.maxPages if the registry really has that many pages",
      });
    }
  }
}
