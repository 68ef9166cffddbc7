import { HttpResponse, http, type RequestHandler } from "msw";
import type { FakeRegistryStore } from "../fake-store.js";
import type { FlavourFault, RegistryFlavour, RouteContext, RouteKind } from "../registry-flavour.js";
import type { FakeRequestRecord } from "../registry-handlers.js";
import type { TokenAccess } from "../token-issuer.js";
import type { Answers } from "./answers.js";
import type { Authorize } from "./authorize.js";

/** One route's answer, given the path's groups (repository name, reference) and the URL. */
export type Route = (request: Request, groups: string[], url: URL) => Promise<Response> | Response;

/** Adds one msw handler for a method and a path under /v2/, with the access it needs. */
export type AddRoute = (
  method: "get" | "head" | "put" | "post" | "patch" | "delete",
  path: string,
  access: (groups: string[], url: URL) => TokenAccess[],
  fn: Route,
) => void;

/** What every endpoint family of the fake registry is built from. */
export interface FakeRegistry extends Answers {
  flavour: RegistryFlavour;
  store: FakeRegistryStore;
  deleteEnabled: boolean;
  route: AddRoute;
}

/**
 * The router of one fake registry: each route checks access, then takes an injected fault or the flavour's
 * preemption, then answers, adds the flavour's per-route headers, and records the request.
 */
export function createRouter(options: {
  origin: string;
  flavour: RegistryFlavour;
  store: FakeRegistryStore;
  state: Record<string, unknown>;
  contexts: WeakMap<Request, RouteContext>;
  authorize: Authorize;
  takeFault: (ctx: RouteContext) => FlavourFault | undefined;
  answers: Answers;
  handlers: RequestHandler[];
  requests: FakeRequestRecord[];
}): AddRoute {
  const { origin, flavour, store, state, contexts, authorize, takeFault, handlers, requests } = options;
  const { errorResponse } = options.answers;
  const route = (
    method: "get" | "head" | "put" | "post" | "patch" | "delete",
    path: string,
    access: (groups: string[], url: URL) => TokenAccess[],
    fn: Route,
  ) => {
    const pathRegExp = new RegExp(`^/v2/${path}$`);
    const kind: RouteKind =
      path === ""
        ? "ping"
        : path === "_catalog"
          ? "catalog"
          : path.endsWith("/tags/list")
            ? "tags"
            : path.includes("/referrers/")
              ? "referrers"
              : path.includes("/manifests/")
                ? "manifest"
                : path.includes("/blobs/uploads/")
                  ? "upload"
                  : "blob";
    handlers.push(
      http[method](new RegExp(`^${origin}/v2/${path}$`), async ({ request }) => {
        const url = new URL(request.url);
        const groups = (pathRegExp.exec(url.pathname) ?? []).slice(1).map((g) => g ?? "");
        const ctx: RouteContext = { request, route: kind, store, state };
        if (groups[0]) ctx.repository = groups[0];
        if (groups[1] && (kind === "manifest" || kind === "blob")) ctx.reference = groups[1];
        contexts.set(request, ctx);
        const denied = await authorize(request, access(groups, url));
        const fault = denied ? undefined : (flavour.preempt?.(ctx) ?? takeFault(ctx));
        let response =
          denied ??
          (fault
            ? errorResponse(request, fault.status, [fault.error], fault.headers)
            : await fn(request, groups, url));
        const extra = flavour.routeHeaders?.({ ...ctx, status: response.status });
        if (extra && Object.keys(extra).length > 0) {
          const merged = new Headers(response.headers);
          for (const [name, value] of Object.entries(extra)) merged.set(name, value);
          response = new HttpResponse(response.body, { status: response.status, headers: merged });
        }
        requests.push({
          method: request.method,
          path: url.pathname + url.search,
          status: response.status,
          authorized: request.headers.has("authorization"),
        });
        return response;
      }),
    );
  };
  return route;
}
