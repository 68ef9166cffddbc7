/**
 * A host that is not a registry, through the transport (issue 12): a web server answering every path with an HTML
 * 404, or a JSON API of something else, is said to be no registry, by the ping and by any registry request — one
 * judgement (@regatta/errors' notRegistryError) at the status concern and the ping; a registry's 404 stays a
 * NotFoundError.
 */
import { NOT_A_REGISTRY, NotFoundError, ProtocolError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { testbed } from "./test-helpers.js";

const { serve, make } = testbed({ retry: { attempts: 0 } });
const HTML = "<!doctype html><html><head><title>404</title></head><body>Not Found</body></html>";

describe("a host that is not a registry", () => {
  it("an HTML 404 to the ping and to a request: NOT_A_REGISTRY naming the host, the path and what answered", async () => {
    const web = await serve((_req, res) => {
      res.writeHead(404, { "content-type": "text/html; charset=utf-8" });
      res.end(HTML);
    });
    const transport = make();
    const ping = await transport.ping(web.host).catch((e: unknown) => e);
    expect(ping).toBeInstanceOf(ProtocolError);
    expect([(ping as ProtocolError).code, (ping as ProtocolError).message]).toEqual([
      NOT_A_REGISTRY,
      `ping ${web.host}: ${web.host} does not look like a container registry (GET /v2/ answered 404 text/html)`,
    ]);
    const request = await transport
      .request({
        registry: web.host,
        method: "GET",
        path: "/v2/team/app/manifests/1",
        scopes: [],
        context: "get manifest team/app:1",
      })
      .catch((e: unknown) => e);
    expect(request).not.toBeInstanceOf(NotFoundError);
    expect([
      (request as ProtocolError).code,
      (request as ProtocolError).status,
      (request as ProtocolError).message,
    ]).toEqual([
      NOT_A_REGISTRY,
      404,
      `get manifest team/app:1: ${web.host} does not look like a container registry (GET /v2/team/app/manifests/1 answered 404 text/html)`,
    ]);
  });

  it("JSON without errors[] is another API; a registry's 404 (header or errors[]) stays NotFoundError", async () => {
    const api = await serve((req, res) => {
      if (req.url?.includes("registry-header")) {
        res.writeHead(404, {
          "docker-distribution-api-version": "registry/2.0",
          "content-type": "text/html",
        });
        return void res.end(HTML);
      }
      if (req.url?.includes("registry-body")) {
        res.writeHead(404, { "content-type": "application/json" });
        return void res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
      }
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"status":404,"error":"no such route"}');
    });
    const transport = make();
    const get = (path: string) =>
      transport.request({ registry: api.host, method: "GET", path, scopes: [] }).catch((e: unknown) => e);
    const other = (await get("/v2/x/manifests/1")) as ProtocolError;
    expect([other.code, other.message]).toEqual([
      NOT_A_REGISTRY,
      `${api.host} does not look like a container registry (GET /v2/x/manifests/1 answered 404 application/json)`,
    ]);
    for (const path of ["/v2/registry-header/manifests/1", "/v2/registry-body/manifests/1"]) {
      expect(await get(path)).toBeInstanceOf(NotFoundError);
    }
  });

  it("a host that has answered as a registry is one: a proxy's HTML page later is that registry's error", async () => {
    const proxied = await serve((req, res) => {
      if (req.url === "/v2/team/app/tags/list") {
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end('{"name":"team/app","tags":["1"]}');
      }
      res.writeHead(404, { "content-type": "text/html" });
      res.end(HTML);
    });
    const transport = make();
    const get = (path: string) =>
      transport.request({ registry: proxied.host, method: "GET", path, scopes: [] }).catch((e: unknown) => e);
    expect(((await get("/v2/team/app/manifests/1")) as ProtocolError).code).toBe(NOT_A_REGISTRY);
    await ((await get("/v2/team/app/tags/list")) as { dump(): Promise<void> }).dump();
    // The same answer, now that the host has answered as a registry: its 404.
    expect(await get("/v2/team/app/manifests/1")).toBeInstanceOf(NotFoundError);
  });

  it("only the registry's own origin is judged: a storage host a blob was redirected to is not", async () => {
    const storage = await serve((_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end(HTML);
    });
    const registry = await serve((req, res) => {
      res.writeHead(307, { location: `http://${storage.host}/bucket${req.url}` });
      res.end();
    });
    const error = await make()
      .request({ registry: registry.host, method: "GET", path: "/v2/team/app/blobs/sha256:0", scopes: [] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
  });
});
