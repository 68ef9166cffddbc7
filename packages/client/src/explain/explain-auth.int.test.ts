/**
 * `reg.explainAuth` against the REAL registry (distribution 2.8.2; Basic with htpasswd, Bearer with the test kit's
 * token server): anonymous, Basic with the right and a wrong password, Bearer with and without credentials, and a
 * user the token server allows pull only asking for push. No password or token in any report, and the push probe
 * leaves no upload behind.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import {
  DEFAULT_USERS,
  type GeneratedImage,
  generateImage,
  pushImage,
  type RunningRegistry,
  startRegistry,
  startTokenServer,
  type TokenServer,
  useRegistry,
} from "@regatta/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../connect.js";
import type { ConnectOptions } from "../connect-options.js";
import type { RegistryClient } from "../registry-client.js";
import type { AuthReport } from "./auth-report.js";

const [[USER, PASSWORD]] = Object.entries(DEFAULT_USERS) as [[string, string]];
const READER = { username: "reader", password: "reader-Pw-2468-z" };
const REPO = "team/app";

let image: GeneratedImage;
const opened: RegistryClient[] = [];
beforeAll(async () => {
  image = await generateImage({ layers: [64], seed: "explain-auth-int" });
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});

function client(registry: RunningRegistry, options: ConnectOptions = {}) {
  // `anonymous` unless credentials are given: the machine's own docker config must not answer.
  const reg = createClient(registry.host, options.username ? options : { anonymous: true, ...options });
  opened.push(reg);
  return reg;
}

const stepOf = <T extends AuthReport["steps"][number]["title"]>(report: AuthReport, title: T) =>
  report.steps.find((s) => s.title === title) as Extract<AuthReport["steps"][number], { title: T }>;
const probes = (report: AuthReport) => report.steps.filter((s) => s.title === "probe");

function expectNoSecrets(report: AuthReport, secrets: string[]) {
  const text = JSON.stringify(report);
  for (const secret of secrets) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/eyJ[\w-]{8,}\.[\w-]{8,}/);
}

/**
 * Upload sessions the registry still holds for the repository: distribution keeps each under `_uploads/<id>`, with
 * its `data` and `startedat`. A cancelled one loses both; only an empty `hashstates` directory stays, which
 * distribution 2.8 writes again when it closes the cancelled writer (blobWriter.Cancel then Close).
 */
async function uploadsLeft(registry: RunningRegistry): Promise<string[]> {
  const dir = join(registry.dataDir, "storage/docker/registry/v2/repositories", REPO, "_uploads");
  const sessions = await readdir(dir).catch(() => []);
  const held = await Promise.all(
    sessions.map(async (id) => ((await readdir(join(dir, id))).some((f) => f !== "hashstates") ? [id] : [])),
  );
  return held.flat();
}

describe("explainAuth, anonymous registry", () => {
  const registry = useRegistry("none");
  beforeAll(async () => {
    await pushImage(registry.url, REPO, "1.0", image);
  });

  it("pull and push allowed with no credentials; the upload is cancelled", async () => {
    const report = await client(registry).explainAuth(`${registry.host}/${REPO}:1.0`, { push: true });
    expect(report.verdict).toBe("ok");
    expect(stepOf(report, "challenge")).toMatchObject({ status: 200, scheme: "none" });
    expect(probes(report)).toMatchObject([
      { action: "pull", status: 200, outcome: "ok" },
      { action: "push", status: 202, outcome: "ok", cancelled: true },
    ]);
    expect(await uploadsLeft(registry)).toEqual([]);
  });

  it("a missing repository is 404 NAME_UNKNOWN", async () => {
    const report = await client(registry).explainAuth(`${registry.host}/team/none:1.0`);
    expect(probes(report)[0]).toMatchObject({ status: 404, code: "NAME_UNKNOWN", outcome: "not_found" });
  });
});

