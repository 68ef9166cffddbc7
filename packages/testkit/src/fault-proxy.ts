/**
 * A reverse proxy on 127.0.0.1 in front of a real registry that injects the faults of a bad network or a bad
 * registry, request by request: connections dropped mid-body, stalls, corrupt bytes, throttled bodies, 503s, 429s
 * with `Retry-After`, lying `Docker-Content-Digest` headers, injected pagination, redirects to another origin, and
 * uploads cut mid-request. It records every request it saw, so a test can count retries.
 *
 * Bodies stream through untouched unless a fault says otherwise. The `Host` header is kept, so distribution builds
 * its upload `Location`s with the proxy's address and the client stays behind the proxy.
 *
 * @example
 * const proxy = await startFaultProxy(registry.url);
 * proxy.set([{ method: "GET", path: /\/blobs\/sha256:/, fault: { type: "drop", afterBytes: 1000 } }]);
 * await reg.blob(`${proxy.host}/team/app`, digest).toFile(file); // survives one cut
 * proxy.count("GET", /\/blobs\/sha256:/); // 2
 * await proxy.close();
 */
import { createHash } from "node:crypto";
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** A request as a fault rule sees it. */
export interface FaultRequest {
  method: string;
  /** Path and query, as received. */
  path: string;
  headers: IncomingHttpHeaders;
}

/** What to do to a matched request. */
export type Fault =
  /** Send the headers and `afterBytes` bytes of the body (default 0), then drop the connection. */
  | { type: "drop"; afterBytes?: number }
  /**
   * Send the headers and `afterBytes` bytes of the body (default 0), then nothing, with the connection open; an
   * answer without a body (HEAD, an upload's 202) is withheld whole.
   */
  | { type: "stall"; afterBytes?: number }
  /** Flip one bit of the body byte at `at` (negative: from the end; default the middle byte). */
  | { type: "corrupt"; at?: number }
  /** Send the response body, and forward the request body, at `bytesPerSecond`. */
  | { type: "slow"; bytesPerSecond: number }
  /**
   * Answer `status` here without asking the registry (503, 429 with `retryAfter` seconds, 413…), with a
   * distribution-style `errors[]` body. The request body is read and dropped. With `reached`, the request goes to
   * the registry first, which acts on it, and its answer is replaced: an answer lost on the way back (a DELETE that
   * deleted, reported as a 503 by a proxy).
   */
  | {
      type: "status";
      status: number;
      retryAfter?: number;
      headers?: Record<string, string>;
      reached?: boolean;
    }
  /** Replace the `Docker-Content-Digest` response header (default: a well-formed digest of other bytes). */
  | { type: "digest"; digest?: string }
  /**
   * Cut a tags or catalog list to `pageSize` entries (default 1) after the query's `last`, with a `Link` to the next
   * page (or `next`, verbatim, whatever the list). distribution 2.8 ignores `n`/`last` on tags, so the proxy pages
   * the full list itself: give the rule `times: Infinity` so the follow-up pages are cut too.
   */
  | { type: "paginate"; pageSize?: number; next?: string }
  /** Answer a redirect (default 302) to the same path at `to` (default: the registry itself, another port). */
  | { type: "redirect"; to?: string; status?: number }
  /** Cut the connection while the client sends its body: after `afterBytes` bytes reached the registry, or before any. */
  | { type: "cut-request"; afterBytes?: number }
  /** Forward another path and query (e.g. drop `?mount=`, as a registry that does not mount). */
  | { type: "rewrite-path"; rewrite: (path: string) => string }
  /** Rewrite the response headers (a relative `Location`, an extra `OCI-Chunk-Min-Length`). */
  | {
      type: "headers";
      rewrite: (headers: IncomingHttpHeaders, request: FaultRequest) => IncomingHttpHeaders;
    };

