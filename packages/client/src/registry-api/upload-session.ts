/**
 * The requests around an upload session that carry no data: opening one (`POST /v2/<name>/blobs/uploads/`, 202 and
 * a Location), reading its state (`GET <location>`, answered 204 with `Range: 0-<last>` and a fresh Location) and
 * cancelling it (`DELETE <location>`, 204).
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs-in-chunks
 *
 * distribution 2.8.2 signs the session state into the Location (`?_state=`): a Location whose state is older than
 * the bytes the registry holds is answered 404 BLOB_UPLOAD_INVALID, whatever the method, and the session stays
 * (measured: a DELETE of it too) until the registry's upload purge. That is what happens after a PATCH was cut off
 * half-way: the registry kept part of it, the Location we hold is stale, and the only way on is a new session (see
 * uploads.ts); an upload that stops avoids cutting its request for that reason (upload-stop.ts).
 */
import { pushScope, type Scope } from "@regatta/auth";
import { ProtocolError, quoteText, redactUrl } from "@regatta/errors";
import { CredentialChain } from "@regatta/transport";
import { decodedPath, uploadsPath } from "./paths.js";
import type { RequestFn } from "./request.js";

export type { RequestFn } from "./request.js";

/**
 * What of an answer its Location is read from: the headers, the URL that answered (a relative Location is resolved
 * against it) and the status, for the message when there is none.
 */
export interface LocationAnswer {
  headers: Record<string, string | undefined>;
  url: string;
  status?: number;
}

/**
 * The Locations of one upload session, each taken from an answer only after the session's rules
 * (docs/security.md, "Origins"). The spec makes a Location opaque, to be followed wherever it points (object storage,
 * a CDN, another host: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#post-then-put), so:
 *
 * - one on another origin than the registry's is followed without the registry's credentials, and once one was, the
 *   rest of the session goes without them too, even back on the registry (`CredentialChain`, as redirects do): the
 *   foreign host must not choose where the registry's credentials go;
 * - one on the registry's own origin must be an upload of THIS repository, `/v2/<name>/blobs/uploads/…` as the
 *   registry would route it (`decodedPath`); anything else there (a manifest, another repository, `/v2/` itself) is
 *   refused as a ProtocolError before anything is sent to it (no PATCH, no PUT, no GET, no cancelling DELETE).
 *
 * `location` is always one that passed, so a cancel goes nowhere else.
 */
export class UploadLocations {
  readonly #chain: CredentialChain;
  readonly #origin: string;
  #location: string;

  /**
   * The session `response` opened (the answer to its POST, which is never redirected, so its URL is on the
   * registry's origin); throws when its Location breaks the rules.
   */
  constructor(
    readonly registry: string,
    readonly repository: string,
    response: LocationAnswer,
    what: string,
  ) {
    this.#origin = new URL(response.url).origin;
    this.#chain = new CredentialChain(this.#origin);
    this.#location = this.#checked(locationOf(response, what), what);
  }

  /** The latest Location that passed. */
  get location(): string {
    return this.#location;
  }

  /**
   * Where a request of the session goes (the latest Location, or `url` made of it) and, once a Location left the
   * registry's origin, that the registry's credentials do not go with it.
   */
  target(url = this.#location): { url: string; credentials?: "omit"; withheldAfter?: string } {
    const left = this.#chain.leftAt;
    return { url, ...(left ? { credentials: "omit" as const, withheldAfter: left } : {}) };
  }

  /** Takes the Location of a later answer of the session (PATCH, GET); throws when it breaks the rules. */
  take(response: LocationAnswer, what: string) {
    this.#location = this.#checked(locationOf(response, what), what);
    return this.#location;
  }

  #checked(location: string, what: string): string {
    const url = new URL(location);
    if (url.origin === this.#origin) {
      const path = decodedPath(url);
      if (path === undefined || !path.startsWith(uploadsPath(this.repository))) {
        throw new ProtocolError(
          `${what}: ${this.registry} answered an upload Location on its own origin outside the uploads of ${this.repository}: ${quoteText(url.pathname)}; refused, nothing was sent there`,
          { code: "BAD_LOCATION" },
        );
      }
    }
    this.#chain.follow(url);
    return url.href;
  }
}

/** An upload session, by the Location the registry gave it. */
export interface UploadSessionRequest {
  registry: string;
  repository: string;
  /**
   * The session's Locations as checked (`UploadLocations`): requests go to its latest, with credentials only while
   * none left the registry's origin, and a Location answered is taken only after its rules. No bare URL: a request
   * of a session (the cancelling DELETE too) goes nowhere but to a Location that passed.
   */
  location: UploadLocations;
  signal?: AbortSignal;
  context?: string;
}

