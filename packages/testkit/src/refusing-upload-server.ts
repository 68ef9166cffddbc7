/**
 * A loopback registry of blob upload sessions that refuses requests without reading their bodies: what a registry or
 * a proxy in front of it does when it answers a request before its body has come (nginx's `client_max_body_size`
 * answers 413 and closes; a registry may answer 411, 416 or 500 early, or drop the connection). The client's write
 * then fails (EPIPE) and Node often drops the answer with the socket, so an upload must take a cut while sending for
 * what it may be. The test says which requests are refused, and how; everything else is a plain upload endpoint
 * (POST opens a session, PATCH appends, GET tells the range, PUT `?digest=` commits what the session holds when its
 * digest matches, DELETE is answered 204).
 */
import { createHash, type Hash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { startServer, type TestServer } from "./loopback-server.js";

/** A request to an upload session, as the refusing server saw it. */
export interface UploadRequestSeen {
  /** `POST` (which opens a session), `PATCH`, `PUT`, `GET`, `DELETE`. */
  method: string;
  /** Its Content-Length, or `stream` when it has none (a streamed body, or none at all for a GET). */
  length: number | "stream";
  /** Its Content-Range, when it has one. */
  range?: string;
  /** Whether it was refused unread. */
  refused: boolean;
}

/**
 * How a request is refused, its body left unread: answered with `status` (and `Connection: close`), the socket
 * destroyed once the answer is written when `destroy` is set (nginx's way, which makes the client lose the answer
 * more often than not); or `drop`, the connection destroyed with no answer at all.
 */
export type UnreadRefusal =
  | { status: number; contentType?: string; body?: string; destroy?: boolean }
  | "drop";

/** Decides, for each request to an existing session, whether it is refused unread (undefined: it is served). */
export type RefusalPolicy = (request: Omit<UploadRequestSeen, "refused">) => UnreadRefusal | undefined;

/** A running refusing server: a {@link TestServer} (use its `host` as the registry) and what it saw. */
export interface RefusingUploadServer extends TestServer {
  /** Each POST and each request to an existing session, in order (requests for an unknown session are not listed). */
  seen: UploadRequestSeen[];
  /** Forgets the sessions and what was seen (before each test). */
  reset(): void;
}

/**
 * Starts a loopback server of upload sessions (any repository, Locations `/v2/r/blobs/uploads/u<N>`) that refuses the
 * requests `refuse` picks without reading their bodies.
 */
export async function startRefusingUploadServer(refuse: RefusalPolicy): Promise<RefusingUploadServer> {
  const sessions = new Map<string, { size: number; hash: Hash }>();
  const seen: UploadRequestSeen[] = [];
  let opened = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://x");
    const id = url.pathname.split("/").at(-1) ?? "";
    const declared = req.headers["content-length"];
    const length: number | "stream" = declared === undefined ? "stream" : Number(declared);
    const range = req.headers["content-range"];
    const method = req.method ?? "";
    if (method === "POST") {
      const name = `u${++opened}`;
      sessions.set(name, { size: 0, hash: createHash("sha256") });
      seen.push({ method, length, refused: false });
      return void res.writeHead(202, { location: `/v2/r/blobs/uploads/${name}`, range: "0-0" }).end();
    }
    const session = sessions.get(id);
    if (!session) return void res.writeHead(404).end('{"errors":[{"code":"BLOB_UPLOAD_UNKNOWN"}]}');
    const request = { method, length, ...(range ? { range } : {}) };
    const refusal = refuse(request);
    seen.push({ ...request, refused: refusal !== undefined });
    if (refusal === "drop") return void req.socket.destroy();
    if (refusal) {
      res.writeHead(refusal.status, {
        "content-type": refusal.contentType ?? "application/json",
        connection: "close",
      });
      const body = refusal.body ?? '{"errors":[{"code":"UNKNOWN","message":"refused unread"}]}';
      return void (refusal.destroy ? res.end(body, () => req.socket.destroy()) : res.end(body));
    }
    for await (const chunk of req) {
      session.hash.update(chunk as Buffer);
      session.size += (chunk as Buffer).length;
    }
    const held = { range: `0-${Math.max(0, session.size - 1)}`, location: `/v2/r/blobs/uploads/${id}` };
    if (method === "PATCH") return void res.writeHead(202, held).end();
    if (method === "GET") return void res.writeHead(204, held).end();
    if (method === "DELETE") return void res.writeHead(204).end();
    // PUT ?digest=: commits what the session holds (with the PUT's own bytes), if it is the blob.
    const got = `sha256:${session.hash.copy().digest("hex")}`;
    if (got !== url.searchParams.get("digest"))
      return void res.writeHead(400).end('{"errors":[{"code":"DIGEST_INVALID"}]}');
    sessions.delete(id);
    res.writeHead(201, { location: `/v2/r/blobs/${got}`, "docker-content-digest": got }).end();
  };

  const server = await startServer(handle);
  return Object.assign(server, {
    seen,
    reset() {
      sessions.clear();
      seen.length = 0;
    },
  });
}
