import { createHmac, randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { type HostileBehaviour, sendJson } from "./types.js";

/** Options of `echo-secrets`. */
export interface EchoSecretsOptions {
  /**
   * How the registry authenticates: `basic` challenges with Basic; `bearer` challenges with a Bearer realm on this
   * same server (`/token`, GET with Basic or anonymous, POST with an OAuth2 form), which issues a JWT.
   */
  scheme: "basic" | "bearer";
  /**
   * Where the echo comes from: `registry` (default) refuses authenticated registry requests with the echo;
   * `token` makes the token endpoint refuse with the echo (of the Basic header and the POST form); `data` answers
   * an authenticated tag list 200 with the secrets as tags (a result, not an error, that carries them).
   */
  echoAt?: "registry" | "token" | "data";
  /** Status of the echoing refusal; default 403 at the registry, 401 at the token endpoint. */
  status?: number;
}

/** Reads a request body (a token POST's form); the server drains what nobody reads. */
function bodyOf(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

/** A JWT (RFC 7519) with a fresh id, so each one is a secret the client has never seen before it is issued. */
function issueJwt(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const head = `${part({ alg: "HS256", typ: "JWT" })}.${part({ sub: "hostile", jti: randomBytes(12).toString("hex") })}`;
  return `${head}.${createHmac("sha256", "hostile").update(head).digest("base64url")}`;
}

/** WHATWG's names (HTML5) of the punctuation a password or token may hold; `-` and `~` have none. */
const HTML5_NAMES: Record<string, string> = {
  "/": "&sol;",
  "+": "&plus;",
  "&": "&amp;",
  ".": "&period;",
  ":": "&colon;",
  "!": "&excl;",
  "=": "&equals;",
  _: "&lowbar;",
};

/**
 * The spellings of a secret that an HTML page shows as the secret itself but that no simple unescaping undoes
 * (QA secrets6 #4): numeric character references without `;` (decimal and hexadecimal) and HTML5 named references
 * for its punctuation; with the Basic value, its base64 again (base64 of base64 of `user:password`).
 */
export function htmlAndDoubleBase64Spellings(secret: string, basicValue?: string): string[] {
  const out = [
    [...secret].map((c) => `&#${c.codePointAt(0)}`).join(""),
    [...secret].map((c) => `&#x${c.codePointAt(0)?.toString(16)}`).join(""),
    [...secret].map((c) => HTML5_NAMES[c] ?? c).join(""),
  ];
  if (basicValue) out.push(Buffer.from(basicValue).toString("base64"));
  return out;
}

/**
 * Every secret in a request, and the error body that echoes each of them every way a careless server does: the raw
 * `Authorization` value, the decoded `user:password`, the bare password, the token (as is, percent-encoded, in a
 * JSON detail, split between the message and the detail, spelled in HTML references and, for Basic, in base64 of
 * base64), and the OAuth2 form with its password or
 * refresh token.
 */
export function echoBody(authorization: string, form: string): unknown {
  const [scheme = "", value = ""] = authorization.split(" ", 2);
  const decoded = scheme.toLowerCase() === "basic" ? Buffer.from(value, "base64").toString("utf8") : "";
  const password = decoded.slice(decoded.indexOf(":") + 1);
  const token = scheme.toLowerCase() === "bearer" ? value : "";
  const fields = new URLSearchParams(form);
  const formSecret = fields.get("password") ?? fields.get("refresh_token") ?? "";
  const secret = token || password || formSecret;
  const half = Math.floor(secret.length / 2);
  return {
    errors: [
      {
        code: "DENIED",
        message: `denied: you sent Authorization: ${authorization} (${decoded}) password=${password} form=${form} encoded=${encodeURIComponent(secret)} split=${secret.slice(0, half)} spelled=${htmlAndDoubleBase64Spellings(secret, decoded ? value : undefined).join(" ")}`,
        detail: {
          authorization,
          decoded,
          password,
          token,
          formSecret,
          nested: [{ access_token: token || formSecret }],
          rest: `${secret.slice(half)} <- second half`,
        },
      },
    ],
  };
}

/**
 * A registry (and token endpoint) that echoes back every credential it is sent, in the error it refuses with
 * (issue 10, item 3): a client that prints server messages unscrubbed shows the user's password or token on the
 * terminal, in `--json` and in the `-v` log.
 */
export const echoSecrets: HostileBehaviour<EchoSecretsOptions> = (options) => async (req, res, ctx) => {
  const body = bodyOf(req);
  const authorization = req.headers.authorization ?? "";
  const path = ctx.url.pathname;
  if (path === "/token") {
    const form = await body;
    if (options.echoAt === "token") {
      sendJson(res, options.status ?? 401, echoBody(authorization, form));
      return;
    }
    const token = issueJwt();
    sendJson(res, 200, { token, access_token: token, expires_in: 300, refresh_token: `rt-${issueJwt()}` });
    return;
  }
  const challenge =
    options.scheme === "basic"
      ? 'Basic realm="hostile"'
      : `Bearer realm="${ctx.self.origin}/token",service="hostile"`;
  if (!authorization) {
    sendJson(
      res,
      401,
      { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] },
      {
        "www-authenticate": challenge,
      },
    );
    return;
  }
  if (path === "/v2/" || path === "/v2") {
    sendJson(res, 200, {});
    return;
  }
  if (options.echoAt === "data" && /\/tags\/list$/.test(path)) {
    const [scheme = "", value = ""] = authorization.split(" ", 2);
    const decoded = scheme.toLowerCase() === "basic" ? Buffer.from(value, "base64").toString("utf8") : "";
    const tags = ["1.0", value, decoded, decoded.slice(decoded.indexOf(":") + 1)].filter(Boolean);
    sendJson(res, 200, { name: path.slice(4, -"/tags/list".length), tags });
    return;
  }
  // A HEAD answer has no body to echo into: say "not here", so a push goes on to the upload that echoes.
  if (req.method === "HEAD") {
    res.writeHead(404, { "docker-distribution-api-version": "registry/2.0" }).end();
    return;
  }
  const status = options.status ?? 403;
  sendJson(
    res,
    status,
    echoBody(authorization, await body),
    status === 401 ? { "www-authenticate": challenge } : {},
  );
};
