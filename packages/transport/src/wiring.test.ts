import { createAuthenticator, staticCredentials } from "@regatta/auth";
import { AuthenticationError } from "@regatta/errors";
import { startServer } from "@regatta/testkit";
import { describe, expect, it } from "vitest";
import { Transport } from "./transport.js";

const PASSWORD = "hunter2-secret-pw";
const BASIC = `Basic ${Buffer.from(`bob:${PASSWORD}`).toString("base64")}`;
const TOKEN = "registry-token-XYZ-secret";

describe("wiring with @regatta/auth's createAuthenticator", () => {
  it("bearer and basic flows through transport.authSend, with no secret in any log line", async () => {
    const tokens = await startServer((req, res) => {
      const ok = req.headers.authorization === BASIC;
      res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
      res.end(ok ? JSON.stringify({ token: TOKEN, expires_in: 300 }) : "{}");
    });
    const bearer = await startServer((req, res) => {
      if (req.headers.authorization === `Bearer ${TOKEN}`) return void res.end('{"name":"a","tags":["1"]}');
      res.writeHead(401, {
        "www-authenticate": `Bearer realm="${tokens.origin}/token",service="bearer-test",scope="repository:a:pull"`,
      });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    });
    const basic = await startServer((req, res) => {
      if (req.headers.authorization === BASIC) return void res.end('{"name":"a","tags":["2"]}');
      res.writeHead(401, { "www-authenticate": 'Basic realm="basic-test"' });
      res.end();
    });
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const transport = new Transport({ logger: log, retry: { attempts: 0 } });
    // The cycle: auth needs transport.authSend, transport needs the authenticator.
    transport.setAuthenticator(
      createAuthenticator({
        credentials: staticCredentials({ username: "bob", password: PASSWORD }),
        send: transport.authSend,
        allowHttpRealm: (registry) => transport.allowsHttp(registry),
        log,
      }),
    );
    const scopes = [{ type: "repository", name: "a", actions: ["pull"] }];
    try {
      for (const registry of [bearer.host, basic.host]) {
        await transport.ping(registry);
        const res = await transport.request({ registry, method: "GET", path: "/v2/a/tags/list", scopes });
        expect((await res.json<{ tags: string[] }>()).tags).toHaveLength(1);
      }
      // the ping taught the authenticator the challenge, so the request carried a token from the start
      expect(tokens.requests).toHaveLength(1);
      expect(bearer.requests.map((r) => r.url)).toEqual(["/v2/", "/v2/a/tags/list"]);

      const wrong = new Transport({ retry: { attempts: 0 } });
      wrong.setAuthenticator(
        createAuthenticator({
          credentials: staticCredentials({ username: "bob", password: "nope" }),
          send: wrong.authSend,
        }),
      );
      const err = await wrong
        .request({ registry: bearer.host, method: "GET", path: "/v2/a/tags/list", scopes })
        .catch((e) => e);
      expect(err).toBeInstanceOf(AuthenticationError);
      expect(JSON.stringify(err)).not.toContain("nope");
      await wrong.close();
    } finally {
      await transport.close();
      await Promise.all([tokens.close(), bearer.close(), basic.close()]);
    }
    expect(lines.some((l) => l.includes(`] > GET ${tokens.origin}/token?`))).toBe(true);
    const all = lines.join("\n");
    for (const secret of [PASSWORD, BASIC.slice(6), TOKEN]) expect(all).not.toContain(secret);
  });
});