/** Which requests a fault applies to, and how many times. */
export interface FaultRule {
  /** Methods matched (default: any). */
  method?: string | readonly string[];
  /** Tested on the path and query (default: any). */
  path?: RegExp;
  /** A further test on the request (its headers: `range`, `content-length`…). */
  when?: (request: FaultRequest) => boolean;
  /** Matching requests let through before the fault applies (default 0). */
  skip?: number;
  /** Matching requests the fault applies to, after `skip` (default 1; `Infinity` for every one). */
  times?: number;
  fault: Fault;
}

/** One request the proxy saw. */
export interface SeenRequest {
  method: string;
  /** Path and query, as received. */
  path: string;
  range?: string;
  /** Request body bytes received from the client. */
  bytes: number;
  /** Status sent back (the registry's, or the fault's); undefined when the connection was cut first. */
  status?: number;
  /** Types of the faults applied to it. */
  faults: Fault["type"][];
}

export interface FaultProxy {
  /** `127.0.0.1:PORT`, usable as a registry name (loopback: plain http). */
  host: string;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Every request seen, in order of arrival (clear it with `length = 0`). */
  requests: SeenRequest[];
  /** Replaces the rules and clears `requests`. */
  set(rules: readonly FaultRule[]): void;
  /** Requests seen whose method is `method` (any when undefined) and whose path matches `path`. */
  count(method?: string, path?: RegExp): number;
  /** Requests a fault (of `type`, when given) was applied to. */
  faulted(type?: Fault["type"]): SeenRequest[];
  /** Drops every connection and stops listening. */
  close(): Promise<void>;
}

/** A well-formed digest of nothing a registry stores: what a lying `Docker-Content-Digest` says by default. */
export const WRONG_DIGEST = `sha256:${createHash("sha256").update("regatta fault proxy: not the content").digest("hex")}`;

const ERROR_CODES: Record<number, string> = {
  413: "SIZE_INVALID",
  429: "TOOMANYREQUESTS",
  503: "UNAVAILABLE",
};

interface ActiveRule {
  rule: FaultRule;
  matched: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes `chunk`, waiting for `drain`; false when the client went away. */
function send(res: ServerResponse, chunk: Uint8Array): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (res.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on("drain", onDrain);
    res.on("close", onClose);
  });
}

/** The list a tags or catalog answer holds, and its key. */
function listOf(json: unknown): { key: "tags" | "repositories"; list: string[] } | undefined {
  if (!json || typeof json !== "object") return undefined;
  for (const key of ["tags", "repositories"] as const) {
    const list = (json as Record<string, unknown>)[key];
    if (Array.isArray(list)) return { key, list: list as string[] };
    if (list === null) return { key, list: [] };
  }
  return undefined;
}

