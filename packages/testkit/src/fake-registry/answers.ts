import { HttpResponse } from "msw";
import type { FlavourError, RegistryFlavour, RouteContext } from "../registry-flavour.js";

/** How the fake registry answers: bodies, JSON, the spec's error bodies (through the flavour), empty answers. */
export interface Answers {
  respond(
    request: Request,
    status: number,
    body: string | Buffer | null,
    headers?: Record<string, string>,
  ): Response;
  jsonResponse(request: Request, status: number, value: unknown, headers?: Record<string, string>): Response;
  errorResponse(
    request: Request,
    status: number,
    errors: FlavourError[],
    headers?: Record<string, string>,
  ): Response;
  empty(request: Request, status: number, headers?: Record<string, string>): Response;
}

/** The answers of one fake registry; `contexts` gives each request's route, for the flavour's error mapping. */
export function createAnswers(flavour: RegistryFlavour, contexts: WeakMap<Request, RouteContext>): Answers {
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
  return { respond, jsonResponse, errorResponse, empty };
}
