import { ProtocolError } from "@regatta/errors";

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
  for (const part of splitLinks(header)) {
    const semi = part.indexOf(";");
    if (semi === -1) continue;
    let target = part.slice(0, semi).trim();
    const params = part.slice(semi + 1);
    if (!/(^|;)\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(params)) continue;
    if (target.startsWith("<") && target.endsWith(">")) target = target.slice(1, -1).trim();
    if (target) return target;
  }
  return undefined;
}

/** Splits a Link header at the commas between links, not at commas inside `<…>` or quotes. */
function splitLinks(header: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
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
  return parts.map((p) => p.trim()).filter(Boolean);
}

/**
 * Yields every page, calling `fetchPage(next)` with the previous page's next link until there is none. A registry
 * whose next link repeats would loop forever, so a repeated link is a ProtocolError.
 */
export async function* followPages<Page extends { next?: string }>(
  what: string,
  fetchPage: (next: string | undefined) => Promise<Page>,
): AsyncGenerator<Page> {
  let page = await fetchPage(undefined);
  yield page;
  const seen = new Set<string>();
  while (page.next) {
    if (seen.has(page.next))
      throw new ProtocolError(`${what}: the registry's next-page link repeats (${page.next})`);
    seen.add(page.next);
    page = await fetchPage(page.next);
    yield page;
  }
}
