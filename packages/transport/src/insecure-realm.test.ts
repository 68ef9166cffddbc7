/**
 * An insecure-listed registry (docker's insecure-registries) that answered over https never has its password sent
 * in clear to a plain-http token realm, on its own host either: the realm follows the rule its requests follow,
 * plain http only while the registry itself is spoken to over plain http (scheme-fallback.ts, `allowsHttp`).
 */
import { createAuthenticator, staticCredentials } from "@regatta/auth";
import { errors, MockAgent } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { Transport } from "./transport.js";

const PASSWORD = "pw-insecure-realm-1";
const scopes = [{ type: "repository", name: "a", actions: ["pull"] }];
const agents: MockAgent[] = [];
afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.close();
});

/** A transport on a mock network where reg.lan is listed insecure and every token request is recorded. */
function insecureClient() {
  const agent = new MockAgent();
  agent.disableNetConnect();
  agents.push(agent);
  const transport = new Transport({
    insecureRegistries: ["reg.lan"],
    dispatcher: agent,
    retry: { attempts: 0 },
  });
  transport.setAuthenticator(
    createAuthenticator({
      credentials: staticCredentials({ username: "alice", password: PASSWORD }),
      send: transport.authSend,
      allowHttpRealm: (host) => transport.allowsHttp(host),
    }),
  );
  const tokenRequests: string[] = [];
  agent
    .get("http://reg.lan")
    .intercept({ path: (p) => p.startsWith("/token"), method: "GET" })
    .reply(200, (options) => {
      tokenRequests.push(String((options.headers as Record<string, string>).authorization));
      return '{"token":"tok-1"}';
    })
    .persist();
  const tags = () =>
    transport.request({ registry: "reg.lan", method: "GET", path: "/v2/a/tags/list", scopes });
  return { agent, transport, tokenRequests, tags };
}

const challenge = { "www-authenticate": 'Bearer realm="http://reg.lan/token",service="reg.lan"' };
const tagList = { "content-type": "application/json" };

describe("a plain-http token realm of an insecure registry", () => {
  it("is refused once the registry answered over https, on its own host too", async () => {
    const { agent, transport, tokenRequests, tags } = insecureClient();
    agent.get("https://reg.lan").intercept({ path: "/v2/a/tags/list", method: "GET" }).reply(401, "", {
      headers: challenge,
    });
    try {
      const error = await tags().catch((e: unknown) => e);
      expect(tokenRequests).toEqual([]);
      expect(error).toMatchObject({ name: "AuthenticationError", code: "INVALID_REALM" });
      expect((error as Error).message).toContain("the realm uses plain http");
    } finally {
      await transport.close();
    }
  });

  it("is used while the registry is spoken to over plain http (no TLS answered on its https port)", async () => {
    const { agent, transport, tokenRequests, tags } = insecureClient();
    agent
      .get("https://reg.lan")
      .intercept({ path: "/v2/a/tags/list", method: "GET" })
      .replyWithError(Object.assign(new errors.SocketError("other side closed"), { code: "ECONNRESET" }));
    const http = agent.get("http://reg.lan");
    http.intercept({ path: "/v2/a/tags/list", method: "GET" }).reply(401, "", { headers: challenge });
    http
      .intercept({ path: "/v2/a/tags/list", method: "GET", headers: { authorization: "Bearer tok-1" } })
      .reply(200, '{"name":"a","tags":["1"]}', { headers: tagList });
    try {
      expect(await (await tags()).json()).toEqual({ name: "a", tags: ["1"] });
      expect(tokenRequests).toEqual([`Basic ${Buffer.from(`alice:${PASSWORD}`).toString("base64")}`]);
    } finally {
      await transport.close();
    }
  });
});
