/**
 * One scheme decision per registry per client: a loopback registry that has answered over plain http is never probed
 * over https again when a later request fails as a TLS port would (a reset, a cut PATCH mid-upload); the https probe
 * (scheme-fallback.ts's mayBeTlsPort) is for a port that has not answered yet. Requests are counted by scheme from the
 * transport's own log, the lines `-v` prints.
 */
import { RegistryUnreachableError } from "@regatta/errors";
import type { TestServer } from "@regatta/testkit";
import { errors, MockAgent } from "undici";
import { describe, expect, it } from "vitest";
import { testbed } from "./test-helpers.js";
import type { Transport } from "./transport.js";
import type { TransportOptions } from "./types.js";

const { serve, make } = testbed({ retry: { attempts: 0 } });

/** A plain-http registry that answers GET and HEAD, and cuts every PATCH (its socket destroyed, no answer). */
function cuttingRegistry(): Promise<TestServer> {
  return serve((req, res) => {
    if (req.method === "PATCH") return void req.socket.destroy();
    res.writeHead(req.url === "/v2/" ? 200 : 404, { "docker-distribution-api-version": "registry/2.0" });
    res.end(req.url === "/v2/" ? "{}" : "");
  });
}

/** A transport whose log lines are counted by the scheme of the URL they name. */
function counted(options: TransportOptions = {}) {
  const schemes: string[] = [];
  const t = make({
    ...options,
    logger: (line) => {
      const url = / > [A-Z]+ (https?):\/\//.exec(line);
      if (url?.[1]) schemes.push(url[1]);
    },
  });
  const count = (scheme: string) => schemes.filter((s) => s === scheme).length;
  return { t, count };
}

const patch = (t: Transport, host: string) =>
  t
    .request({
      registry: host,
      method: "PATCH",
      path: "/v2/a/blobs/uploads/1",
      body: Buffer.alloc(64 * 1024, 1),
      scopes: [],
    })
    .catch((e: unknown) => e);

describe("a loopback registry's scheme, once it answered over plain http", () => {
  it("is kept after its ping: cut PATCHes are not followed by https probes", async () => {
    const s = await cuttingRegistry();
    const { t, count } = counted();
    expect((await t.ping(s.host)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect(await patch(t, s.host)).toBeInstanceOf(RegistryUnreachableError);
    expect(count("https")).toBe(0);
    expect(count("http")).toBe(4);
    expect(t.baseUrl(s.host)).toBe(`http://${s.host}`);
  });

  it("is kept after a request's answer, an error status too (no ping first)", async () => {
    const s = await cuttingRegistry();
    const { t, count } = counted();
    const missing = await t
      .request({ registry: s.host, method: "HEAD", path: "/v2/a/blobs/sha256:0", scopes: [] })
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404 });
    expect(await patch(t, s.host)).toBeInstanceOf(RegistryUnreachableError);
    expect(count("https")).toBe(0);
  });

  it("is still asked of https when the port has not answered yet (the probe that finds a TLS port)", async () => {
    const s = await cuttingRegistry();
    const { t, count } = counted();
    expect(await patch(t, s.host)).toBeInstanceOf(RegistryUnreachableError);
    expect(count("https")).toBe(1);
  });

  it("is asked once for a port that never answers: failures at once and after share one https probe", async () => {
    // Every plain-http request is cut and https has no TLS: the probe's "no" holds for the client.
    const s = await serve((req) => void req.socket.destroy());
    const { t, count } = counted();
    const failures = await Promise.all([patch(t, s.host), patch(t, s.host), patch(t, s.host)]);
    for (const failure of failures) expect(failure).toBeInstanceOf(RegistryUnreachableError);
    expect(await patch(t, s.host)).toBeInstanceOf(RegistryUnreachableError);
    expect([count("https"), count("http")]).toEqual([1, 4]);
    expect(t.baseUrl(s.host)).toBe(`http://${s.host}`);
  });
});

describe("an insecure-listed registry's scheme, once no TLS answered on its https port", () => {
  it("stays plain http: a reset over http is not followed by an https probe", async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const reset = () => Object.assign(new errors.SocketError("other side closed"), { code: "ECONNRESET" });
    try {
      const { t, count } = counted({ insecureRegistries: ["reg.lan"], dispatcher: agent });
      // https: no TLS answers (persisting, so a probe would be answered and counted rather than throw unmatched).
      agent.get("https://reg.lan").intercept({ path: /.*/, method: /.*/ }).replyWithError(reset()).persist();
      agent
        .get("http://reg.lan")
        .intercept({ path: "/v2/a/blobs/uploads/1", method: "PATCH" })
        .replyWithError(reset());
      expect(await patch(t, "reg.lan")).toBeInstanceOf(RegistryUnreachableError);
      // The https attempt, then the same PATCH over http once; no https probe after its reset.
      expect([count("https"), count("http")]).toEqual([1, 1]);
      expect(t.baseUrl("reg.lan")).toBe("http://reg.lan");
    } finally {
      await agent.close();
    }
  });
});
