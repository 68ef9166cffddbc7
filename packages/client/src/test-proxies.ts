/**
 * Test helpers (excluded from the build): reverse proxies on 127.0.0.1 in front of a real registry, to count the
 * requests a client sends and to cut connections in the middle of an upload. Bodies stream through untouched; the
 * Host header is kept, so the registry builds its Locations with the proxy's address and the client stays behind it.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One request seen by a proxy. */
export interface SeenRequest {
  method: string;
  /** Path and query. */
  path: string;
  /** Request body bytes the proxy received from the client. */
  bytes: number;
}

/** What to do with one request: forward it, cut it before the registry sees it, or after `bytes` of its body. */
export type CutDecision = "forward" | "before" | { after: number };

export interface TestProxy {
  /** `127.0.0.1:PORT`, usable as a registry name (loopback: plain http). */
  host: string;
  url: string;
  requests: SeenRequest[];
  /** Requests whose connection was cut. */
  cuts: SeenRequest[];
  close(): Promise<void>;
}

/** How a proxy bends what passes through it; by default it forwards everything as it is. */
export interface ProxyOptions {
  /** Asked for every request (with its index among requests of the same method) whether to cut it. */
  cut?: (req: IncomingMessage, nth: number) => CutDecision;
  /** Answers a request here instead of forwarding it (its body is read and dropped), e.g. 413 for a large body. */
  answer?: (req: IncomingMessage) => { status: number; headers?: Record<string, string> } | undefined;
  /** The path and query forwarded, e.g. without `?mount=`. */
  path?: (path: string) => string;
  /** The response headers sent back, e.g. a relative Location. */
  headers?: (req: IncomingMessage, headers: IncomingHttpHeaders) => IncomingHttpHeaders;
}

/** A proxy to `target` (`http://127.0.0.1:PORT`); see {@link ProxyOptions}. */
export async function startProxy(target: string, options: ProxyOptions = {}): Promise<TestProxy> {
  const decide = options.cut ?? (() => "forward");
  const upstream = new URL(target);
  const requests: SeenRequest[] = [];
  const cuts: SeenRequest[] = [];
  const perMethod = new Map<string, number>();
  const sockets = new Set<Socket>();

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? "GET";
    const nth = (perMethod.get(method) ?? 0) + 1;
    perMethod.set(method, nth);
    const seen: SeenRequest = { method, path: req.url ?? "/", bytes: 0 };
    requests.push(seen);
    const answer = options.answer?.(req);
    if (answer) {
      req.resume();
      req.once("end", () => {
        res.writeHead(answer.status, { "content-length": "0", ...answer.headers });
        res.end();
      });
      return;
    }
    const decision = decide(req, nth);
    const cut = () => {
      cuts.push(seen);
      req.socket.destroy();
    };
    if (decision === "before") {
      // Take a little of the body, as a connection that dies mid-request does, and forward none of it.
      req.once("data", (chunk: Buffer) => {
        seen.bytes += chunk.length;
        cut();
      });
      req.once("end", cut);
      return;
    }
    const limit = typeof decision === "object" ? decision.after : Number.POSITIVE_INFINITY;
    let cutting = false;
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method,
        path: options.path ? options.path(req.url ?? "/") : req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(
          answer.statusCode ?? 502,
          options.headers ? options.headers(req, answer.headers) : answer.headers,
        );
        answer.pipe(res);
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
      if (!forward.write(chunk)) {
        req.pause();
        forward.once("drain", () => req.resume());
      }
    });
    req.on("end", () => {
      if (!cutting) forward.end();
    });
  };

  const server = createServer(handle);
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    requests,
    cuts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Requests of a method whose path matches. */
export function count(proxy: TestProxy, method: string, path: RegExp): number {
  return proxy.requests.filter((r) => r.method === method && path.test(r.path)).length;
}

/**
 * A proxy that flips the last byte of every blob body and of every manifest fetched by digest: a registry or a
 * man-in-the-middle serving tampered content. Bodies are buffered (test blobs are small).
 */
export async function startTamperingProxy(
  target: string,
): Promise<{ url: string; host: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const upstream = await fetch(`${target}${req.url}`, {
      method: req.method ?? "GET",
      headers: Object.fromEntries(
        Object.entries(req.headers).filter(
          ([k, v]) => typeof v === "string" && k !== "host" && k !== "content-length",
        ),
      ) as Record<string, string>,
      ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
    });
    const body = Buffer.from(await upstream.arrayBuffer());
    if (body.length && (req.url?.includes("/blobs/sha256:") || req.url?.includes("/manifests/sha256:"))) {
      body[body.length - 1] = (body[body.length - 1] as number) ^ 1;
    }
    const headers: Record<string, string> = {};
    upstream.headers.forEach((v, k) => {
      if (k !== "content-length" && k !== "transfer-encoding" && k !== "content-encoding") headers[k] = v;
    });
    res.writeHead(upstream.status, headers).end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://${host}`,
    host,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
