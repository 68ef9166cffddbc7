import type { RegistryFlavour, RouteContext } from "../registry-flavour.js";
import type { FakeRegistryAuth } from "../registry-handlers.js";
import { parseBasic, type TokenEndpoint } from "../token-endpoint.js";
import type { TokenAccess } from "../token-issuer.js";
import type { Answers } from "./answers.js";

/**
 * The fake registry's access check: Basic against its users, or Bearer tokens from its token endpoint checked for
 * the access a route needs, answering 401 with the challenge distribution sends
 * (https://distribution.github.io/distribution/spec/auth/token/).
 */
export type Authorize = (request: Request, required: TokenAccess[]) => Promise<Response | undefined>;

export function createAuthorizer(
  flavour: RegistryFlavour,
  auth: FakeRegistryAuth | undefined,
  tokenEndpoint: TokenEndpoint | undefined,
  contexts: WeakMap<Request, RouteContext>,
  { errorResponse }: Answers,
): Authorize {
  const basicUsers = auth?.type === "basic" ? (auth.users ?? { regatta: "regatta-secret" }) : undefined;
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
  return authorize;
}

/** Access to one repository. */
export const repoAccess = (name: string, ...actions: string[]): TokenAccess => ({
  type: "repository",
  name,
  actions,
});

export function quote(value: string): string {
  return `"${value.replace(/["\\]/g, "\\$&")}"`;
}
