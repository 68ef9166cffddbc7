import type { Authenticator, AuthorizeRequest, Send } from "@regatta/auth";
import { startServer } from "@regatta/testkit";
import { describe, expect, it, vi } from "vitest";
import { formatBytes } from "./log.js";
import { Transport } from "./transport.js";

const USER = "alice";
const PASSWORD = "pa55-w0rd-secret";
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;
const TOKEN = "tok-eyJhbGciOiJub25lIn0.very-secret";

/** A minimal basic + bearer authenticator over `send`, standing in for @regatta/auth. */
class MiniAuth implements Authenticator {
  #challenge = new Map<string, string>();
  constructor(private readonly send: Send) {}
  describe(registry: string) {
    return { registry, scheme: "unknown" as const };
  }
  learn(registry: string, challenge: string) {
    this.#challenge.set(registry, challenge);
  }
  async authorization({ registry, scopes }: AuthorizeRequest) {
    const c = this.#challenge.get(registry);
    if (!c) return undefined;
    if (c.startsWith("Basic")) return BASIC;
    const params = Object.fromEntries([...c.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const url = new URL(params.realm ?? "");
    url.searchParams.set("service", params.service ?? "");
    for (const s of scopes) url.searchParams.append("scope", `${s.type}:${s.name}:${s.actions.join(",")}`);
    const res = await this.send({ method: "GET", url: url.href, headers: { authorization: BASIC } });
    return `Bearer ${JSON.parse(res.body).token}`;
  }
  async challenge(req: AuthorizeRequest & { wwwAuthenticate: string }) {
    this.learn(req.registry, req.wwwAuthenticate);
    return this.authorization(req);
  }
}

describe("verbose log", () => {
  it("formats sizes", () => {
    expect([0, 1023, 4608, 5 * 1024 * 1024].map(formatBytes)).toEqual([
      "0 B",
      "1023 B",
      "4.5 KiB",
      "5.0 MiB",
    ]);
  });

  it("logs every hop of basic and bearer flows without a single secret", async () => {
    const tokens = await startServer((req, res) => {
      if (req.headers.authorization !== BASIC) {
        res.statusCode = 401;
        return void res.end();
      }
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ token: TOKEN, access_token: TOKEN }));
    });
    const basicRegistry = await startServer((req, res) => {
      if (req.headers.authorization === BASIC) return void res.end('{"tags":["1"]}');
      res.writeHead(401, { "www-authenticate": 'Basic realm="r"' });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    });
    const bearerRegistry = await startServer((req, res) => {
      if (req.headers.authorization === `Bearer ${TOKEN}`) {
        res.setHeader("set-cookie", `session=${TOKEN}`);
        return void res.end('{"tags":["2"]}');
      }
      res.writeHead(401, {
        "www-authenticate": `Bearer realm="${tokens.origin}/token",service="reg",scope="repository:a:pull"`,
      });
      res.end();
    });
    const lines: string[] = [];
    const transport = new Transport({ logger: (l) => lines.push(l), retry: { attempts: 0 } });
    transport.setAuthenticator(new MiniAuth(transport.authSend));
    const scopes = [{ type: "repository", name: "a", actions: ["pull"] }];
    try {
      for (const registry of [basicRegistry.host, bearerRegistry.host]) {
        const res = await transport.request({
          registry,
          method: "GET",
          path: "/v2/a/tags/list",
          query: { n: 10 },
          scopes,
        });
        expect(res.status).toBe(200);
        await res.json();
        // now that the challenge is known, the next request carries credentials from the start
        const again = await transport.request({ registry, method: "GET", path: "/v2/a/tags/list", scopes });
        await again.dump();
      }
      const err = await transport
        .request({
          registry: tokens.host,
          method: "GET",
          url: `${tokens.origin}/nope?password=${PASSWORD}`,
          scopes: [],
        })
        .catch((e) => e);
      expect(String(err.message)).not.toContain(PASSWORD);
    } finally {
      await transport.close();
      await Promise.all([tokens.close(), basicRegistry.close(), bearerRegistry.close()]);
    }
    expect(lines[0]).toBe(`[#1] > GET http://${basicRegistry.host}/v2/a/tags/list?n=10`);
    expect(lines[1]).toMatch(/^\[#1\] < 401 Unauthorized \d+ms$/);
    expect(lines.filter((l) => / > /.test(l))).toHaveLength(9); // 2+1 basic, 2+1+1 bearer with token fetch, 1 error
    expect(lines.some((l) => /^\[#\d+\] < 200 OK \d+ms 14 B$/.test(l))).toBe(true);
    expect(
      lines.some(
        (l) =>
          / > GET /.test(l) &&
          l.includes(`GET ${tokens.origin}/token?service=reg&scope=repository%3Aa%3Apull`),
      ),
    ).toBe(true);
    const all = lines.join("\n");
    for (const secret of [PASSWORD, BASIC, BASIC.slice(6), TOKEN, "Bearer", "Basic", "session="]) {
      expect(all).not.toContain(secret);
    }
    expect(all.toLowerCase()).not.toContain("authorization");
  });

  it("labels concurrent requests so each answer pairs with its request, redaction unchanged", async () => {
    // The answer to the first request is held until the second one has been answered: lines in order of arrival
    // would pair them wrongly, the labels do not.
    let releaseSlow: () => void = () => {};
    const slowHeld = new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    const registry = await startServer(async (req, res) => {
      if (req.url?.startsWith("/v2/slow/")) {
        await slowHeld;
        res.statusCode = 404;
        return void res.end('{"errors":[{"code":"NAME_UNKNOWN","message":"slow"}]}');
      }
      res.setHeader("content-length", "2");
      res.end("{}");
    });
    const lines: string[] = [];
    const transport = new Transport({ logger: (l) => lines.push(l), retry: { attempts: 0 } });
    try {
      const slow = transport
        .request({
          registry: registry.host,
          method: "GET",
          path: "/v2/slow/tags/list",
          query: { n: 1, "X-Amz-Signature": "s3cr3t" },
          scopes: [],
          expect: [404],
        })
        .then((r) => r.dump());
      await vi.waitFor(() => expect(lines).toHaveLength(1));
      const fast = await transport.request({
        registry: registry.host,
        method: "GET",
        path: "/v2/fast/tags/list",
        scopes: [],
      });
      await fast.dump();
      releaseSlow();
      await slow;
    } finally {
      releaseSlow();
      await transport.close();
      await registry.close();
    }
    const origin = `http://${registry.host}`;
    expect(lines.map((l) => l.replace(/\d+ms/, "Nms"))).toEqual([
      `[#1] > GET ${origin}/v2/slow/tags/list?n=1&X-Amz-Signature=REDACTED`,
      `[#2] > GET ${origin}/v2/fast/tags/list`,
      "[#2] < 200 OK Nms 2 B",
      "[#1] < 404 Not Found Nms 53 B",
    ]);
  });
});
