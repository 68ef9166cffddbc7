/**
 * A real loopback HTTP(S) server on port 0 that a test scripts by hand (raw `node:http` handlers, for sockets,
 * stalls and cuts that msw cannot play), a fake authenticator that records what it is asked, and a throw-away
 * self-signed certificate for 127.0.0.1 / localhost. Moved here from @regatta/transport (issue 11, item 1) so that
 * the transport's tests and the client's endpoint tests share one copy.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";

/** A test-only key pair (EC P-256, CA:TRUE, SAN localhost + 127.0.0.1, valid until 2126). Never trust it elsewhere. */
export const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgcAKPUxBCg0NexICw
r0MXY1FeQP8nyyBRB255udXncXuhRANCAASThA+vUlZexfrPaJeS0amEYdN+p15X
2cEJe3Hlz3jLZgbTBAG6fPU/z5q7yAj9GEuipj3LUh85X11um1uMl2px
-----END PRIVATE KEY-----
`;
export const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUGJ7rHt45cJaSYCQnyicyIBgRApowCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMzAxNDkzM1oYDzIxMjYxMDMw
MDE0OTMzWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASThA+vUlZexfrPaJeS0amEYdN+p15X2cEJe3Hlz3jLZgbTBAG6fPU/
z5q7yAj9GEuipj3LUh85X11um1uMl2pxo28wbTAdBgNVHQ4EFgQU8wP8bRRkuOUH
dvJi1SBsioS3m3YwHwYDVR0jBBgwFoAU8wP8bRRkuOUHdvJi1SBsioS3m3YwGgYD
VR0RBBMwEYIJbG9jYWxob3N0hwR/AAABMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZI
zj0EAwIDSAAwRQIhAIJgkh1PnXVGv0O5IC2S+bKwyFiZkGulvUMD9P6ady56AiBZ
lU/yKBA8EZN1qutP9H3dU5qIo2IgtwdBnnYw1csSEg==
-----END CERTIFICATE-----
`;

export type TestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** A running loopback server. `host` is `127.0.0.1:<port>`, usable as a registry name (loopback → http). */
export interface TestServer {
  server: Server;
  host: string;
  port: number;
  origin: string;
  /** Every request seen, in order. */
  requests: { method: string; url: string; headers: IncomingMessage["headers"] }[];
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1:0; `tls` makes it https with the test certificate. */
export async function startServer(
  handler: TestHandler,
  options: { tls?: boolean } = {},
): Promise<TestServer> {
  const requests: TestServer["requests"] = [];
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    Promise.resolve(handler(req, res)).catch((err) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  };
  const server = options.tls
    ? createHttpsServer({ key: TEST_KEY, cert: TEST_CERT }, listener)
    : createHttpServer(listener);
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;
  return {
    server,
    host,
    port,
    origin: `${options.tls ? "https" : "http"}://${host}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Reads a stream to its end through a pipeline, resolving with its bytes or rejecting with its error. */
export async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    stream,
    new Writable({
      write(chunk, _e, cb) {
        chunks.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(chunks);
}

/** Reads a request body fully (tests only: small bodies). */
export async function readRequest(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * What @regatta/auth's `Authenticator` is asked, spelt out here: the test kit sits below auth (layering.test.ts) and
 * a structural copy is all a transport needs to accept it.
 */
export interface FakeAuthorizeRequest {
  registry: string;
  scopes: { type: string; name: string; actions: string[] }[];
  signal?: AbortSignal;
}

/**
 * A scripted authenticator (the shape of @regatta/auth's `Authenticator`): `authorization` answers `initial`,
 * `challenge` answers the next of `renewals`.
 */
export class FakeAuthenticator {
  readonly learnt: { registry: string; challenge: string }[] = [];
  readonly authorizations: FakeAuthorizeRequest[] = [];
  readonly challenges: (FakeAuthorizeRequest & { wwwAuthenticate: string; previous?: string })[] = [];
  constructor(
    public initial: string | undefined,
    public renewals: (string | undefined)[] = [],
  ) {}
  describe(registry: string): {
    registry: string;
    scheme: "none" | "basic" | "bearer" | "unknown";
    username?: string;
  } {
    return { registry, scheme: "unknown" };
  }
  learn(registry: string, challenge: string): void {
    this.learnt.push({ registry, challenge });
  }
  async authorization(request: FakeAuthorizeRequest): Promise<string | undefined> {
    this.authorizations.push(request);
    return this.initial;
  }
  async challenge(
    request: FakeAuthorizeRequest & { wwwAuthenticate: string; previous?: string },
  ): Promise<string | undefined> {
    this.challenges.push(request);
    const next = this.renewals.shift();
    if (next) this.initial = next;
    return next;
  }
}
