import type { ServerResponse } from "node:http";
import { type HostileBehaviour, type HostileContext, notFound, sendJson, tagListName } from "./types.js";

/** Answers `/v2/`, a tag list page or a catalog page; `link` is the next link to send, if any. */
export function answerPage(
  res: ServerResponse,
  ctx: HostileContext,
  entries: string[],
  link: string | undefined,
): void {
  const headers: Record<string, string> = link ? { link: `<${link}>; rel="next"` } : {};
  const name = tagListName(ctx.url);
  if (ctx.url.pathname === "/v2/") sendJson(res, 200, {});
  else if (name !== undefined) sendJson(res, 200, { name, tags: entries }, headers);
  else if (ctx.url.pathname === "/v2/_catalog") sendJson(res, 200, { repositories: entries }, headers);
  else notFound(res);
}

/** Options of `endless-pagination`. */
export interface EndlessPaginationOptions {
  /** Entries per page; default 1. */
  pageSize?: number;
}

/**
 * Every tag list and catalog page links to a fresh next page (`?last=<the page's last entry>`), forever: a client
 * that only refuses a repeated link loops until memory runs out (issue 10: 574,000 requests in 60 s).
 */
export const endlessPagination: HostileBehaviour<EndlessPaginationOptions> = (options) => {
  const size = options.pageSize ?? 1;
  let counter = 0;
  return (_req, res, ctx) => {
    const entries = Array.from({ length: size }, () => `e${String(counter++).padStart(9, "0")}`);
    const next = new URL(ctx.url.pathname, ctx.self);
    next.searchParams.set("n", String(size));
    next.searchParams.set("last", entries.at(-1)!);
    answerPage(res, ctx, entries, `${next.pathname}${next.search}`);
  };
};

/** Every page links to the same next page: the first page's link, again and again. */
export const repeatingNextLink: HostileBehaviour<object> = () => (_req, res, ctx) => {
  answerPage(res, ctx, ["a"], `${ctx.url.pathname}?last=a&n=1`);
};
