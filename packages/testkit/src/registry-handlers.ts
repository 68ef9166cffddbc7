import { http, type RequestHandler } from "msw";
import { createAnswers } from "./fake-registry/answers.js";
import { createAuthorizer } from "./fake-registry/authorize.js";
import { blobRoutes } from "./fake-registry/blobs.js";
import { catalogRoutes } from "./fake-registry/catalog.js";
import { manifestRoutes } from "./fake-registry/manifests.js";
import { referrerRoutes } from "./fake-registry/referrers.js";
import { createRouter, type FakeRegistry } from "./fake-registry/router.js";
import { tagRoutes } from "./fake-registry/tags.js";
import { uploadRoutes } from "./fake-registry/uploads.js";
import { FakeRegistryStore, type FakeRepositories } from "./fake-store.js";
import type { FlavourFault, RegistryFlavour, RouteContext, RouteKind } from "./registry-flavour.js";
import {
  createTokenEndpoint,
  type TokenEndpoint,
  type TokenEndpointOptions,
  type TokenRequestRecord,
} from "./token-endpoint.js";

/** How the fake registry authenticates. */
export type FakeRegistryAuth =
  | {
      type: "basic";
      /** Default `{ regatta: "regatta-secret" }`. */
      users?: Record<string, string>;
      /** Default: the flavour's realm (distribution: `Registry Realm`). */
      realm?: string;
    }
  | ({
      type: "bearer";
      /**
       * Token endpoint URL announced in the challenge and answered by the handlers. A path (`/token`, the
       * default) is taken relative to the registry's origin, which suits {@link serveHandlers}.
       */
      realm?: string;
    } & TokenEndpointOptions);

/** Options of {@link createRegistryHandlers} and the flavour functions such as {@link distributionHandlers}. */
export interface RegistryHandlersOptions {
  /** `host[:port]` the handlers answer for (http and https). Default: any host. */
  host?: string;
  /** Initial content. */
  repos?: FakeRepositories;
  /** Default: the flavour's (`defaults.auth`), else anonymous access to everything; `null` for anonymous. */
  auth?: FakeRegistryAuth | null;
  /** Overrides the flavour's `deleteEnabled`. */
  deleteEnabled?: boolean;
}

/** One request seen by the fake registry. */
export interface FakeRequestRecord {
  method: string;
  /** Path and query. */
  path: string;
  status: number;
  /** Whether an Authorization header was sent (never its value). */
  authorized: boolean;
}

/** msw handlers of a fake registry, with its state for assertions. */
export type RegistryHandlers = RequestHandler[] & {
  /** Repositories and uploads; tests may read and change them. */
  store: FakeRegistryStore;
  /** Every registry request answered, oldest first (token requests are in `tokenRequests`). */
  requests: FakeRequestRecord[];
  /** Requests to the bearer token endpoint (empty without bearer auth). */
  tokenRequests: TokenRequestRecord[];
  /** The token endpoint, with its issuer, for bearer auth. */
  tokenEndpoint?: TokenEndpoint;
  /**
   * Makes the next `times` (default 1) requests to `route` (default any) that pass auth fail as this registry
   * would, e.g. `inject({ status: 429, error: { code: "TOOMANYREQUESTS" }, headers: { "Retry-After": "1" } })`.
   */
  inject(fault: FlavourFault & { times?: number; route?: RouteKind }): void;
  /** The flavour's per-handlers state (Docker Hub: `pullsRemaining`). */
  state: Record<string, unknown>;
};

/**
 * Builds msw handlers for a fake registry of the given flavour over an in-memory store. One msw handler per
 * route and method, so a test can override a single route with `dispatcher.use(...)`. Requests under `/v2/`
 * that match no route get the flavour's plain 404, as a real registry does.
 */
