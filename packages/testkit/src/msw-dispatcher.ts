import type { IncomingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import { getResponse, type RequestHandler } from "msw";
import { Dispatcher } from "undici";

/** Thrown into the request when no msw handler answers it, so a removed handler fails the test. */
export class MswUnhandledRequestError extends Error {
  readonly code = "ERR_MSW_UNHANDLED_REQUEST";
  constructor(
    readonly method: string,
    readonly url: string,
  ) {
    super(`no msw handler for ${method} ${url}`);
    this.name = "MswUnhandledRequestError";
  }
}

/** Options of {@link createMswDispatcher}. */
export interface MswDispatcherOptions {
  /**
   * What an unmatched request gets. Default `"error"`: the request fails with {@link MswUnhandledRequestError}.
   * A function may answer instead (e.g. a 599 response); the request is still listed in `unhandled`.
   */
  onUnhandledRequest?: "error" | ((request: Request) => Response | Promise<Response>);
}

/** One request seen by a {@link MswDispatcher}. */
export interface MswDispatchRecord {
  method: string;
  url: string;
  /** Status answered; undefined when the request failed (unhandled, network error, abort). */
  status?: number;
}

type NewHandler = Required<
  Pick<
    Dispatcher.DispatchHandler,
    "onRequestStart" | "onResponseStart" | "onResponseData" | "onResponseEnd" | "onResponseError"
  >
>;

/**
 * An undici {@link Dispatcher} that answers every request from msw handlers, in process, through msw's
 * `getResponse(handlers, request)`. msw's interceptors do not see undici's own `request()`, `fetch()` or
 * agents (mswjs/msw#2165); handing this dispatcher to the transport does.
 *
 * Speaks both handler APIs of undici 7: the new `onRequestStart/onResponseStart/onResponseData/onResponseEnd/
 * onResponseError` with a pause/resume/abort controller, and the legacy `onConnect/onHeaders/onData/onComplete/
 * onError` that `undici.request()` still uses. Bodies stream with back-pressure; HEAD bodies are dropped.
 */
export class MswDispatcher extends Dispatcher {
  /** Every request, oldest first. */
  readonly requests: MswDispatchRecord[] = [];
  /** `METHOD url` of requests no handler answered. */
  readonly unhandled: string[] = [];
  #handlers: RequestHandler[];
  readonly #initial: RequestHandler[];
  readonly #onUnhandled: NonNullable<MswDispatcherOptions["onUnhandledRequest"]>;
  #closed = false;

  constructor(handlers: RequestHandler[], options: MswDispatcherOptions = {}) {
    super();
    this.#handlers = [...handlers];
    this.#initial = [...handlers];
    this.#onUnhandled = options.onUnhandledRequest ?? "error";
  }

  /** Prepends handlers that take precedence (like `server.use()`), e.g. to make one route fail. */
  use(...handlers: RequestHandler[]): void {
    this.#handlers.unshift(...handlers);
  }

  /** Drops handlers added with `use()`, or replaces all handlers when some are given. */
  resetHandlers(...handlers: RequestHandler[]): void {
    this.#handlers = handlers.length > 0 ? [...handlers] : [...this.#initial];
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (this.#closed) throw new Error("MswDispatcher is closed");
    void this.#run(options, toNewHandler(handler));
    return true;
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.#closed = true;
    if (callback) {
      queueMicrotask(callback);
      return;
    }
    return Promise.resolve();
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
    this.#closed = true;
    const callback = typeof a === "function" ? a : b;
    if (callback) {
      queueMicrotask(callback);
      return;
    }
    return Promise.resolve();
  }

  async #run(options: Dispatcher.DispatchOptions, handler: NewHandler): Promise<void> {
    const controller = new Controller();
    let finished = false;
    const fail = (error: Error) => {
      if (finished) return;
      finished = true;
      handler.onResponseError(controller, error);
    };
    const method = (options.method ?? "GET").toUpperCase();
    const url = new URL(options.path, options.origin ?? "http://localhost").href;
    const record: MswDispatchRecord = { method, url };
    this.requests.push(record);
    try {
      handler.onRequestStart(controller, {});
      if (controller.aborted) return fail(controller.reason!);
      const request = toRequest(method, url, options);
      let response = await getResponse(this.#handlers, request);
      if (!response) {
        this.unhandled.push(`${method} ${url}`);
        if (this.#onUnhandled === "error") return fail(new MswUnhandledRequestError(method, url));
        response = await this.#onUnhandled(request);
      }
      if (controller.aborted) return fail(controller.reason!);
      if (response.type === "error")
        return fail(new TypeError(`network error from msw for ${method} ${url}`));
      record.status = response.status;
      handler.onResponseStart(
        controller,
        response.status,
        toIncomingHeaders(response.headers),
        response.statusText,
      );
      if (response.body && method !== "HEAD") {
        const reader = response.body.getReader();
        controller.onAbort = (reason) => void reader.cancel(reason).catch(() => undefined);
        for (;;) {
          await controller.whilePaused();
          if (controller.aborted) break;
          const { done, value } = await reader.read();
          if (done || controller.aborted) break;
          handler.onResponseData(controller, Buffer.from(value));
        }
      } else {
        await response.body?.cancel();
      }
      if (controller.aborted) return fail(controller.reason!);
      finished = true;
      handler.onResponseEnd(controller, {});
    } catch (error) {
      fail(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

/**
 * Creates an undici dispatcher answered by msw handlers (see {@link MswDispatcher}).
 *
 * @example
 * const dispatcher = createMswDispatcher(distributionHandlers({ host: "registry.test", repos }));
 * const res = await request("https://registry.test/v2/", { dispatcher });
 */
export function createMswDispatcher(
  handlers: RequestHandler[],
  options?: MswDispatcherOptions,
): MswDispatcher {
  return new MswDispatcher(handlers, options);
}

class Controller implements Dispatcher.DispatchController {
  #aborted = false;
  #paused = false;
  #reason: Error | null = null;
  #wake: (() => void) | undefined;
  onAbort: ((reason: Error) => void) | undefined;

  get aborted() {
    return this.#aborted;
  }
  get paused() {
    return this.#paused;
  }
  get reason() {
    return this.#reason;
  }
  abort(reason: Error): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason ?? new Error("aborted");
    this.onAbort?.(this.#reason);
    this.#release();
  }
  pause(): void {
    this.#paused = true;
  }
  resume(): void {
    this.#paused = false;
    this.#release();
  }
  whilePaused(): Promise<void> {
    if (!this.#paused || this.#aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }
  #release() {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/** Adapts a legacy undici handler (`onConnect/onHeaders/onData/onComplete/onError`) to the controller API. */
function toNewHandler(handler: Dispatcher.DispatchHandler): NewHandler {
  if (typeof handler.onRequestStart === "function") {
    const h = handler;
    return {
      onRequestStart: (c, ctx) => h.onRequestStart?.(c, ctx),
      onResponseStart: (c, s, hd, m) => h.onResponseStart?.(c, s, hd, m),
      onResponseData: (c, chunk) => h.onResponseData?.(c, chunk),
      onResponseEnd: (c, t) => h.onResponseEnd?.(c, t),
      onResponseError: (c, e) => h.onResponseError?.(c, e),
    };
  }
  return {
    // undici passes the dispatch context as a second argument that the legacy typings omit.
    onRequestStart: (controller, context) =>
      (handler.onConnect as ((abort: (err?: Error) => void, context: unknown) => void) | undefined)?.(
        (reason) => controller.abort(reason ?? new Error("aborted")),
        context,
      ),
    onResponseStart: (controller, status, headers, statusText) => {
      const raw: Buffer[] = [];
      for (const [name, value] of Object.entries(headers)) {
        for (const v of Array.isArray(value) ? value : [value ?? ""])
          raw.push(Buffer.from(name), Buffer.from(v));
      }
      if (handler.onHeaders?.(status, raw, () => controller.resume(), statusText ?? "") === false)
        controller.pause();
    },
    onResponseData: (controller, chunk) => {
      if (handler.onData?.(chunk) === false) controller.pause();
    },
    onResponseEnd: () => handler.onComplete?.([]),
    onResponseError: (_controller, error) => handler.onError?.(error),
  };
}

function toRequest(method: string, url: string, options: Dispatcher.DispatchOptions): Request {
  const headers = new Headers();
  const add = (name: unknown, value: unknown) => {
    if (value === undefined || value === null) return;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(String(name), String(v));
  };
  const h = options.headers as unknown;
  if (Array.isArray(h)) {
    // Either a flat [name, value, name, value] list or a list of [name, value] pairs.
    if (h.length > 0 && Array.isArray(h[0])) for (const [n, v] of h as [unknown, unknown][]) add(n, v);
    else for (let i = 0; i + 1 < h.length; i += 2) add(h[i], h[i + 1]);
  } else if (h && typeof h === "object") {
    const entries =
      Symbol.iterator in h
        ? [...(h as Iterable<[unknown, unknown]>)]
        : Object.entries(h as Record<string, unknown>);
    for (const [n, v] of entries) add(n, v);
  }
  const body = options.body as unknown;
  let requestBody: RequestInit["body"] | undefined;
  if (body !== undefined && body !== null && method !== "GET" && method !== "HEAD") {
    if (typeof body === "string" || body instanceof Uint8Array || body instanceof FormData) {
      requestBody = body as RequestInit["body"];
    } else if (body instanceof Readable) {
      requestBody = Readable.toWeb(body) as ReadableStream;
    } else if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function") {
      requestBody = Readable.toWeb(Readable.from(body as AsyncIterable<unknown>)) as ReadableStream;
    } else {
      throw new TypeError(`MswDispatcher cannot send a ${Object.prototype.toString.call(body)} body`);
    }
  }
  return new Request(url, {
    method,
    headers,
    ...(requestBody !== undefined ? { body: requestBody, duplex: "half" } : {}),
  } as RequestInit);
}

function toIncomingHeaders(headers: Headers): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  headers.forEach((value, name) => {
    if (name !== "set-cookie") out[name] = value;
  });
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) out["set-cookie"] = cookies;
  return out;
}
