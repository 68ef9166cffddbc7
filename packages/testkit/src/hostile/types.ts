import type { IncomingMessage, ServerResponse } from "node:http";

/** One request the hostile registry received, with its headers as sent (tests look for leaked credentials). */
export interface HostileRequestRecord {
  method: string;
  /** Path and query. */
  url: string;
  headers: Record<string, string>;
}

/** What a behaviour knows when it answers. */
export interface HostileContext {
  /** The hostile registry's own base URL, `http://127.0.0.1:PORT`. */
  self: URL;
  /** The request's URL, resolved against {@link HostileContext.self}. */
  url: URL;
  /** Every request so far, this one last. */
  requests: readonly HostileRequestRecord[];
}

/** Answers one request. Each hostility is one of these, built from its options by a {@link HostileBehaviour}. */
export type HostileHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  ctx: HostileContext,
) => void | Promise<void>;

/** Builds a handler from the behaviour's own options. */
export type HostileBehaviour<Options> = (options: Options) => HostileHandler;

/** A string, or one computed from the registry's own base URL (known only once it listens). */
export type SelfRelative = string | ((self: URL) => string);

/** Resolves a {@link SelfRelative} value. */
export function resolveSelf(value: SelfRelative, self: URL): string {
  return typeof value === "function" ? value(self) : value;
}

/** Writes a JSON answer. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(bytes.length),
    "docker-distribution-api-version": "registry/2.0",
    ...headers,
  });
  res.end(bytes);
}

/** The registry's 404 in distribution's shape. */
export function notFound(res: ServerResponse): void {
  sendJson(res, 404, { errors: [{ code: "NOT_FOUND", message: "not found" }] });
}

/** `/v2/<name>/tags/list` → name, or undefined for any other path. */
export function tagListName(url: URL): string | undefined {
  return /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname)?.[1];
}