export function createRegistryHandlers(
  flavour: RegistryFlavour,
  options: RegistryHandlersOptions = {},
): RegistryHandlers {
  const store = new FakeRegistryStore(options.repos);
  const requests: FakeRequestRecord[] = [];
  const deleteEnabled = options.deleteEnabled ?? flavour.deleteEnabled;
  const host = options.host ?? flavour.defaults?.host;
  const origin = host ? `https?://${escapeRegExp(host)}` : "https?://[^/]+";
  const auth = mergeAuth(flavour.defaults?.auth, options.auth);
  const tokenAccess = flavour.tokenAccess;
  const tokenEndpoint =
    auth?.type === "bearer"
      ? createTokenEndpoint({
          algorithm: "HS256",
          ...(tokenAccess ? { accessFor: (user, scope) => tokenAccess(user, scope, store) } : {}),
          ...auth,
        })
      : undefined;
  const state: Record<string, unknown> = {};
  const contexts = new WeakMap<Request, RouteContext>();
  const faults: (FlavourFault & { times: number; route?: RouteKind })[] = [];
  const takeFault = (ctx: RouteContext): FlavourFault | undefined => {
    const fault = faults.find((f) => !f.route || f.route === ctx.route);
    if (fault && --fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
    return fault;
  };

  const answers = createAnswers(flavour, contexts);
  const { respond } = answers;
  const authorize = createAuthorizer(flavour, auth, tokenEndpoint, contexts, answers);
  const handlers: RequestHandler[] = [];
  const route = createRouter({
    origin,
    flavour,
    store,
    state,
    contexts,
    authorize,
    takeFault,
    answers,
    handlers,
    requests,
  });
  const registry: FakeRegistry = { ...answers, flavour, store, deleteEnabled, route };
  // One file per endpoint family, as go-containerregistry's pkg/registry has them.
  catalogRoutes(registry);
  tagRoutes(registry);
  manifestRoutes(registry);
  blobRoutes(registry);
  uploadRoutes(registry);
  referrerRoutes(registry);

  // ---- token endpoint and fallback ---------------------------------------------------------------------------
  if (tokenEndpoint && auth?.type === "bearer") {
    const realm = auth.realm ?? "/token";
    const pattern = realm.startsWith("/") ? new RegExp(`^${origin}${escapeRegExp(realm)}$`) : realm;
    const answer = async (request: Request): Promise<Response> => {
      const response = await tokenEndpoint.handle(request);
      if (!flavour.tokenBody || response.status !== 200) return response;
      const body = flavour.tokenBody((await response.json()) as Record<string, unknown>);
      return Response.json(body, { status: 200, headers: response.headers });
    };
    handlers.push(
      http.get(pattern, ({ request }) => answer(request)),
      http.post(pattern, ({ request }) => answer(request)),
    );
  }
  handlers.push(
    http.all(new RegExp(`^${origin}/v2(?:/.*)?$`), ({ request }) => {
      const nf = flavour.notFound();
      const url = new URL(request.url);
      requests.push({
        method: request.method,
        path: url.pathname + url.search,
        status: nf.status,
        authorized: request.headers.has("authorization"),
      });
      return respond(request, nf.status, nf.body, nf.headers);
    }),
  );

  return Object.assign(handlers, {
    store,
    requests,
    tokenRequests: tokenEndpoint?.requests ?? [],
    ...(tokenEndpoint ? { tokenEndpoint } : {}),
    inject: (fault: FlavourFault & { times?: number; route?: RouteKind }) => {
      faults.push({ ...fault, times: fault.times ?? 1 });
    },
    state,
  });
}

/** The flavour's default auth, with the caller's settings on top when they name the same scheme. */
function mergeAuth(
  defaults: FakeRegistryAuth | undefined,
  given: FakeRegistryAuth | null | undefined,
): FakeRegistryAuth | undefined {
  if (given === null) return undefined;
  if (!given) return defaults;
  return defaults?.type === given.type ? ({ ...defaults, ...given } as FakeRegistryAuth) : given;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
