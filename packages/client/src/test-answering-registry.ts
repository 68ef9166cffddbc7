/**
 * A registry on a loopback socket that answers each request from a function the test writes: for the answers a
 * well-behaved fake registry never gives (a lying Docker-Content-Digest, a foreign next link, a body that is not a
 * tag list). Tests of ordinary behaviour use @regatta/testkit's fake registries instead.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { computeDigest } from "@regatta/manifest";
import {
  createMswDispatcher,
  distributionHandlers,
  type FakeRepositories,
  type RegistryHandlers,
  type RegistryHandlersOptions,
} from "@regatta/testkit";
import { expect } from "vitest";
import { createClient } from "./connect.js";
import type { ConnectOptions } from "./connect-options.js";
import type { RegistryClient } from "./registry-client.js";

/** One request the registry received. */
export interface SeenRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What the registry sends back; status 200 and no body unless told. */
export interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface AnsweringRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Every request, oldest first. */
  seen: SeenRequest[];
  /** A client of this registry (plain http, no retries). */
  reg: RegistryClient;
  close(): Promise<void>;
}

/** Starts a registry on 127.0.0.1 and a free port whose every answer is `answer(request)`. */
export async function answeringRegistry(
  answer: (request: SeenRequest) => Answer | Promise<Answer>,
  options: ConnectOptions = {},
): Promise<AnsweringRegistry> {
  const seen: SeenRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    seen.push(request);
    try {
      const { status = 200, headers = {}, body } = await answer(request);
      res.writeHead(status, headers);
      res.end(body === undefined ? undefined : typeof body === "string" ? body : Buffer.from(body));
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const reg = createClient(url, { retry: { attempts: 0 }, ...options });
  return {
    host: `127.0.0.1:${port}`,
    url,
    seen,
    reg,
    close: async () => {
      await reg.close();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/** A JSON answer with the given status and headers. */
export function json(body: unknown, headers: Record<string, string> = {}, status = 200): Answer {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

/** A client of testkit's fake distribution registry at `registry.test`, reached through msw (no socket). */
export function fakeDistribution(
  repos: FakeRepositories,
  options: RegistryHandlersOptions & { connect?: ConnectOptions } = {},
): { handlers: RegistryHandlers; reg: RegistryClient } {
  const { connect, ...handlerOptions } = options;
  const handlers = distributionHandlers({ repos, ...handlerOptions });
  const reg = createClient("registry.test", {
    dispatcher: createMswDispatcher(handlers),
    retry: { attempts: 0 },
    ...connect,
  });
  return { handlers, reg };
}

/** Clients of several fake distribution registries (`src.test`, `dst.test`, …) behind one msw dispatcher. */
export function fakeRegistries<Host extends string>(
  content: Record<Host, FakeRepositories>,
  options: Omit<RegistryHandlersOptions, "host" | "repos"> & { connect?: ConnectOptions } = {},
): { handlers: Record<Host, RegistryHandlers>; reg: RegistryClient } {
  const { connect, ...handlerOptions } = options;
  const hosts = Object.keys(content) as Host[];
  const handlers = Object.fromEntries(
    hosts.map((host) => [host, distributionHandlers({ host, repos: content[host], ...handlerOptions })]),
  ) as Record<Host, RegistryHandlers>;
  const reg = createClient(hosts[0], {
    dispatcher: createMswDispatcher(hosts.flatMap((host) => handlers[host])),
    retry: { attempts: 0 },
    ...connect,
  });
  return { handlers, reg };
}

/** The error `promise` rejects with, asserted to be a `type`. */
export async function rejection<E>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  return error as E;
}

/** An unsigned Docker schema 1 manifest (which nothing may push any more), as bytes. */
export function schema1Bytes(name: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 1,
      name,
      tag: "v1",
      architecture: "amd64",
      fsLayers: [{ blobSum: computeDigest(new Uint8Array()) }],
      history: [{ v1Compatibility: "{}" }],
    }),
  );
}
