import { createHash, randomUUID } from "node:crypto";
import { HttpResponse, http, type RequestHandler } from "msw";
import { FakeRegistryStore, type FakeRepositories, type StoredRepository } from "./fake-store.js";
import { type GoType, scanGoJson } from "./go-json.js";
import type {
  FlavourError,
  FlavourFault,
  RegistryFlavour,
  RouteContext,
  RouteKind,
} from "./registry-flavour.js";
import {
  createTokenEndpoint,
  parseBasic,
  type TokenEndpoint,
  type TokenEndpointOptions,
  type TokenRequestRecord,
} from "./token-endpoint.js";
import type { TokenAccess } from "./token-issuer.js";

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

// Route grammar of distribution (reference.NameRegexp, TagRegexp and digest.DigestRegexp). distribution writes
// the separator as `[-]*`; Go's RE2 does not mind, but in a backtracking engine the empty separator makes
// `/v2/a/blobs/uploads/<uuid>` take exponential time against the manifests route. `-+` matches the same names.
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const NAME = `${COMPONENT}(?:/${COMPONENT})*`;
const DIGEST = "[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+";
const REFERENCE = `[\\w][\\w.-]{0,127}|${DIGEST}`;
const SHA256 = /^sha256:[a-f0-9]{64}$/;
/** What go-digest's Parse accepts (its registered algorithms), for the `digest` of an upload's closing PUT. */
const GO_DIGEST = /^(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;

/**
 * The manifest types distribution 2.8 accepts in a PUT, with the Go struct they decode into and the JSON type of its
 * top-level fields (for UnmarshalTypeError). Schema 1 is refused: 2.8 no longer stores it by default.
 */
const STRING: GoType = { kind: "string" };
const STRINGS: GoType = { kind: "slice", elem: STRING };
const STRING_MAP: GoType = { kind: "map", elem: STRING };
/** distribution's Go types, as far as json.Unmarshal checks them (field names as the JSON tags spell them). */
const PLATFORM: GoType = {
  kind: "struct",
  name: "Platform",
  fields: { architecture: STRING, os: STRING, "os.version": STRING, "os.features": STRINGS, variant: STRING },
};
const DESCRIPTOR_FIELDS: Record<string, GoType> = {
  mediaType: STRING,
  size: { kind: "int" },
  digest: STRING,
  urls: STRINGS,
  annotations: STRING_MAP,
  artifactType: STRING,
  data: STRING,
};
const DESCRIPTOR: GoType = {
  kind: "struct",
  name: "Descriptor",
  fields: { ...DESCRIPTOR_FIELDS, platform: PLATFORM },
};
const IMAGE: GoType = {
  kind: "struct",
  name: "Manifest",
  fields: {
    schemaVersion: { kind: "int" },
    mediaType: STRING,
    config: DESCRIPTOR,
    layers: { kind: "slice", elem: DESCRIPTOR },
    annotations: STRING_MAP,
  },
};
const INDEX: GoType = {
  kind: "struct",
  name: "ManifestList",
  fields: {
    schemaVersion: { kind: "int" },
    mediaType: STRING,
    manifests: {
      kind: "slice",
      elem: {
        kind: "struct",
        name: "ManifestDescriptor",
        fields: { ...DESCRIPTOR_FIELDS, platform: { ...PLATFORM, name: "PlatformSpec" } },
      },
    },
  },
};
/** The manifest types distribution 2.8 accepts in a PUT. Schema 1 is refused: 2.8 no longer stores it by default. */
const PUSHABLE_MANIFESTS: Record<string, { docker: boolean; type: GoType }> = {
  "application/vnd.oci.image.manifest.v1+json": { docker: false, type: IMAGE },
  "application/vnd.docker.distribution.manifest.v2+json": { docker: true, type: IMAGE },
  "application/vnd.oci.image.index.v1+json": { docker: false, type: INDEX },
  "application/vnd.docker.distribution.manifest.list.v2+json": { docker: true, type: INDEX },
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
  const basicUsers = auth?.type === "basic" ? (auth.users ?? { regatta: "regatta-secret" }) : undefined;
  const state: Record<string, unknown> = {};
  const contexts = new WeakMap<Request, RouteContext>();
  const faults: (FlavourFault & { times: number; route?: RouteKind })[] = [];
  const takeFault = (ctx: RouteContext): FlavourFault | undefined => {
    const fault = faults.find((f) => !f.route || f.route === ctx.route);
    if (fault && --fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
    return fault;
  };

  // ---- responses -------------------------------------------------------------------------------------------
  const respond = (
    request: Request,
    status: number,
    body: string | Buffer | null,
    headers: Record<string, string> = {},
  ): Response => {
    const h = new Headers({ ...flavour.commonHeaders, ...headers });
    const bytes = body === null ? null : typeof body === "string" ? Buffer.from(body) : body;
    if (bytes !== null && !h.has("content-length")) h.set("content-length", String(bytes.length));
    // HEAD keeps the Content-Length of the body it would have sent, as Go's net/http does.
    const payload =
      request.method === "HEAD" || bytes === null || status === 204 || status === 304 ? null : bytes;
    return new HttpResponse(payload, { status, headers: h });
  };
  const jsonResponse = (
    request: Request,
    status: number,
    value: unknown,
    headers: Record<string, string> = {},
  ) => respond(request, status, flavour.json(value), { "Content-Type": flavour.jsonContentType, ...headers });
  const errorResponse = (
    request: Request,
    status: number,
    errors: FlavourError[],
    headers: Record<string, string> = {},
  ) => {
    const ctx = contexts.get(request);
    const mapError = flavour.mapError;
    const mapped = ctx && mapError ? errors.map((e) => mapError(e, ctx)) : errors;
    const custom = ctx && flavour.errorBody?.(status, mapped, ctx);
    if (custom)
      return respond(request, status, custom.body, { "Content-Type": custom.contentType, ...headers });
    return jsonResponse(
      request,
      status,
      {
        errors: mapped.map((e) => ({
          code: e.code,
          message: e.message ?? flavour.messages[e.code] ?? e.code.toLowerCase(),
          ...(e.detail !== undefined ? { detail: e.detail } : {}),
        })),
      },
      headers,
    );
  };
  const empty = (request: Request, status: number, headers: Record<string, string> = {}) =>
    respond(request, status, Buffer.alloc(0), headers);

  // ---- auth --------------------------------------------------------------------------------------------------
  const realmFor = (request: Request): string => {
    const realm = auth?.type === "bearer" ? (auth.realm ?? "/token") : "";
    return new URL(realm, new URL(request.url).origin).href;
  };
  const accessDetail = (required: TokenAccess[]) =>
    required.length === 0
      ? null
      : required.flatMap((r) => r.actions.map((a) => ({ Type: r.type, Class: "", Name: r.name, Action: a })));
  const authorize = async (request: Request, required: TokenAccess[]): Promise<Response | undefined> => {
    if (!auth) return undefined;
    const header = request.headers.get("authorization");
    if (auth.type === "basic") {
      const basic = parseBasic(header);
      if (basic && basicUsers![basic.user] === basic.password) return undefined;
      const challenge =
        (!auth.realm && flavour.basicChallenge?.(request)) ||
        `Basic realm=${quote(auth.realm ?? flavour.basicRealm)}`;
      return errorResponse(request, 401, [{ code: "UNAUTHORIZED", detail: accessDetail(required) }], {
        "WWW-Authenticate": challenge,
      });
    }
    const scope = required.map((r) => `${r.type}:${r.name}:${r.actions.join(",")}`).join(" ");
    const challenge = (withScope: boolean, error?: string) => {
      const parts = {
        realm: realmFor(request),
        service: tokenEndpoint!.issuer.service,
        route: contexts.get(request)!.route,
        ...(withScope && scope ? { scope } : {}),
        ...(error ? { error } : {}),
      };
      if (flavour.bearerChallenge) return flavour.bearerChallenge(parts);
      const extra = `${parts.scope ? `,scope=${quote(parts.scope)}` : ""}${error ? `,error=${quote(error)}` : ""}`;
      return `Bearer realm=${quote(parts.realm)},service=${quote(parts.service)}${extra}`;
    };
    const bearer = /^Bearer\s+(\S+)$/i.exec(header ?? "")?.[1];
    if (!bearer) {
      return errorResponse(request, 401, [{ code: "UNAUTHORIZED", detail: accessDetail(required) }], {
        "WWW-Authenticate": challenge(true),
      });
    }
    const token = await tokenEndpoint!.issuer.verify(bearer, Math.floor(tokenEndpoint!.now() / 1000));
    if (!token) {
      return errorResponse(request, 401, [{ code: "UNAUTHORIZED", detail: null }], {
        "WWW-Authenticate": challenge(false, "invalid_token"),
      });
    }
    const granted = (r: TokenAccess, action: string) =>
      token.access.some(
        (a) =>
          a.type === r.type && a.name === r.name && (a.actions.includes(action) || a.actions.includes("*")),
      );
    if (required.every((r) => r.actions.every((a) => granted(r, a)))) return undefined;
    return errorResponse(request, 401, [{ code: "UNAUTHORIZED", detail: accessDetail(required) }], {
      "WWW-Authenticate": challenge(true, "insufficient_scope"),
    });
  };
  const repoAccess = (name: string, ...actions: string[]): TokenAccess => ({
    type: "repository",
    name,
    actions,
  });

  // ---- routing -------------------------------------------------------------------------------------------------
  type Route = (request: Request, groups: string[], url: URL) => Promise<Response> | Response;
  const handlers: RequestHandler[] = [];
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
  const findManifest = (repo: StoredRepository | undefined, reference: string) => {
    const digest = SHA256.test(reference) || reference.includes(":") ? reference : repo?.tags?.get(reference);
    const manifest = digest ? repo?.manifests.get(digest) : undefined;
    return { digest, manifest };
  };

  // ---- base and catalog --------------------------------------------------------------------------------------
  for (const method of ["get", "head"] as const) {
    route(
      method,
      "",
      () => [],
      (request) => respond(request, 200, flavour.pingBody, { "Content-Type": flavour.jsonContentType }),
    );
  }
  route(
    "get",
    "_catalog",
    () => [{ type: "registry", name: "catalog", actions: ["*"] }],
    (request, _g, url) => {
      const names = [...store.repositories.keys()].sort();
      const nParam = Number.parseInt(url.searchParams.get("n") ?? "", 10);
      const n = Number.isNaN(nParam) || nParam < 0 ? flavour.catalogDefaultPageSize : nParam;
      const last = url.searchParams.get("last");
      const after = last ? names.filter((name) => name > last) : names;
      const page = after.slice(0, n);
      const headers: Record<string, string> = {};
      if (page.length > 0 && after.length > page.length) {
        const next = new URLSearchParams({ last: page[page.length - 1]!, n: String(n) });
        headers.Link = `</v2/_catalog?${next}>; rel="next"`;
      }
      return jsonResponse(request, 200, { repositories: page }, headers);
    },
  );

  // ---- tags ------------------------------------------------------------------------------------------------------
  route(
    "get",
    `(${NAME})/tags/list`,
    ([name]) => [repoAccess(name!, "pull")],
    (request, [name], url) => {
      const repo = store.repository(name!);
      if (!repo?.tags) return errorResponse(request, 404, [{ code: "NAME_UNKNOWN", detail: { name } }]);
      let tags = [...repo.tags.keys()].sort();
      const headers: Record<string, string> = {};
      if (flavour.tagsPagination) {
        const paging = flavour.tagsPaging;
        const last = paging?.after ? paging.after(url) : url.searchParams.get("last");
        if (last) tags = tags.filter((t) => t > last);
        const nParam = Number.parseInt(url.searchParams.get("n") ?? "", 10);
        const n = !Number.isNaN(nParam) && nParam >= 0 ? nParam : paging?.defaultSize;
        if (n !== undefined && tags.length > n) {
          tags = tags.slice(0, n);
          const lastTag = tags[tags.length - 1] ?? "";
          headers.Link = paging
            ? paging.link({ name: name!, last: lastTag, n, origin: url.origin })
            : `</v2/${name}/tags/list?${new URLSearchParams({ last: lastTag, n: String(n) })}>; rel="next"`;
        }
      }
      const value = tags.length === 0 && flavour.emptyTagsAsNull ? null : tags;
      const body = flavour.tagsBody?.({ name: name!, tags: value, repository: repo }) ?? {
        name,
        tags: value,
      };
      return jsonResponse(request, 200, body, headers);
    },
  );

  // ---- manifests -------------------------------------------------------------------------------------------------
  for (const method of ["get", "head"] as const) {
    route(
      method,
      `(${NAME})/manifests/(${REFERENCE})`,
      ([name]) => [repoAccess(name!, "pull")],
      (request, [name, reference]) => {
        const repo = store.repository(name!);
        const byTag = !reference!.includes(":");
        const { digest, manifest } = findManifest(repo, reference!);
        if (!digest || !manifest) {
          const detail = byTag ? { Tag: reference } : { Name: name, Revision: reference };
          return errorResponse(request, 404, [{ code: "MANIFEST_UNKNOWN", detail }]);
        }
        const inm = request.headers.get("if-none-match");
        if (inm && (inm === digest || inm === `"${digest}"`)) return respond(request, 304, null);
        const accept = new Set(
          (request.headers.get("accept") ?? "")
            .split(",")
            .map((s) => s.split(";")[0]!.trim().toLowerCase())
            .filter(Boolean),
        );
        const chosen = flavour.negotiateManifest({
          digest,
          manifest,
          accept,
          byTag,
          reference: reference!,
          repository: name!,
          lookup: (d) => repo!.manifests.get(d),
        });
        if ("error" in chosen) return errorResponse(request, chosen.status, [chosen.error]);
        const sendDigest =
          (request.method === "HEAD" ? flavour.digestHeader?.head : flavour.digestHeader?.get) !== false;
        return respond(request, 200, chosen.manifest.bytes, {
          "Content-Type": chosen.manifest.mediaType,
          ...(sendDigest ? { "Docker-Content-Digest": chosen.digest } : {}),
          Etag: `"${chosen.digest}"`,
        });
      },
    );
  }
  route(
    "put",
    `(${NAME})/manifests/(${REFERENCE})`,
    ([name]) => [repoAccess(name!, "pull", "push")],
    async (request, [name, reference], url) => {
      const bytes = Buffer.from(await request.arrayBuffer());
      // distribution 2.8 decodes the body with the unmarshaller its Content-Type names (mime.ParseMediaType: case and
      // parameters do not matter); a type it has none for, or none at all, is MANIFEST_INVALID even for a valid
      // manifest. https://github.com/distribution/distribution/blob/release/2.8/manifests.go (UnmarshalManifest)
      const mediaType = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      const kind = PUSHABLE_MANIFESTS[mediaType];
      const scan = scanGoJson(bytes, kind?.type);
      if (scan.syntaxError !== undefined)
        return errorResponse(request, 400, [
          { code: "MANIFEST_INVALID", detail: { Offset: scan.syntaxError } },
        ]);
      if (!kind) return errorResponse(request, 400, [{ code: "MANIFEST_INVALID", detail: {} }]);
      // json.Unmarshal into the manifest struct: null decodes to an empty one (which fails later, as a 500); the
      // first value of the wrong type (top-level or nested: `config.size`, `layers.digest`) is an UnmarshalTypeError.
      if (scan.top.kind === "null") return errorResponse(request, 500, [{ code: "UNKNOWN", detail: {} }]);
      if (scan.typeError)
        return errorResponse(request, 400, [{ code: "MANIFEST_INVALID", detail: scan.typeError }]);
      const parsed = JSON.parse(bytes.toString("utf8")) as {
        schemaVersion?: number;
        mediaType?: string;
        config?: { digest?: string };
        layers?: { digest?: string }[] | null;
        manifests?: { digest?: string }[] | null;
      };
      // Docker's types must name themselves in the body; OCI's may leave mediaType out, but not name another.
      if (kind.docker ? parsed.mediaType !== mediaType : parsed.mediaType && parsed.mediaType !== mediaType)
        return errorResponse(request, 400, [{ code: "MANIFEST_INVALID", detail: {} }]);
      const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
      const byTag = !reference!.includes(":");
      if (!byTag && reference !== digest) return errorResponse(request, 400, [{ code: "DIGEST_INVALID" }]);
      // verifyManifest: any schemaVersion but 2 (`{}` has 0) is an error distribution does not map: 500 UNKNOWN.
      if (parsed.schemaVersion !== 2) return errorResponse(request, 500, [{ code: "UNKNOWN", detail: {} }]);
      const repo = store.repository(name!, true)!;
      const missing = [
        ...(parsed.config?.digest ? [parsed.config.digest] : []),
        ...(parsed.layers ?? []).map((l) => l?.digest ?? ""),
      ].filter((d) => !repo.blobs.has(d));
      const missingManifests = (parsed.manifests ?? [])
        .map((m) => m?.digest ?? "")
        .filter((d) => !repo.manifests.has(d));
      if (missing.length + missingManifests.length > 0) {
        return errorResponse(
          request,
          400,
          [...missing, ...missingManifests].map((d) => ({ code: "MANIFEST_BLOB_UNKNOWN", detail: d })),
        );
      }
      repo.manifests.set(digest, { bytes, mediaType });
      if (byTag) {
        repo.tags ??= new Map();
        repo.tags.set(reference!, digest);
      }
      return empty(request, 201, {
        Location: `${url.origin}/v2/${name}/manifests/${digest}`,
        "Docker-Content-Digest": digest,
      });
    },
  );
  route(
    "delete",
    `(${NAME})/manifests/(${REFERENCE})`,
    ([name]) => [repoAccess(name!, "delete")],
    (request, [name, reference]) => {
      if (!deleteEnabled) return errorResponse(request, 405, [{ code: "UNSUPPORTED" }]);
      const repo = store.repository(name!);
      if (!reference!.includes(":")) {
        if (flavour.deleteByTag !== "untag") {
          return errorResponse(request, flavour.deleteByTag.status, [flavour.deleteByTag.error]);
        }
        if (!repo?.tags?.delete(reference!)) {
          return errorResponse(request, 404, [{ code: "MANIFEST_UNKNOWN", detail: { Tag: reference } }]);
        }
        return empty(request, 202);
      }
      if (!repo?.manifests.delete(reference!))
        return errorResponse(request, 404, [{ code: "MANIFEST_UNKNOWN" }]);
      for (const [tag, digest] of repo.tags ?? []) if (digest === reference) repo.tags!.delete(tag);
      return empty(request, 202);
    },
  );

  // ---- blobs -----------------------------------------------------------------------------------------------------
  for (const method of ["get", "head"] as const) {
    route(
      method,
      `(${NAME})/blobs/(${DIGEST})`,
      ([name]) => [repoAccess(name!, "pull")],
      (request, [name, digest]) => {
        if (!SHA256.test(digest!))
          return errorResponse(request, 400, [{ code: "DIGEST_INVALID", detail: {} }]);
        const blob = store.repository(name!)?.blobs.get(digest!);
        if (!blob) return errorResponse(request, 404, [{ code: "BLOB_UNKNOWN", detail: digest }]);
        const headers: Record<string, string> = {
          "Accept-Ranges": "bytes",
          "Cache-Control": "max-age=31536000",
          "Content-Type": "application/octet-stream",
          "Docker-Content-Digest": digest!,
          Etag: `"${digest}"`,
        };
        const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.get("range") ?? "");
        if (range && (range[1] || range[2])) {
          const size = blob.length;
          // bytes=a-b, bytes=a- (to the end), bytes=-n (the last n bytes)
          const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
          const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
          if (start >= size || end < start) {
            const { "Accept-Ranges": _ranges, ...rest } = headers;
            return respond(request, 416, "invalid range: failed to overlap\n", {
              ...rest,
              "Content-Type": "text/plain; charset=utf-8",
              "X-Content-Type-Options": "nosniff",
              "Content-Range": `bytes */${size}`,
            });
          }
          return respond(request, 206, blob.subarray(start, end + 1), {
            ...headers,
            "Content-Range": `bytes ${start}-${end}/${size}`,
          });
        }
        return respond(request, 200, blob, headers);
      },
    );
  }
  route(
    "delete",
    `(${NAME})/blobs/(${DIGEST})`,
    ([name]) => [repoAccess(name!, "delete")],
    (request, [name, digest]) => {
      if (!deleteEnabled) return errorResponse(request, 405, [{ code: "UNSUPPORTED" }]);
      if (!store.repository(name!)?.blobs.delete(digest!)) {
        return errorResponse(request, 404, [{ code: "BLOB_UNKNOWN", detail: digest }]);
      }
      return empty(request, 202);
    },
  );

  // ---- uploads ---------------------------------------------------------------------------------------------------
  const uploadLocation = (url: URL, name: string, uuid: string) => {
    const size = store.uploads.get(uuid)?.size ?? 0;
    const state = Buffer.from(JSON.stringify({ Name: name, UUID: uuid, Offset: size })).toString("base64url");
    return `${url.origin}/v2/${name}/blobs/uploads/${uuid}?_state=${state}`;
  };
  /** The offset a `_state` from {@link uploadLocation} was issued at; undefined when it is not one. */
  const stateOffset = (state: string): number | undefined => {
    try {
      const offset = JSON.parse(Buffer.from(state, "base64url").toString("utf8")).Offset;
      return typeof offset === "number" ? offset : undefined;
    } catch {
      return undefined;
    }
  };
  // distribution reports an empty upload as "0-0".
  const uploadRange = (size: number) => `0-${Math.max(0, size - 1)}`;
  const finishBlob = (request: Request, url: URL, name: string, uuid: string, digest: string | null) => {
    const upload = store.uploads.get(uuid)!;
    store.uploads.delete(uuid);
    const bytes = Buffer.concat(upload.chunks);
    const actual = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    if (!digest || actual !== digest) {
      return errorResponse(request, 400, [
        { code: "DIGEST_INVALID", detail: { Digest: digest ?? "", Reason: {} } },
      ]);
    }
    store.repository(name, true)!.blobs.set(digest, bytes);
    store.finishedUploads.add(uuid);
    return empty(request, 201, {
      Location: `${url.origin}/v2/${name}/blobs/${digest}`,
      "Docker-Content-Digest": digest,
    });
  };
  route(
    "post",
    `(${NAME})/blobs/uploads/`,
    ([name], url) => {
      const from = url.searchParams.get("from");
      return [
        repoAccess(name!, "pull", "push"),
        ...(url.searchParams.get("mount") && from ? [repoAccess(from, "pull")] : []),
      ];
    },
    async (request, [name], url) => {
      const mount = url.searchParams.get("mount");
      const from = url.searchParams.get("from");
      if (mount && from) {
        const blob = store.repository(from)?.blobs.get(mount);
        if (blob) {
          store.repository(name!, true)!.blobs.set(mount, blob);
          return empty(request, 201, {
            Location: `${url.origin}/v2/${name}/blobs/${mount}`,
            "Docker-Content-Digest": mount,
          });
        }
      }
      const uuid = randomUUID();
      const body = Buffer.from(await request.arrayBuffer());
      store.uploads.set(uuid, { repository: name!, chunks: [], size: 0 });
      const digest = url.searchParams.get("digest");
      if (flavour.monolithicPost && digest) {
        store.uploads.get(uuid)!.chunks.push(body);
        return finishBlob(request, url, name!, uuid, digest);
      }
      return empty(request, 202, {
        Location: uploadLocation(url, name!, uuid),
        Range: "0-0",
        "Docker-Upload-UUID": uuid,
      });
    },
  );
  const UPLOAD = `(${NAME})/blobs/uploads/([^/]+)`;
  const withUpload = (
    fn: (request: Request, name: string, uuid: string, url: URL) => Promise<Response> | Response,
  ) =>
    ((request, [name, uuid], url) => {
      const upload = store.uploads.get(uuid!);
      const state = url.searchParams.get("_state");
      if (!upload || upload.repository !== name) {
        // 2.8 answers an unknown session with detail {} when the URL has no `_state`, BLOB_UPLOAD_UNKNOWN when the
        // session ended in a blob, no detail when `_state` is one it issued (a cancelled session), and detail 0 when
        // `_state` does not decode.
        if (state !== null && store.finishedUploads.has(uuid!))
          return errorResponse(request, 404, [{ code: "BLOB_UPLOAD_UNKNOWN", detail: {} }]);
        const detail = state === null ? {} : stateOffset(state) !== undefined ? undefined : 0;
        return errorResponse(request, 404, [
          { code: "BLOB_UPLOAD_INVALID", ...(detail !== undefined ? { detail } : {}) },
        ]);
      }
      // `_state` carries the offset it was issued at; 2.8 refuses one the upload has moved past (a stale Location),
      // and a GET with it leaves the session open (the parity test checks both).
      if (state !== null && stateOffset(state) !== upload.size)
        return errorResponse(request, 404, [{ code: "BLOB_UPLOAD_INVALID" }]);
      return fn(request, name!, uuid!, url);
    }) satisfies Route;
  route(
    "get",
    UPLOAD,
    ([name]) => [repoAccess(name!, "pull")],
    withUpload((request, name, uuid, url) =>
      empty(request, 204, {
        Location: uploadLocation(url, name, uuid),
        Range: uploadRange(store.uploads.get(uuid)!.size),
        "Docker-Upload-UUID": uuid,
      }),
    ),
  );
  route(
    "patch",
    UPLOAD,
    ([name]) => [repoAccess(name!, "pull", "push")],
    withUpload(async (request, name, uuid, url) => {
      const chunk = Buffer.from(await request.arrayBuffer());
      const upload = store.uploads.get(uuid)!;
      // 2.8 takes a chunk only as application/octet-stream (exactly: no parameters, no other case) or with no
      // Content-Type; anything else is a 500 UNKNOWN and the chunk is dropped. It ignores Content-Range altogether
      // (3.0 checks it): a chunk sent for the wrong offset is appended all the same.
      // https://github.com/distribution/distribution/blob/release/2.8/registry/handlers/blobupload.go (PatchBlobData)
      const contentType = request.headers.get("content-type");
      if (contentType !== null && contentType !== "application/octet-stream")
        return errorResponse(request, 500, [{ code: "UNKNOWN", detail: {} }]);
      upload.chunks.push(chunk);
      upload.size += chunk.length;
      return empty(request, 202, {
        Location: uploadLocation(url, name, uuid),
        Range: uploadRange(upload.size),
        "Docker-Upload-UUID": uuid,
      });
    }),
  );
  route(
    "put",
    UPLOAD,
    ([name]) => [repoAccess(name!, "pull", "push")],
    withUpload(async (request, name, uuid, url) => {
      const chunk = Buffer.from(await request.arrayBuffer());
      // The digest is read first (PutBlobUploadComplete): missing or unparsable, the answer is DIGEST_INVALID with a
      // text detail, the body is dropped and the session stays open for a corrected PUT.
      const digest = url.searchParams.get("digest");
      if (!digest) return errorResponse(request, 400, [{ code: "DIGEST_INVALID", detail: "digest missing" }]);
      if (!GO_DIGEST.test(digest))
        return errorResponse(request, 400, [{ code: "DIGEST_INVALID", detail: "digest parsing failed" }]);
      const upload = store.uploads.get(uuid)!;
      upload.chunks.push(chunk);
      upload.size += chunk.length;
      return finishBlob(request, url, name, uuid, digest);
    }),
  );
  route(
    "delete",
    UPLOAD,
    ([name]) => [repoAccess(name!, "pull", "push")],
    withUpload((request, _name, uuid) => {
      store.uploads.delete(uuid);
      return empty(request, 204, { "Docker-Upload-UUID": uuid });
    }),
  );

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

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, "\\$&")}"`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
