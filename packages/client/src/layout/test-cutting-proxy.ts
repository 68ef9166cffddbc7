/**
 * Test helper (not built): an HTTP proxy in front of a registry that logs every request with its Range header and,
 * on demand, slows blob downloads or cuts the connection after some bytes, the way a flaky network does.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ProxiedRequest {
  method: string;
  path: string;
  range?: string;
}

export interface CuttingProxyOptions {
  /** For a blob GET: the bytes after which to cut the connection, or undefined to let it through. */
  cutAfter?: (request: ProxiedRequest, index: number) => number | undefined;
  /** Bytes per second for blob bodies (default: no limit). */
  bytesPerSecond?: number;
}

export interface CuttingProxy {
  url: string;
  host: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

const isBlobGet = (r: ProxiedRequest) => r.method === "GET" && /\/blobs\/sha256:[0-9a-f]{64}$/.test(r.path);

export async function startCuttingProxy(
  target: string,
  options: CuttingProxyOptions = {},
): Promise<CuttingProxy> {
  const upstream = new URL(target);
  const requests: ProxiedRequest[] = [];
  let blobIndex = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const record: ProxiedRequest = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      ...(req.headers.range ? { range: String(req.headers.range) } : {}),
    };
    requests.push(record);
    const blob = isBlobGet(record);
    const cut = blob ? options.cutAfter?.(record, blobIndex++) : undefined;
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (!blob || (cut === undefined && !options.bytesPerSecond)) {
          answer.pipe(res);
          return;
        }
        let sent = 0;
        const started = Date.now();
        answer.on("data", (chunk: Buffer) => {
          if (res.destroyed) return;
          let part = chunk;
          if (cut !== undefined && sent + part.length >= cut)
            part = part.subarray(0, Math.max(0, cut - sent));
          sent += part.length;
          res.write(part);
          if (cut !== undefined && sent >= cut) {
            answer.destroy();
            res.socket?.destroy();
            return;
          }
          if (options.bytesPerSecond) {
            const due = (sent / options.bytesPerSecond) * 1000 - (Date.now() - started);
            if (due > 0) {
              answer.pause();
              setTimeout(() => answer.resume(), due);
            }
          }
        });
        answer.on("end", () => res.end());
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
