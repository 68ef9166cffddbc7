import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { createTokenEndpoint, type TokenEndpointOptions, type TokenRequestRecord } from "./token-endpoint.js";
import type { SignTokenOptions } from "./token-issuer.js";

/** Options of {@link startTokenServer}. */
export type TokenServerOptions = TokenEndpointOptions;

/** A running token server (see {@link startTokenServer}). */
export interface TokenServer {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** The token endpoint `…/token`: the registry's `auth.token.realm`. */
  realm: string;
  service: string;
  issuer: string;
  users: Record<string, string>;
  /** PEM of the signing certificate, to be written into the registry's `rootcertbundle`. */
  certificatePem: string;
  /** Every request answered so far, oldest first. Clear it with `requests.length = 0`. */
  requests: TokenRequestRecord[];
  /**
   * Signs a token directly, for tokens the endpoint would never hand out: expired (`issuedAt` in the past),
   * for another audience, or signed by an untrusted key (`signer`).
   */
  issueToken(options?: Partial<SignTokenOptions>): Promise<string>;
  /** Forgets every refresh token issued so far, so refresh grants fail with 401. */
  revokeRefreshTokens(): void;
  close(): Promise<void>;
}

/**
 * Starts a Docker token server (see {@link createTokenEndpoint} for the protocol) on a free loopback port,
 * serving `GET /token` and `POST /token`. Signs RS256 JWTs whose `x5c` header carries a self-signed
 * certificate, which {@link startRegistry} writes into distribution's `rootcertbundle`.
 *
 * distribution cannot revoke a token: it checks only the signature, `iss`, `aud`, `exp`/`nbf` (60 s leeway) and
 * the access claims. To see the registry refuse a token, make one with {@link TokenServer.issueToken} that is
 * expired by more than a minute or signed by a foreign key.
 *
 * @example
 * const tokens = await startTokenServer({ tokenTtlSeconds: 2 });
 * const registry = await startRegistry({ auth: "token", tokenServer: tokens });
 * // … tokens.requests.length === 1
 */
export async function startTokenServer(options: TokenServerOptions = {}): Promise<TokenServer> {
  const endpoint = createTokenEndpoint(options);
  await endpoint.issuer.ready;
  const server = createServer((req, res) => {
    const respond = async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const response =
        url.pathname === "/token"
          ? await endpoint.handle(toRequest(req, url))
          : Response.json({ errors: [{ code: "NOT_FOUND", message: "not found" }] }, { status: 404 });
      const body = Buffer.from(await response.arrayBuffer());
      res.writeHead(response.status, {
        ...Object.fromEntries(response.headers),
        "content-length": body.length,
      });
      res.end(body);
    };
    respond().catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ errors: [{ code: "UNKNOWN", message: String(error) }] }));
      } else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    realm: `${url}/token`,
    service: endpoint.issuer.service,
    issuer: endpoint.issuer.issuer,
    users: endpoint.users,
    certificatePem: endpoint.issuer.certificatePem,
    requests: endpoint.requests,
    issueToken: (opts = {}) =>
      endpoint.issuer.sign({
        ttlSeconds: endpoint.tokenTtlSeconds,
        issuedAt: Math.floor(endpoint.now() / 1000),
        ...opts,
      }),
    revokeRefreshTokens: endpoint.revokeRefreshTokens,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function toRequest(req: IncomingMessage, url: URL): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(url, {
    method: req.method ?? "GET",
    headers,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: "half" } : {}),
  } as RequestInit);
}
