/**
 * Destinations a server chose (issue 10, security item 2; docs/security.md "Origins"). The connect-time check of
 * names runs in a network namespace (packages/client/src/origins.int.test.ts); here, what needs no namespace: the
 * IP-literal check in front of an injected dispatcher (a MockAgent that would answer if asked, so a broken guard
 * shows up as an answer, never as a real connection), and credentials across a token endpoint's redirect.
 */

import { FakeAuthenticator, startServer, type TestServer } from "@regatta/testkit";
import { MockAgent } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { guardDispatcher } from "./dispatcher.js";
import { Transport } from "./transport.js";

const scopes = [{ type: "repository", name: "a", actions: ["pull"] }];
let servers: TestServer[] = [];
let transport: Transport | undefined;
afterEach(async () => {
  await transport?.close();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  transport = undefined;
});

const REGISTRY = "https://registry.test";
const FORBIDDEN = [
  "http://169.254.169.254/latest/meta-data/",
  "http://[::ffff:169.254.169.254]/latest/meta-data/",
  "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
  "http://[fd00:ec2::254]/latest/meta-data/",
  "http://[fe80::1]/",
  "http://100.100.100.200/latest/meta-data/",
];

function mockRegistry(location: string) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  agent
    .get(REGISTRY)
    .intercept({ path: "/v2/a/blobs/x", method: "GET" })
    .reply(302, "", { headers: { location } });
  // What a metadata service would answer: a guard that lets the request through gets this.
  agent
    .get(new URL(location).origin)
    .intercept({ path: () => true, method: () => true })
    .reply(200, "leaked");
  return agent;
}

describe("destinations a server chose", () => {
  it.each(FORBIDDEN)("refuses a redirect to %s before sending anything", async (location) => {
    const agent = mockRegistry(location);
    transport = new Transport({ dispatcher: agent, authenticator: new FakeAuthenticator("Bearer tok") });
    const error = await transport
      .request({ registry: "registry.test", method: "GET", path: "/v2/a/blobs/x", scopes })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "ProtocolError", code: "FORBIDDEN_ADDRESS", retryable: false });
    expect((error as Error).message).toMatch(/link-local|metadata/);
    expect((error as { request?: { url: string } }).request?.url).toBe(new URL(location).href);
    // The metadata interceptor is still pending: nothing was sent there.
    expect(agent.pendingInterceptors().map((i) => i.origin)).toEqual([new URL(location).origin]);
  });

  it.each(FORBIDDEN)(
    "refuses an upload Location (any URL off the registry's origin) at %s",
    async (location) => {
      const agent = mockRegistry(location);
      transport = new Transport({ dispatcher: agent });
      const error = await transport
        .request({ registry: "registry.test", method: "PATCH", url: location, body: "x", scopes })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "FORBIDDEN_ADDRESS" });
      expect(agent.pendingInterceptors().some((i) => i.origin === new URL(location).origin)).toBe(true);
    },
  );

  it("lets the registry the caller named live on a link-local address: that one is the caller's choice", async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent.get("https://169.254.10.10").intercept({ path: "/v2/", method: "GET" }).reply(200, "{}");
    transport = new Transport({ dispatcher: agent });
    const response = await transport.request({
      registry: "169.254.10.10",
      method: "GET",
      path: "/v2/",
      scopes,
    });
    expect(response.status).toBe(200);
    await response.dump();
  });

  it("drops the Basic credentials when a token endpoint redirects to another origin", async () => {
    const elsewhere = await startServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end('{"token":"t"}');
    });
    const realm = await startServer((_req, res) => {
      res.writeHead(302, { location: `${elsewhere.origin}/token` });
      res.end();
    });
    servers.push(elsewhere, realm);
    transport = new Transport();
    const response = await transport.authSend({
      method: "GET",
      url: `${realm.origin}/token?service=s`,
      headers: { authorization: "Basic YWxpY2U6c2VjcmV0" },
    });
    expect(response.status).toBe(200);
    expect(realm.requests[0]?.headers.authorization).toBe("Basic YWxpY2U6c2VjcmV0");
    expect(elsewhere.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("behind a proxy, a name the client cannot resolve is still sent: the proxy resolves it (object storage redirects)", async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent.get("http://storage.invalid").intercept({ path: "/blob", method: "GET" }).reply(200, "blob");
    const guarded = guardDispatcher(agent, new Set(), { resolveNames: true });
    const response = await guarded.request({
      origin: "http://storage.invalid",
      path: "/blob",
      method: "GET",
    });
    expect(await response.body.text()).toBe("blob");
  });
});
