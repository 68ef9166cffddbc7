import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer } from "@mswjs/http-middleware";
import { HttpResponse, http, type RequestHandler } from "msw";

/** A loopback HTTP server answering from msw handlers (see {@link serveHandlers}). */
export interface ServedHandlers {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT` */
  host: string;
  port: number;
  server: Server;
  /** `METHOD url` of requests no handler answered (they got a 501 `no msw handler for …`). */
  unhandled: string[];
  /** Stops listening and drops keep-alive connections. */
  close(): Promise<void>;
}

/**
 * Serves msw handlers on a real socket on 127.0.0.1 and a free port, through `@mswjs/http-middleware`: for tests
 * where sockets matter (streaming, abort, back-pressure, redirects, uploads). Handlers should match any origin
 * (e.g. {@link distributionHandlers} without `host`), since the port is known only after listening. An
 * unmatched request is answered 501 with `no msw handler for METHOD url` and listed in `unhandled`.
 *
 * @example
 * const served = await serveHandlers(distributionHandlers({ repos }));
 * try { await fetch(`${served.url}/v2/`); } finally { await served.close(); }
 */
export async function serveHandlers(handlers: RequestHandler[]): Promise<ServedHandlers> {
  const unhandled: string[] = [];
  const catchAll = http.all("*", ({ request }) => {
    const line = `${request.method} ${request.url}`;
    unhandled.push(line);
    return new HttpResponse(`no msw handler for ${line}\n`, {
      status: 501,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  });
  // http-middleware is CommonJS and types its parameters with msw's CJS typings; the handlers are the same at
  // run time. Its express app is itself a (req, res) listener.
  const express = createServer(...([...handlers, catchAll] as never[])) as unknown as {
    disable(setting: string): void;
  } & NonNullable<Parameters<typeof createHttpServer>[0]>;
  express.disable("x-powered-by");
  const app = express;
  const server = createHttpServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    port,
    server,
    unhandled,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