/** Starts a fault proxy to `target` (`http://127.0.0.1:PORT`) with `rules` (none: it forwards everything). */
export async function startFaultProxy(target: string, rules: readonly FaultRule[] = []): Promise<FaultProxy> {
  const upstream = new URL(target);
  const requests: SeenRequest[] = [];
  let active: ActiveRule[] = [];
  const sockets = new Set<Socket>();
  const set = (next: readonly FaultRule[]) => {
    active = next.map((rule) => ({ rule, matched: 0 }));
    requests.length = 0;
  };
  set(rules);

  /** The faults that apply to this request; every matching rule counts the match. */
  const faultsFor = (request: FaultRequest): Fault[] => {
    const faults: Fault[] = [];
    for (const entry of active) {
      const { rule } = entry;
      const methods = rule.method === undefined ? undefined : [rule.method].flat();
      if (methods && !methods.includes(request.method)) continue;
      if (rule.path && !rule.path.test(request.path)) continue;
      if (rule.when && !rule.when(request)) continue;
      entry.matched++;
      const skip = rule.skip ?? 0;
      if (entry.matched > skip && entry.matched <= skip + (rule.times ?? 1)) faults.push(rule.fault);
    }
    return faults;
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const request: FaultRequest = { method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers };
    const faults = faultsFor(request);
    const seen: SeenRequest = {
      method: request.method,
      path: request.path,
      ...(req.headers.range ? { range: String(req.headers.range) } : {}),
      bytes: 0,
      faults: faults.map((f) => f.type),
    };
    requests.push(seen);
    const find = <T extends Fault["type"]>(type: T) =>
      faults.find((f): f is Extract<Fault, { type: T }> => f.type === type);
    const answer = (status: number, headers: Record<string, string>, body = "") => {
      req.on("data", (chunk: Buffer) => {
        seen.bytes += chunk.length;
      });
      req.once("end", () => {
        seen.status = status;
        res.writeHead(status, { ...headers, "content-length": String(Buffer.byteLength(body)) });
        res.end(request.method === "HEAD" ? undefined : body);
      });
    };

    const status = find("status");
    const statusAnswer = (fault: Extract<Fault, { type: "status" }>) => {
      const code = ERROR_CODES[fault.status] ?? "UNKNOWN";
      const body = `${JSON.stringify({ errors: [{ code, message: `fault proxy: ${fault.status}`, detail: null }] })}\n`;
      const headers = {
        "content-type": "application/json; charset=utf-8",
        "docker-distribution-api-version": "registry/2.0",
        ...(fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {}),
        ...fault.headers,
      };
      return { headers, body };
    };
    if (status && !status.reached) {
      const { headers, body } = statusAnswer(status);
      answer(status.status, headers, body);
      return;
    }
    const redirect = find("redirect");
    if (redirect) {
      const to = new URL(request.path, redirect.to ?? upstream.origin).toString();
      answer(redirect.status ?? 302, { location: to });
      return;
    }

    const cutRequest = find("cut-request");
    const cut = () => req.socket.destroy();
    if (cutRequest && cutRequest.afterBytes === undefined) {
      // Take a little of the body, as a connection that dies mid-request does, and forward none of it.
      req.once("data", (chunk: Buffer) => {
        seen.bytes += chunk.length;
        cut();
      });
      req.once("end", cut);
      return;
    }
    const limit = cutRequest?.afterBytes ?? Number.POSITIVE_INFINITY;
    let path = request.path;
    for (const f of faults) if (f.type === "rewrite-path") path = f.rewrite(path);
    let cutting = false;
    // A slow link is slow both ways: request bodies (uploads) are throttled too.
    const slowBody = find("slow");
    const started = Date.now();
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: request.method, path, headers: req.headers },
      (response) => {
        void respond(response).catch(() => res.destroy());
      },
    );
    forward.on("error", () => req.socket.destroy());
    req.on("data", (chunk: Buffer) => {
      if (cutting) return;
      if (seen.bytes + chunk.length > limit) {
        cutting = true;
        forward.write(chunk.subarray(0, limit - seen.bytes));
        seen.bytes = limit;
        // Let the registry read what it got, then drop both sides: it sees a body cut short.
        setTimeout(() => {
          forward.destroy();
          cut();
        }, 50);
        req.pause();
        return;
      }
      seen.bytes += chunk.length;
      const due = slowBody ? (seen.bytes / slowBody.bytesPerSecond) * 1000 - (Date.now() - started) : 0;
      if (!forward.write(chunk) || due > 0) {
        req.pause();
        let waits = 1 + (forward.writableNeedDrain ? 1 : 0);
        const go = () => {
          if (--waits === 0) req.resume();
        };
        if (forward.writableNeedDrain) forward.once("drain", go);
        setTimeout(go, Math.max(0, due));
      }
    });
    req.on("end", () => {
      if (!cutting) forward.end();
    });

    const respond = async (response: IncomingMessage) => {
      if (status?.reached) {
        response.resume();
        const { headers, body } = statusAnswer(status);
        seen.status = status.status;
        res.writeHead(status.status, { ...headers, "content-length": String(Buffer.byteLength(body)) });
        res.end(request.method === "HEAD" ? undefined : body);
        return;
      }
      let headers: IncomingHttpHeaders = { ...response.headers };
      const digest = find("digest");
      if (digest) headers["docker-content-digest"] = digest.digest ?? WRONG_DIGEST;
      for (const f of faults) if (f.type === "headers") headers = f.rewrite(headers, request);
      const paginate = find("paginate");
      if (paginate && response.statusCode === 200) {
        const chunks: Buffer[] = [];
        for await (const chunk of response) chunks.push(chunk as Buffer);
        const json = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
        const found = listOf(json);
        if (found) {
          const query = new URL(request.path, "http://proxy").searchParams;
          const last = query.get("last");
          const from = last === null ? 0 : found.list.indexOf(last) + 1;
          const page = found.list.slice(from, from + (paginate.pageSize ?? 1));
          json[found.key] = page;
          const more = from + page.length < found.list.length;
          const next = new URL(request.path, "http://proxy");
          if (page.length) next.searchParams.set("last", page.at(-1) as string);
          const link = paginate.next ?? (more ? `${next.pathname}${next.search}` : undefined);
          if (link) headers.link = `<${link}>; rel="next"`;
          else delete headers.link;
        }
        const body = Buffer.from(JSON.stringify(json));
        headers["content-length"] = String(body.length);
        seen.status = 200;
        res.writeHead(200, headers);
        res.end(body);
        return;
      }
      const stall = find("stall");
      const bodiless = request.method === "HEAD" || response.headers["content-length"] === "0";
      if (stall && bodiless) {
        // Nothing to stall in a body that is empty: the answer itself never comes.
        response.resume();
        return;
      }
      seen.status = response.statusCode ?? 502;
      res.writeHead(seen.status, headers);
      const drop = find("drop");
      const corrupt = find("corrupt");
      const slow = find("slow");
      if (!drop && !stall && !corrupt && !slow) {
        response.pipe(res);
        return;
      }
      const length = Number(response.headers["content-length"]);
      const stopAt = drop
        ? (drop.afterBytes ?? 0)
        : stall
          ? (stall.afterBytes ?? 0)
          : Number.POSITIVE_INFINITY;
      let flip = -1;
      if (corrupt && Number.isFinite(length) && length > 0) {
        const at = corrupt.at ?? Math.floor(length / 2);
        flip = at < 0 ? length + at : Math.min(at, length - 1);
      }
      const started = Date.now();
      let sent = 0;
      if (stopAt === 0) res.flushHeaders();
      // A throttled body moves in slices every 50 ms or so, as a slow link does, never in bursts after long silences.
      const slices = async function* (): AsyncGenerator<Buffer> {
        const size = slow ? Math.max(1024, Math.floor(slow.bytesPerSecond / 20)) : Number.POSITIVE_INFINITY;
        for await (const chunk of response) {
          const whole = chunk as Buffer;
          for (let i = 0; i < whole.length; i += size) yield whole.subarray(i, i + size);
        }
      };
      for await (const chunk of slices()) {
        let part = chunk;
        if (sent + part.length > stopAt) part = part.subarray(0, stopAt - sent);
        if (flip >= sent && flip < sent + part.length) {
          part = Buffer.from(part);
          part[flip - sent] = (part[flip - sent] as number) ^ 1;
        }
        if (!(await send(res, part))) {
          response.destroy();
          return;
        }
        sent += part.length;
        if (sent >= stopAt) break;
        if (slow) {
          const due = (sent / slow.bytesPerSecond) * 1000 - (Date.now() - started);
          if (due > 0) await sleep(due);
        }
      }
      if (drop) {
        response.destroy();
        // Let the bytes sent reach the client before the connection goes, as a real cut mid-body does.
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      if (stall) {
        // Headers and some bytes, then silence until the client gives up or the proxy closes.
        response.destroy();
        return;
      }
      res.end();
    };
  };

  const server = createServer(handle);
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const matches = (r: SeenRequest, method?: string, path?: RegExp) =>
    (method === undefined || r.method === method) && (path === undefined || path.test(r.path));
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    requests,
    set,
    count: (method, path) => requests.filter((r) => matches(r, method, path)).length,
    faulted: (type) => requests.filter((r) => (type ? r.faults.includes(type) : r.faults.length > 0)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