describe("explainAuth, Basic (htpasswd)", () => {
  const registry = useRegistry("basic");
  beforeAll(async () => {
    await pushImage(registry.url, REPO, "1.0", image, { username: USER, password: PASSWORD });
  });

  it("the right password: Basic, the credentials named, pull and push allowed", async () => {
    const report = await client(registry, { username: USER, password: PASSWORD }).explainAuth(
      `${registry.host}/${REPO}:1.0`,
      { push: true },
    );
    expect(report.verdict).toBe("ok");
    expect(stepOf(report, "challenge")).toMatchObject({ status: 401, scheme: "basic" });
    expect(stepOf(report, "credentials")).toMatchObject({ source: { kind: "explicit" }, username: USER });
    expect(await uploadsLeft(registry)).toEqual([]);
    expectNoSecrets(report, [PASSWORD]);
  });

  it("a wrong password: 401, the credentials refused", async () => {
    const wrong = "wrong-Pw-1357-q";
    const report = await client(registry, { username: USER, password: wrong }).explainAuth(
      `${registry.host}/${REPO}:1.0`,
    );
    expect(report.verdict).toBe("unauthorized");
    expect(probes(report)[0]).toMatchObject({
      status: 401,
      access: { credentials: "basic", username: USER },
    });
    expectNoSecrets(report, [wrong]);
  });

  it("no credentials: 401, none sent", async () => {
    const report = await client(registry).explainAuth(`${registry.host}/${REPO}:1.0`);
    expect(probes(report)[0]).toMatchObject({ outcome: "unauthorized", access: { credentials: "none" } });
  });
});

describe("explainAuth, Bearer (token server)", () => {
  let tokens: TokenServer;
  let registry: RunningRegistry;
  beforeAll(async () => {
    tokens = await startTokenServer({
      users: { [USER]: PASSWORD, [READER.username]: READER.password },
      // The reader may pull, never push; anonymous callers pull; the test user may do anything asked.
      accessFor: (user, scope) =>
        user === USER ? scope.actions : scope.actions.filter((action) => action === "pull"),
    });
    registry = await startRegistry({ auth: "token", tokenServer: tokens });
    await pushImage(registry.url, REPO, "1.0", image, { username: USER, password: PASSWORD });
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    await tokens?.close();
  });

  it("with credentials: the token request, its answer and the JWT's grants; push allowed", async () => {
    const report = await client(registry, { username: USER, password: PASSWORD }).explainAuth(
      `${registry.host}/${REPO}:1.0`,
      { push: true },
    );
    expect(report.verdict).toBe("ok");
    expect(stepOf(report, "challenge")).toMatchObject({
      scheme: "bearer",
      realm: tokens.realm,
      service: tokens.service,
    });
    const [exchange] = stepOf(report, "token").exchanges;
    expect(exchange).toMatchObject({ method: "GET", sent: "basic", status: 200, expiresIn: 300 });
    expect(exchange!.url).toBe(
      `${tokens.realm}?service=${tokens.service}&scope=repository%3Ateam%2Fapp%3Apull%2Cpush`,
    );
    expect(stepOf(report, "grants")).toMatchObject({
      token: "jwt",
      sub: USER,
      iss: tokens.issuer,
      aud: tokens.service,
      access: [{ type: "repository", name: REPO, actions: ["pull", "push"] }],
      missing: [],
    });
    expect(await uploadsLeft(registry)).toEqual([]);
    expectNoSecrets(report, [PASSWORD]);
  });

  it("without credentials: an anonymous token granting pull; pull allowed", async () => {
    const report = await client(registry).explainAuth(`${registry.host}/${REPO}:1.0`);
    expect(report.verdict).toBe("ok");
    expect(stepOf(report, "token").exchanges).toMatchObject([{ sent: "anonymous", status: 200 }]);
    expect(stepOf(report, "grants")).toMatchObject({
      access: [{ name: REPO, actions: ["pull"] }],
      missing: [],
    });
  });

  it("a wrong password: the token server refuses it, the probe reads 401", async () => {
    const wrong = "wrong-Pw-9753-r";
    const report = await client(registry, { username: USER, password: wrong }).explainAuth(
      `${registry.host}/${REPO}:1.0`,
    );
    expect(stepOf(report, "token").exchanges).toMatchObject([{ status: 401 }]);
    expect(report.verdict).toBe("unauthorized");
    expectNoSecrets(report, [wrong]);
  });

  it("a user allowed pull only asking for push: the token lacks push, the probe says insufficient_scope", async () => {
    const report = await client(registry, READER).explainAuth(`${registry.host}/${REPO}:1.0`, { push: true });
    expect(stepOf(report, "grants")).toMatchObject({
      sub: READER.username,
      access: [{ name: REPO, actions: ["pull"] }],
      missing: ["push"],
    });
    expect(probes(report)).toMatchObject([
      { action: "pull", outcome: "ok" },
      { action: "push", status: 401, outcome: "insufficient_scope" },
    ]);
    expect(report.verdict).toBe("insufficient_scope");
    expect(await uploadsLeft(registry)).toEqual([]);
    expectNoSecrets(report, [READER.password]);
  });
});
