/**
 * Auth and transport against the REAL registry (distribution 2.8.2 with the test kit's token server), plus one msw
 * fake where the registry's clock has to move: token expiry during a long operation (proactive refresh, and the
 * 401 → new token → retry path), one token for 20 concurrent requests, wrong credentials that never leak, and scope
 * widening from pull to pull,push.
 */
import { inspect } from "node:util";
import { createAuthenticator, repositoryScope, staticCredentials } from "@regatta/auth";
import {
  createMswDispatcher,
  distributionHandlers,
  fakeRepository,
  type GeneratedImage,
  generateImage,
  pushImage,
  type RunningRegistry,
  startRegistry,
  startTokenServer,
  type TokenServer,
} from "@regatta/testkit";
import { Transport } from "@regatta/transport";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AuthenticationError, connect, RegistryClient } from "./index.js";

const USER = { username: "regatta", password: "regatta-secret" };
const REPO = "team/app";
const TAGS = Array.from({ length: 12 }, (_, i) => `t${i}`);

/** Lines of the client's HTTP log that are registry answers (`[#2] < 401 Unauthorized …`), by status. */
const statuses = (lines: string[]) =>
  lines.filter((l) => /^\[#\d+\] < /.test(l)).map((l) => Number(l.split(" ")[2]));

describe("bearer auth against the real registry and token server", () => {
  let tokens: TokenServer;
  let registry: RunningRegistry;
  let image: GeneratedImage;
  /** Where "now" is for the client and the token server: tests move it (the registry keeps real time). */
  let offsetMs = 0;
  /** How many of the next tokens the token server issues 10 minutes in the past. */
  let pastTokens = 0;
  const serverNow = () => {
    if (pastTokens <= 0) return Date.now() + offsetMs;
    pastTokens--;
    return Date.now() - 600_000;
  };
  const clients: RegistryClient[] = [];

  beforeAll(async () => {
    tokens = await startTokenServer({ tokenTtlSeconds: 5, now: serverNow });
    registry = await startRegistry({ auth: "token", tokenServer: tokens });
    image = await generateImage({ layers: [1024], seed: "auth" });
    for (const tag of TAGS) await pushImage(registry.url, REPO, tag, image, USER);
    tokens.requests.length = 0;
  }, 60_000);

  afterAll(async () => {
    await registry?.stop();
    await tokens?.close();
  });

  afterEach(async () => {
    offsetMs = 0;
    pastTokens = 0;
    tokens.requests.length = 0;
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  /** A client built as `createClient` builds one, but with the authenticator's clock injected. */
  function clientWithClock(now: () => number, logger: (line: string) => void): RegistryClient {
    const transport = new Transport({ logger });
    const authenticator = createAuthenticator({
      credentials: staticCredentials(USER, registry.host),
      send: transport.authSend,
      allowHttpRealm: (r) => transport.allowsHttp(r),
      now,
    });
    transport.setAuthenticator(authenticator);
    const reg = new RegistryClient({
      transport,
      authenticator,
      defaultRegistry: registry.host,
      concurrency: 1,
      platform: "linux/amd64",
    });
    clients.push(reg);
    return reg;
  }

  it("refreshes a token that expires during a long operation before the registry refuses it", async () => {
    const logs: string[] = [];
    // One HEAD per tag. After the sixth answer, 55 s pass for the client and the token server: the token (5 s,
    // trusted for docker's minimum of 60 s less 10 s of margin) has run out; the registry, with its 60 s of
    // leeway, would still take it, so a 401 here would mean the client waited for a refusal.
    const reg = clientWithClock(
      () => Date.now() + offsetMs,
      (line) => {
        logs.push(line);
        if (statuses(logs).filter((s) => s === 200).length === 6) offsetMs = 55_000;
      },
    );
    const page = await reg.tags(REPO, { withDigests: true });
    expect(Object.keys(page.digests ?? {})).toHaveLength(TAGS.length);
    expect(new Set(Object.values(page.digests ?? {}))).toEqual(new Set([image.manifest.digest]));
    expect(tokens.requests.map((r) => [r.user, r.status])).toEqual([
      ["regatta", 200],
      ["regatta", 200],
    ]);
    // Only the very first request met a 401 (it taught the challenge).
    expect(statuses(logs).filter((s) => s === 401)).toHaveLength(1);
  });

  it("on a 401 for a token the registry finds expired, fetches a new one and retries once", async () => {
    const logs: string[] = [];
    // The client's clock is 10 minutes behind, and so is the token server's for the first token: the client
    // trusts a token that expired at the registry long ago.
    const reg = clientWithClock(
      () => Date.now() - 600_000,
      (line) => logs.push(line),
    );
    await reg.ping();
    pastTokens = 1;
    expect((await reg.tags(REPO)).tags).toHaveLength(TAGS.length);
    expect(tokens.requests).toHaveLength(2);
    // ping 401, tags 401 (invalid_token), tags 200
    expect(statuses(logs).filter((s) => s !== 200)).toEqual([401, 401]);
  });

  it("makes exactly one token request for 20 concurrent manifest reads of one repository", async () => {
    const reg = await connect(registry.url, USER);
    clients.push(reg);
    const results = await Promise.all(TAGS.concat(TAGS.slice(0, 8)).map((t) => reg.manifest(`${REPO}:${t}`)));
    expect(results).toHaveLength(20);
    // connect() checked the credentials with a scope-less token; the 20 reads then shared one token request.
    expect(tokens.requests.map((r) => [r.user, r.scopes])).toEqual([
      ["regatta", []],
      ["regatta", [`repository:${REPO}:pull`]],
    ]);
  });

  it("also when nothing was learnt first: 20 anonymous 401s share one token request", async () => {
    const reg = await connect(registry.url, { ...USER, ping: false });
    clients.push(reg);
    await Promise.all(Array.from({ length: 20 }, () => reg.manifest(`${REPO}:t0`)));
    expect(tokens.requests).toHaveLength(1);
  });

  it("a wrong password or refresh token is an AuthenticationError that never carries the secret", async () => {
    for (const options of [
      { username: "regatta", password: "wrong-secret-4711" },
      { identityToken: "refresh-secret-4711" },
    ]) {
      const logs: string[] = [];
      // connect() checks the credentials it is given: the refusal comes at once.
      const error = await connect(registry.url, { ...options, logger: (l) => logs.push(l) }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AuthenticationError);
      expect((error as AuthenticationError).status).toBe(401);
      const shown = [String(error), JSON.stringify(error), inspect(error, { depth: 6 }), ...logs].join("\n");
      expect(shown).not.toContain("4711");
      expect(shown).not.toMatch(/Basic [A-Za-z0-9+/=]{8,}/);
    }
    expect(tokens.requests.map((r) => [r.method, r.status])).toEqual([
      ["GET", 401],
      ["POST", 401],
    ]);
  });

  it("widens a pull token to pull,push for a push, and the widened token serves pulls too", async () => {
    const reg = await connect(registry.url, USER);
    clients.push(reg);
    await reg.tags(REPO);
    const upload = await reg.ctx.transport.request({
      registry: registry.host,
      method: "POST",
      path: `/v2/${REPO}/blobs/uploads/`,
      scopes: [repositoryScope(REPO, ["pull", "push"])],
      expect: [202],
    });
    await upload.dump();
    await reg.manifest(`${REPO}:t1`);
    expect(tokens.requests.map((r) => r.scopes)).toEqual([
      [], // connect()'s credential check
      [`repository:${REPO}:pull`],
      [`repository:${REPO}:pull,push`],
    ]);
  });
});

describe("bearer auth against an msw registry whose clock moves", () => {
  it("a token that expires at the registry mid-operation is replaced after its 401, once", async () => {
    let clock = Date.now();
    const image = await generateImage({ layers: 1, seed: "msw-expiry" });
    const handlers = distributionHandlers({
      host: "registry.test",
      repos: { [REPO]: fakeRepository(Object.fromEntries(TAGS.map((t) => [t, image]))) },
      auth: { type: "bearer", tokenTtlSeconds: 300, now: () => clock },
    });
    const logs: string[] = [];
    const reg = await connect("registry.test", {
      dispatcher: createMswDispatcher(handlers),
      ...USER,
      logger: (l) => logs.push(l),
    });
    let reads = 0;
    for (const tag of TAGS) {
      await reg.manifest(`${REPO}:${tag}`);
      // Halfway through, the registry's clock passes the token's expiry (plus distribution's 60 s leeway).
      if (++reads === 6) clock += 400_000;
    }
    await reg.close();
    // connect()'s scope-less credential check, the first pull token, and its replacement after the 401.
    expect(handlers.tokenRequests.map((t) => t.scopes)).toEqual([
      [],
      [`repository:${REPO}:pull`],
      [`repository:${REPO}:pull`],
    ]);
    const manifestStatuses = handlers.requests
      .filter((r) => r.path.includes("/manifests/"))
      .map((r) => r.status);
    expect(manifestStatuses).toEqual([...Array(6).fill(200), 401, ...Array(6).fill(200)]);
  });
});
