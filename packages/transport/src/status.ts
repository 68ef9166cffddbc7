/**
 * The status concern: any status the caller did not expect (default: any 2xx) becomes a typed error built by
 * `errorFromResponse` from the first 64 KiB of the body, so 401 → AuthenticationError, 403 → AuthorizationError,
 * 404 → NotFoundError, 429 → TooManyRequestsError, with the registry's `errors[]` and the redacted request.
 * It sits above auth and retry so that only the final answer is judged. The error is scrubbed against the client's
 * secrets as it is built, and carries who asked for what (`error.access`) for the hint.
 */
import { errorFromResponse, notRegistryError, type SecretSet } from "@regatta/errors";
import { readErrorBody } from "./body.js";
import type { Middleware } from "./exchange.js";
import { noteRetryAfter, parseRetryAfter } from "./retry.js";

/** True when `status` is a success for this request. */
export function isExpected(status: number, expect: readonly number[] | undefined): boolean {
  return expect ? expect.includes(status) : status >= 200 && status < 300;
}

/** The status concern. */
export function statusErrors(secrets?: SecretSet): Middleware {
  return (next) => async (exchange) => {
    const response = await next(exchange);
    if (isExpected(response.status, exchange.expect)) return response;
    const body = await readErrorBody(response.body);
    // A host that is not a registry is said to be one, not "404 Not Found" (issue 12; not-a-registry.ts).
    const foreign = notRegistryError({
      method: exchange.method,
      url: response.url,
      status: response.status,
      headers: response.headers,
      body,
      ...(exchange.context ? { context: exchange.context } : {}),
    });
    if (foreign) throw foreign;
    const error = errorFromResponse({
      method: exchange.method,
      url: response.url,
      status: response.status,
      body,
      ...(response.headers["www-authenticate"] ? { challenge: response.headers["www-authenticate"] } : {}),
      ...(exchange.context ? { context: exchange.context } : {}),
      ...(secrets ? { secrets } : {}),
      auth: {
        registry: exchange.registry,
        scopes: exchange.scopes,
        credentials: response.sent?.credentials ?? "none",
        ...(response.sent?.username ? { username: response.sent.username } : {}),
      },
    });
    // Kept for whoever recovers from this answer on its own (an upload after a 429 or 503 on a PATCH).
    noteRetryAfter(error, parseRetryAfter(response.headers["retry-after"], Date.now()));
    throw error;
  };
}
