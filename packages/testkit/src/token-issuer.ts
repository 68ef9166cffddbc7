import { createSecretKey, generateKeyPair, type KeyObject, randomBytes, randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { jwtVerify, SignJWT } from "jose";
import { createSelfSignedCertificate, type SelfSignedCertificate } from "./self-signed-certificate.js";

/** One `access` entry of a Docker registry token, and one parsed `scope` parameter. */
export interface TokenAccess {
  /** `repository`, `registry`, … */
  type: string;
  /** Repository name (may contain `/` and `:` for a port in a mirror name), or `catalog`. */
  name: string;
  /** `pull`, `push`, `delete`, `*`. */
  actions: string[];
}

/** Which key signs a token made by {@link TokenIssuer.sign}. */
export type TokenSigner =
  /** The key whose certificate the registry trusts (the default). */
  | "trusted"
  /** A throwaway key with its own self-signed certificate in `x5c`: the chain does not lead to the registry's root. */
  | "foreign-chain"
  /** A throwaway key, but the trusted certificate in `x5c`: the signature does not verify. */
  | "foreign-key";

/** Claims and signing choices for {@link TokenIssuer.sign}. */
export interface SignTokenOptions {
  /** `sub`; omitted for anonymous tokens. */
  subject?: string;
  access?: TokenAccess[];
  /** Lifetime from `issuedAt`. */
  ttlSeconds: number;
  /** `iat`/`nbf` in seconds since the epoch. Default: now. */
  issuedAt?: number;
  /** `aud`; default the issuer's service. distribution rejects an array here, so it is always one string. */
  audience?: string;
  /** `iss`; default the issuer's issuer. */
  issuer?: string;
  signer?: TokenSigner;
}

/** How tokens are signed. */
export type TokenAlgorithm =
  /** RSA 2048 with an `x5c` certificate chain: what distribution verifies. Key generation takes 0.2–1.5 s here. */
  | "RS256"
  /** HMAC with a random secret: instant, for in-process fakes whose tokens only the fake verifies. */
  | "HS256";

interface SigningKey {
  privateKey: KeyObject;
  /** Verification key (the secret itself for HS256). */
  publicKey: KeyObject;
  certificate?: SelfSignedCertificate;
}

/**
 * Signs Docker registry tokens (JWT) the way distribution's `auth.token` expects
 * (https://distribution.github.io/distribution/spec/auth/jwt/): RS256 with an `x5c` header whose certificate is
 * the registry's `rootcertbundle`. Keys are made off the main thread; `ready` settles once they exist.
 */
export class TokenIssuer {
  readonly service: string;
  readonly issuer: string;
  readonly algorithm: TokenAlgorithm;
  /** Settles when the signing key exists. */
  readonly ready: Promise<void>;
  #trusted: SigningKey | undefined;
  #foreign: Promise<SigningKey> | undefined;

  constructor(options: { service: string; issuer: string; algorithm?: TokenAlgorithm }) {
    this.service = options.service;
    this.issuer = options.issuer;
    this.algorithm = options.algorithm ?? "RS256";
    this.ready = makeKey(this.algorithm, "regatta-token-signer").then((key) => {
      this.#trusted = key;
    });
    // Avoid an unhandled rejection when nobody awaits `ready`; sign() and verify() rethrow.
    this.ready.catch(() => undefined);
  }

  /** PEM of the signing certificate (the registry's `rootcertbundle`); only for RS256, after `ready`. */
  get certificatePem(): string {
    const pem = this.#trusted?.certificate?.pem;
    if (!pem) throw new Error("TokenIssuer: no certificate (HS256, or read before `ready` settled)");
    return pem;
  }

  /** Signs a token with the given claims. */
  async sign(options: SignTokenOptions): Promise<string> {
    await this.ready;
    const trusted = this.#trusted!;
    const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
    const signer = options.signer ?? "trusted";
    let key = trusted;
    let chain = trusted.certificate;
    if (signer !== "trusted") {
      this.#foreign ??= makeKey(this.algorithm, "regatta-foreign-signer");
      key = await this.#foreign;
      if (signer === "foreign-chain") chain = key.certificate;
    }
    const jwt = new SignJWT({ access: options.access ?? [] })
      .setProtectedHeader({
        alg: this.algorithm,
        typ: "JWT",
        ...(chain ? { x5c: [chain.der.toString("base64")] } : {}),
      })
      .setIssuer(options.issuer ?? this.issuer)
      .setAudience(options.audience ?? this.service)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + options.ttlSeconds)
      .setJti(randomUUID());
    if (options.subject !== undefined) jwt.setSubject(options.subject);
    return jwt.sign(key.privateKey);
  }

  /**
   * Verifies a token as distribution does: signature by the trusted key, `iss`, `aud` and `exp`/`nbf` with 60 s
   * of leeway. Returns undefined for any token distribution would refuse.
   */
  async verify(
    token: string,
    nowSeconds = Math.floor(Date.now() / 1000),
  ): Promise<VerifiedToken | undefined> {
    await this.ready;
    try {
      const { payload } = await jwtVerify(token, this.#trusted!.publicKey, {
        algorithms: [this.algorithm],
        issuer: this.issuer,
        audience: this.service,
        clockTolerance: 60,
        currentDate: new Date(nowSeconds * 1000),
      });
      const access = Array.isArray(payload.access) ? (payload.access as TokenAccess[]) : [];
      return { subject: payload.sub, access, expiresAt: payload.exp ?? 0 };
    } catch {
      return undefined;
    }
  }
}

/** What {@link TokenIssuer.verify} found in a valid token. */
export interface VerifiedToken {
  subject: string | undefined;
  access: TokenAccess[];
  /** `exp` in seconds since the epoch. */
  expiresAt: number;
}

const generateRsa = promisify(generateKeyPair);

async function makeKey(algorithm: TokenAlgorithm, commonName: string): Promise<SigningKey> {
  if (algorithm === "HS256") {
    const secret = createSecretKey(randomBytes(32));
    return { privateKey: secret, publicKey: secret };
  }
  const { privateKey, publicKey } = await generateRsa("rsa", { modulusLength: 2048 });
  return { privateKey, publicKey, certificate: createSelfSignedCertificate(privateKey, { commonName }) };
}

/**
 * Parses scope parameters (`repository:library/alpine:pull,push`, `registry:catalog:*`). A parameter may hold
 * several scopes separated by spaces (the OAuth2 POST form does that). The name is everything between the first
 * and the last colon, so `repository:localhost:5000/x:pull` keeps its port. Malformed scopes are skipped.
 */
export function parseScopes(params: Iterable<string>): TokenAccess[] {
  const out: TokenAccess[] = [];
  for (const param of params) {
    for (const scope of param.split(" ")) {
      const first = scope.indexOf(":");
      const last = scope.lastIndexOf(":");
      if (first <= 0 || last === first) continue;
      const actions = scope
        .slice(last + 1)
        .split(",")
        .filter(Boolean);
      out.push({ type: scope.slice(0, first), name: scope.slice(first + 1, last), actions });
    }
  }
  return out;
}

/** Formats an access entry back into scope syntax. */
export function formatScope(access: TokenAccess): string {
  return `${access.type}:${access.name}:${access.actions.join(",")}`;
}
