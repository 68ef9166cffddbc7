/**
 * A long-lived client survives a token server that was down for one call (auth's token-failure-relearn.test.ts for
 * the rule): the failed token request drops the learnt challenge, so the next call asks the registry again and
 * fetches a token from its realm, now up, instead of failing at once without a request.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "./connect.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) if (s.listening) await new Promise((r) => s.close(r));
});

function listen(server: Server, port = 0): Promise<number> {
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

describe("a token server down for one call", () => {
  it("the same client's next call asks the registry again and succeeds once the token server is back", async () => {
    const tokenServer = () =>
      createServer((_, res) => void res.writeHead(200).end('{"token":"tok-outage-1"}'));
    // A free port, closed again: the token server is down for the first call.
    const first = tokenServer();
    const tokenPort = await listen(first);
    await new Promise((r) => first.close(r));

    const seen: (string | undefined)[] = [];
    const registry = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization !== "Bearer tok-outage-1") {
        const realm = `http://127.0.0.1:${tokenPort}/token`;
        return void res.writeHead(401, { "www-authenticate": `Bearer realm="${realm}",service="reg"` }).end();
      }
      res.writeHead(200, { "content-type": "application/json" }).end('{"name":"team/app","tags":["v1"]}');
    });
    const host = `127.0.0.1:${await listen(registry)}`;
    const reg = createClient(host, { env: {}, retry: { attempts: 0 } });
    try {
      const down = await reg.tags(`${host}/team/app`).catch((e: unknown) => e);
      expect(down).toMatchObject({ code: "UNREACHABLE" });
      const before = seen.length;
      await listen(tokenServer(), tokenPort);
      expect((await reg.tags(`${host}/team/app`)).tags).toEqual(["v1"]);
      // The registry was asked again (without a token first, whose 401 named the realm), then with the token.
      expect(seen.slice(before)).toEqual([undefined, "Bearer tok-outage-1"]);
    } finally {
      await reg.close();
    }
  });

  it("a registry that went back to Basic meanwhile gets the password, not another try at the realm that was down", async () => {
    const closed = createServer();
    const tokenPort = await listen(closed);
    await new Promise((r) => closed.close(r));
    let challenge = `Bearer realm="http://127.0.0.1:${tokenPort}/token",service="reg"`;
    const basic = `Basic ${Buffer.from("alice:pw-outage-2").toString("base64")}`;
    const registry = createServer((req, res) => {
      if (req.headers.authorization !== basic)
        return void res.writeHead(401, { "www-authenticate": challenge }).end();
      res.writeHead(200, { "content-type": "application/json" }).end('{"name":"team/app","tags":["v2"]}');
    });
    const host = `127.0.0.1:${await listen(registry)}`;
    const reg = createClient(host, {
      username: "alice",
      password: "pw-outage-2",
      env: {},
      retry: { attempts: 0 },
    });
    try {
      expect(await reg.tags(`${host}/team/app`).catch((e: unknown) => e)).toMatchObject({
        code: "UNREACHABLE",
      });
      challenge = 'Basic realm="reg"';
      expect((await reg.tags(`${host}/team/app`)).tags).toEqual(["v2"]);
    } finally {
      await reg.close();
    }
  });
});