/** Where an upload session stands. */
export interface UploadStatus {
  /** The Location to continue with. */
  location: string;
  /** Bytes the registry holds. */
  offset: number;
}

/** The Location of an upload session, absolute (relative ones are resolved against the answering URL). */
export function locationOf(response: LocationAnswer, what: string): string {
  const location = response.headers.location;
  if (!location)
    throw new ProtocolError(`${what}: registry answered ${response.status} without a Location header`);
  return absoluteLocation(response, what) as string;
}

/**
 * A Location the registry answered (an upload session, a pushed blob or manifest), absolute, or undefined when it
 * sent none. One that is no URL (a port above 65535, a bad host) is the registry's ProtocolError naming it, not the
 * TypeError "Invalid URL" of `new URL()` (QA library6 F2).
 */
export function absoluteLocation(response: LocationAnswer, what: string): string | undefined {
  const location = response.headers.location;
  if (!location) return undefined;
  try {
    return new URL(location, response.url).href;
  } catch {
    throw new ProtocolError(
      `${what}: the registry answered a Location that is no URL: ${redactUrl(location)}`,
      {
        ...(response.status !== undefined ? { status: response.status } : {}),
      },
    );
  }
}

/** The same Location with `?digest=` set, for the closing PUT (the Location may already carry a query). */
export function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set("digest", digest);
  return url.href;
}

/**
 * How many bytes a session holds, from its `Range: 0-<last>` header. distribution reports an empty session as `0-0`,
 * the same as a session holding one byte, so `0-0` is read as 0 unless the registry had acknowledged exactly one
 * byte before (`acknowledged`).
 */
export function heldBytes(range: string | undefined, acknowledged = 0): number | undefined {
  // Stryker disable next-line StringLiteral: an absent header stands in as text that is no range; any such text reads as undefined alike
  const match = /^(?:bytes=)?0-(\d+)$/.exec(range?.trim() ?? "");
  if (!match) return undefined;
  const last = Number(match[1]);
  return last === 0 ? (acknowledged === 1 ? 1 : 0) : last + 1;
}

function scopesFor(repository: string): Scope[] {
  return [pushScope(repository)];
}

/** GET on an upload session: where it stands. Rejects with the registry's error when the session is gone. */
export async function uploadStatus(
  request: RequestFn,
  req: UploadSessionRequest & { acknowledged?: number },
): Promise<UploadStatus> {
  const what = req.context ?? `check upload to ${req.registry}/${req.repository}`;
  const response = await request({
    registry: req.registry,
    method: "GET",
    ...req.location.target(),
    scopes: scopesFor(req.repository),
    context: what,
    expect: [204, 200],
    ...(req.signal ? { signal: req.signal } : {}),
  });
  await response.dump();
  const offset = heldBytes(response.headers.range, req.acknowledged);
  if (offset === undefined) {
    throw new ProtocolError(
      `${what}: the registry did not say how much of the upload it holds (Range: ${response.headers.range ?? "missing"})`,
    );
  }
  return {
    location: response.headers.location ? req.location.take(response, what) : req.location.location,
    offset,
  };
}

/**
 * Opens an upload session and sends nothing into it: `POST /v2/<name>/blobs/uploads/`, 202 with the session's
 * Location (the question "may I push here?", asked by `explainAuth`'s push probe, which cancels it at once).
 */
export async function openUploadSession(
  request: RequestFn,
  req: { registry: string; repository: string; context: string; signal?: AbortSignal },
): Promise<{ location: UploadLocations; status: number }> {
  const response = await request({
    registry: req.registry,
    method: "POST",
    path: uploadsPath(req.repository),
    headers: { "content-length": "0" },
    scopes: scopesFor(req.repository),
    expect: [202],
    context: req.context,
    ...(req.signal ? { signal: req.signal } : {}),
  });
  await response.dump();
  return {
    location: new UploadLocations(req.registry, req.repository, response, req.context),
    status: response.status,
  };
}

/**
 * DELETE on an upload session, so the registry can drop the bytes of an upload that will not be finished. A session
 * that is already gone (404) counts as cancelled.
 */
export async function cancelUpload(request: RequestFn, req: UploadSessionRequest): Promise<void> {
  const response = await request({
    registry: req.registry,
    method: "DELETE",
    ...req.location.target(),
    scopes: scopesFor(req.repository),
    context: req.context ?? `cancel upload to ${req.registry}/${req.repository}`,
    expect: [204, 200, 202, 404],
    ...(req.signal ? { signal: req.signal } : {}),
  });
  await response.dump();
}
