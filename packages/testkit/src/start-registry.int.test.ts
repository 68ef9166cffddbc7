import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningRegistry, startRegistry } from "./start-registry.js";
import { startTokenServer, type TokenServer } from "./token-server.js";
import { useRegistry } from "./use-registry.js";

const basicHeader = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("startRegistry auth none", () => {
  const registry = useRegistry("none");

  it("answers the anonymous ping with distribution's headers", async () => {
    const res = await fetch(`${registry.url}/v2/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
    expect(await res.text()).toBe("{}");
    expect(registry.url).toBe(`http://127.0.0.1:${registry.port}`);
    expect(registry.host).toBe(`127.0.0.1:${registry.port}`);
  });
});

describe("startRegistry auth basic", () => {
  const registry = useRegistry({ auth: "basic", users: { alice: "wonderland" } });

  it("challenges without credentials and accepts the htpasswd user", async () => {
    const anonymous = await fetch(`${registry.url}/v2/`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe('Basic realm="Registry Realm"');
    expect(await anonymous.json()).toEqual({
      errors: [{ code: "UNAUTHORIZED", message: "authentication required", detail: null }],
    });
    const wrong = await fetch(`${registry.url}/v2/`, {
      headers: { authorization: basicHeader("alice", "nope") },
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${registry.url}/v2/`, {
      headers: { authorization: basicHeader("alice", "wonderland") },
    });
    expect(right.status).toBe(200);
  });
});

describe("startRegistry auth token", () => {
  let tokens: TokenServer;
  let registry: RunningRegistry;
  beforeAll(async () => {
    tokens = await startTokenServer();
    registry = await startRegistry({ auth: "token", tokenServer: tokens });
  });
  afterAll(async () => {
    await registry?.stop();
    await tokens?.close();
  });

  it("challenges with the token server's realm, then accepts its token", async () => {
    const challenge = await fetch(`${registry.url}/v2/demo/app/tags/list`);
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get("www-authenticate")).toBe(
      `Bearer realm="${tokens.realm}",service="regatta-registry",scope="repository:demo/app:pull"`,
    );
    const url = new URL(tokens.realm);
    url.searchParams.set("service", "regatta-registry");
    url.searchParams.set("scope", "repository:demo/app:pull");
    const tokenRes = await fetch(url, {
      headers: { authorization: basicHeader("regatta", "regatta-secret") },
    });
    expect(tokenRes.status).toBe(200);
    const { token, access_token, expires_in, issued_at } = (await tokenRes.json()) as Record<string, unknown>;
    expect(token).toBe(access_token);
    expect(expires_in).toBe(300);
    expect(typeof issued_at).toBe("string");
    const ping = await fetch(`${registry.url}/v2/`, { headers: { authorization: `Bearer ${token}` } });
    expect(ping.status).toBe(200);
    // Authenticated and authorized: the repository just does not exist yet.
    const tags = await fetch(`${registry.url}/v2/demo/app/tags/list`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(tags.status).toBe(404);
    expect((await tags.json()) as unknown).toMatchObject({ errors: [{ code: "NAME_UNKNOWN" }] });
    expect(tokens.requests).toEqual([
      {
        method: "GET",
        scopes: ["repository:demo/app:pull"],
        user: "regatta",
        service: "regatta-registry",
        status: 200,
      },
    ]);
  });

  it.each(["foreign-chain", "foreign-key"] as const)("rejects a token signed by a %s", async (signer) => {
    const good = await tokens.issueToken({ subject: "regatta" });
    expect(
      (await fetch(`${registry.url}/v2/`, { headers: { authorization: `Bearer ${good}` } })).status,
    ).toBe(200);
    const bad = await tokens.issueToken({ subject: "regatta", signer });
    const res = await fetch(`${registry.url}/v2/`, { headers: { authorization: `Bearer ${bad}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("honours exp with 60 s of leeway", async () => {
    const now = Math.floor(Date.now() / 1000);
    const withinLeeway = await tokens.issueToken({ issuedAt: now - 330, ttlSeconds: 300 });
    const expired = await tokens.issueToken({ issuedAt: now - 400, ttlSeconds: 300 });
    const ping = (token: string) =>
      fetch(`${registry.url}/v2/`, { headers: { authorization: `Bearer ${token}` } });
    expect((await ping(withinLeeway)).status).toBe(200);
    expect((await ping(expired)).status).toBe(401);
  });

  it("rejects a token for another audience", async () => {
    const token = await tokens.issueToken({ audience: "someone-else" });
    const res = await fetch(`${registry.url}/v2/`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
  });
});

describe("startRegistry lifecycle", () => {
  it("starts its own token server, and stop() removes the process, the token server and the data", async () => {
    const registry = await startRegistry({ auth: "token" });
    const { tokenServer, dataDir } = registry;
    expect(tokenServer).toBeDefined();
    expect(existsSync(dataDir)).toBe(true);
    await registry.stop();
    await registry.stop(); // idempotent
    expect(existsSync(dataDir)).toBe(false);
    await expect(fetch(`${registry.url}/v2/`)).rejects.toThrow();
    await expect(fetch(tokenServer!.realm)).rejects.toThrow();
  });

  it("refuses DELETE when deleteEnabled is false", async () => {
    const registry = await startRegistry({ deleteEnabled: false });
    try {
      const res = await fetch(`${registry.url}/v2/x/manifests/sha256:${"0".repeat(64)}`, {
        method: "DELETE",
      });
      expect(res.status).toBe(405);
      expect(await res.json()).toEqual({
        errors: [{ code: "UNSUPPORTED", message: "The operation is unsupported." }],
      });
    } finally {
      await registry.stop();
    }
  });

  it("reports the registry's output when it exits early", async () => {
    await expect(startRegistry({ binary: "/bin/false" })).rejects.toThrow(
      /exited \(code 1\) before answering/,
    );
  });
});
