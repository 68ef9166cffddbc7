/**
 * The internal shape every HTTP concern works on. A concern is a `Middleware`: it takes the next `Handler` and
 * returns a handler, like an undici interceptor or a Go RoundTripper, so each one fits in a small file and the
 * stack is composed in one place (transport.ts).
 */
import type { Readable } from "node:stream";
import type { Scope } from "@regatta/auth";
import { ProtocolError } from "@regatta/errors";
import type { RetryBudget } from "./retry.js";

/** What a caller may send: a string or bytes (replayable), a stream (sent once) or a stream factory (replayable). */
export type BodyInit = string | Uint8Array | Readable | (() => Readable);

/** A request body that knows whether it can be sent again (after a 401, a retry). */
export interface BodySource {
  readonly replayable: boolean;
  /** The body for one attempt; a one-shot stream can be opened once. */
  open(): string | Uint8Array | Readable | null;
}

const EMPTY: BodySource = { replayable: true, open: () => null };

/** Wraps a body so the retry and auth concerns can ask whether it can be sent again. */
export function bodySource(body: BodyInit | undefined): BodySource {
  if (body === undefined) return EMPTY;
  if (typeof body === "string" || body instanceof Uint8Array) return { replayable: true, open: () => body };
  if (typeof body === "function") return { replayable: true, open: () => body() };
  let used = false;
  return {
    replayable: false,
    open() {
      if (used) throw new ProtocolError("internal: a streamed request body cannot be sent twice");
      used = true;
      return body;
    },
  };
}

/** One request on its way through the stack. Concerns copy it rather than mutate it. */
/** The `context` of a token request (Transport.authSend): the HAR keeps no body of it, errors name the token endpoint. */
export const TOKEN_REQUEST = "token request";

export interface Exchange {
  /** Registry name (`docker.io`, `localhost:5000`): what auth and errors talk about. */
  registry: string;
  /** Origin of the registry's API (`https://registry-1.docker.io`); credentials are only sent there. */
  baseOrigin: string;
  /** `omit`: no credentials at all, even to the registry's origin (RegistryRequest.credentials). */
  credentials?: "omit";
  /** With `omit`: where the chain left the registry's origin (RegistryRequest.withheldAfter). */
  withheldAfter?: string;
  method: string;
  url: URL;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: BodySource;
  scopes: Scope[];
  idempotent: boolean;
  /** Statuses that count as success; default 2xx. */
  expect?: number[];
  signal?: AbortSignal;
  context?: string;
  /**
   * A blob body in either direction (a blob GET, an upload PATCH or PUT carrying bytes): no whole-request deadline,
   * only the idle timeout, and the response body is handed up as a stream rather than read by `send.ts`.
   */
  streaming: boolean;
  /** The retries this request may still use, shared by every request of one operation (a download, an upload). */
  budget?: RetryBudget;
  /** Called with each answer the retry concern throws away, before its body is dumped (an upload POST cancels the
   * session a retried answer may have opened). */
  onDiscard?: (response: RawResponse) => Promise<void>;
}

/** A response on its way back up. The body is the undici body and must be consumed or dumped by whoever drops it. */
export interface RawResponse {
  status: number;
  /** Lower-case names, repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The URL that answered (after redirects). */
  url: string;
  body: Readable;
  /**
   * What went with the request that got this answer, set by the auth concern: the `Authorization` scheme (`none`
   * when it went anonymous) and the user. The status concern puts it on a 401/403 error for the hint (item 16).
   * `unchallenged`: it went anonymous because the registry never asked for credentials (no 401 challenge learned),
   * so credentials the client holds were not sent either.
   */
  sent?: {
    credentials: "none" | "basic" | "bearer";
    username?: string;
    unchallenged?: boolean;
    /** It went without credentials because its chain left the registry's origin here (`CredentialChain.leftAt`). */
    withheldAfter?: string;
  };
  /**
   * Set by the redirect concern on the last answer of a chain that left the registry's origin: where it left it. The
   * hops after went without credentials, so the auth concern reports none sent (`sent.withheldAfter`).
   */
  withheldAfter?: string;
}

export type Handler = (exchange: Exchange) => Promise<RawResponse>;
export type Middleware = (next: Handler) => Handler;

/** Composes concerns: the first one listed is the outermost, the one a request meets first. */
export function compose(...middlewares: Middleware[]): (send: Handler) => Handler {
  return (send) => middlewares.reduceRight<Handler>((next, middleware) => middleware(next), send);
}

/** True when a request can be sent again on its own: the method is safe to repeat and the body can be replayed. */
export function canReplay(exchange: Exchange): boolean {
  return exchange.idempotent && exchange.body.replayable;
}

/** Methods that can be repeated without changing the outcome (RFC 9110 §9.2.2). */
export function isIdempotentMethod(method: string): boolean {
  return ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].includes(method.toUpperCase());
}
