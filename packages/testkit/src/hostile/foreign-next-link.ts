import { answerPage } from "./paging.js";
import { type HostileBehaviour, resolveSelf, type SelfRelative } from "./types.js";

/** Options of `foreign-next-link`. */
export interface ForeignNextLinkOptions {
  /**
   * The next link of the first page: another host, scheme or port (`http://169.254.169.254/latest/meta-data/`,
   * `//127.0.0.2:PORT/v2/…`, `https://127.0.0.1:PORT/…`). Given as text, sent verbatim.
   */
  next: SelfRelative;
}

/**
 * The first tag list or catalog page links to another origin: a client that follows it makes a request the user
 * never asked for (server-side request forgery) and merges a stranger's answer into the result.
 */
export const foreignNextLink: HostileBehaviour<ForeignNextLinkOptions> = (options) => (_req, res, ctx) => {
  answerPage(res, ctx, ["a"], resolveSelf(options.next, ctx.self));
};
