/**
 * `reg.explainAuth` (issue 14, item 1) against the fake distribution registry: each way authentication goes (no
 * authentication, Basic, Bearer with and without credentials, a token short of push, 403, 404), what each step says,
 * and that no password or token reaches the report — also when a registry echoes them back.
 */

import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import {
  createMswDispatcher,
  DEFAULT_USERS,
  distributionHandlers,
  fakeRepository,
  type GeneratedImage,
  generateImage,
  type HostileRegistry,
  type RegistryHandlersOptions,
  startHostileRegistry,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../connect.js";
import type { ConnectOptions } from "../connect-options.js";
import type { RegistryClient } from "../registry-client.js";
import type { AuthReport } from "./auth-report.js";

const HOST = "localhost:5000";
const [[USER, PASSWORD]] = Object.entries(DEFAULT_USERS) as [[string, string]];
const SECRET_USERS = { alice: "alice-Pw-31337-x", pullonly: "pullonly-Pw-4711-y" };

let image: GeneratedImage;
const opened: RegistryClient[] = [];
let hostile: HostileRegistry | undefined;
beforeAll(async () => {
  image = await generateImage({ layers: [16], seed: "explain-auth" });
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
  await hostile?.close();
  hostile = undefined;
});

function fake(options: RegistryHandlersOptions, connect: ConnectOptions = {}) {
  const handlers = distributionHandlers({
    host: HOST,
    repos: { "team/app": fakeRepository({ "1.0": image }) },
    ...options,
  });
  const reg = createClient(HOST, {
    dispatcher: createMswDispatcher(handlers),
    retry: { attempts: 0 },
    ...connect,
  });
  opened.push(reg);
  return { reg, handlers };
}

const step = <T extends AuthReport["steps"][number]["title"]>(report: AuthReport, title: T) =>
  report.steps.find((s) => s.title === title) as Extract<AuthReport["steps"][number], { title: T }>;
const probes = (report: AuthReport) => report.steps.filter((s) => s.title === "probe");

/** The report must carry none of these, nor a JWT or a Basic value of any of them. */
function expectNoSecrets(report: AuthReport, secrets: string[]) {
  const text = JSON.stringify(report);
  for (const secret of secrets) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/eyJ[\w-]{8,}\.[\w-]{8,}/);
  expect(text).not.toMatch(/\b(?:Bearer|Basic) (?!REDACTED)[A-Za-z0-9+/=_-]{8,}/);
}

describe("explainAuth on a registry without authentication", () => {
  it("says no challenge, no credentials sent, no token, and pull allowed", async () => {
    const { reg } = fake({ auth: null });
    const report = await reg.explainAuth("team/app:1.0");
    expect(report).toMatchObject({
      registry: HOST,
      repository: "team/app",
      actions: ["pull"],
      verdict: "ok",
      failed: [],
    });
    expect(step(report, "challenge")).toMatchObject({
      status: 200,
      scheme: "none",
      scope: "repository:team/app:pull",
    });
    expect(step(report, "challenge").says.join("\n")).toMatch(/no challenge: the registry lets anyone in/);
    expect(step(report, "credentials")).toMatchObject({ kind: "none" });
    expect(step(report, "token")).toMatchObject({ from: "none", exchanges: [] });
    expect(step(report, "grants")).toMatchObject({ token: "none" });
    expect(probes(report)).toMatchObject([
      { request: "HEAD /v2/team/app/manifests/1.0", status: 200, outcome: "ok" },
    ]);
    // Plain data: JSON keeps all of it.
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it("opens an upload for --push and cancels it, leaving nothing behind", async () => {
    const { reg, handlers } = fake({ auth: null });
    const report = await reg.explainAuth("team/app:1.0", { push: true });
    expect(report.actions).toEqual(["pull", "push"]);
    expect(step(report, "challenge").scope).toBe("repository:team/app:pull,push");
    expect(probes(report)).toMatchObject([
      { action: "pull", outcome: "ok" },
      {
        action: "push",
        request: "POST /v2/team/app/blobs/uploads/",
        status: 202,
        outcome: "ok",
        cancelled: true,
      },
    ]);
    expect(handlers.requests.map((r) => r.method)).toContain("DELETE");
    expect(handlers.store.uploads?.size ?? 0).toBe(0);
  });
});

describe("explainAuth with Basic", () => {
  const basic = { auth: { type: "basic" as const, users: SECRET_USERS } };

  it("names the credentials given to the client and the Basic realm; no token", async () => {
    const { reg } = fake(basic, { username: "alice", password: SECRET_USERS.alice });
    const report = await reg.explainAuth("team/app:1.0");
    expect(report.verdict).toBe("ok");
    expect(step(report, "challenge")).toMatchObject({ status: 401, scheme: "basic" });
    expect(step(report, "credentials")).toMatchObject({
      source: { kind: "explicit" },
      kind: "password",
      username: "alice",
    });
    expect(step(report, "token").says.join("\n")).toMatch(/Basic sends the username and password/);
    expectNoSecrets(report, [SECRET_USERS.alice]);
  });

  it("reads a wrong password as 401: credentials refused, with the fix", async () => {
    const { reg } = fake(basic, { username: "alice", password: "wrong-Password-1234" });
    const report = await reg.explainAuth("team/app:1.0");
    expect(report.verdict).toBe("unauthorized");
    const [probe] = probes(report);
    expect(probe).toMatchObject({ status: 401, outcome: "unauthorized", access: { credentials: "basic" } });
    expect(probe!.says.join("\n")).toMatch(/refused the credentials/);
    expect(probe!.fix).toMatch(/refused the credentials of alice/);
    expect(report.summary).toMatch(/refused \(401\): credentials missing or refused/);
    expectNoSecrets(report, ["wrong-Password-1234", SECRET_USERS.alice]);
  });

  it("reads no credentials as 401: none sent, log in", async () => {
    const { reg } = fake(basic, { anonymous: true });
    const report = await reg.explainAuth("team/app:1.0");
    expect(step(report, "credentials")).toMatchObject({ source: { kind: "anonymous" }, kind: "none" });
    expect(probes(report)[0]).toMatchObject({ outcome: "unauthorized", access: { credentials: "none" } });
    expect(probes(report)[0]!.fix).toMatch(/log in to localhost:5000/);
  });
});

describe("explainAuth with Bearer", () => {
  it("shows the token request, its answer and the decoded claims, never the token", async () => {
    const { reg, handlers } = fake({ auth: { type: "bearer" } }, { username: USER, password: PASSWORD });
    const report = await reg.explainAuth("team/app:1.0", { push: true });
    expect(report.verdict).toBe("ok");
    expect(step(report, "challenge")).toMatchObject({
      scheme: "bearer",
      realm: `http://${HOST}/token`,
      service: "regatta-registry",
    });
    const token = step(report, "token");
    expect(token.from).toBe("realm");
    expect(token.exchanges).toMatchObject([
      {
        method: "GET",
        url: `http://${HOST}/token?service=regatta-registry&scope=repository%3Ateam%2Fapp%3Apull%2Cpush`,
        sent: "basic",
        status: 200,
        expiresIn: 300,
      },
    ]);
    expect(step(report, "grants")).toMatchObject({
      token: "jwt",
      sub: USER,
      access: [{ type: "repository", name: "team/app", actions: ["pull", "push"] }],
      missing: [],
    });
    expect(handlers.tokenRequests.length).toBeGreaterThan(0);
    expectNoSecrets(report, [PASSWORD]);
  });

  it("without credentials: an anonymous token that grants pull only, and push refused as insufficient_scope", async () => {
    const { reg } = fake({ auth: { type: "bearer" } });
    const report = await reg.explainAuth("team/app:1.0", { push: true });
    expect(step(report, "credentials")).toMatchObject({ kind: "none" });
    expect(step(report, "token").exchanges).toMatchObject([{ sent: "anonymous", status: 200 }]);
    expect(step(report, "grants")).toMatchObject({ missing: ["push"] });
    expect(step(report, "grants").says.join("\n")).toMatch(/missing: push on team\/app/);
    expect(probes(report)).toMatchObject([{ outcome: "ok" }, { action: "push", status: 401 }]);
    expect(report.verdict).toBe(probes(report)[1]!.outcome);
  });

  it("a user allowed pull only, asking push: the token lacks push, the probe says insufficient_scope", async () => {
    const { reg } = fake(
      {
        auth: {
          type: "bearer",
          users: SECRET_USERS,
          accessFor: (user, scope) =>
            user === "pullonly" ? scope.actions.filter((a) => a === "pull") : scope.actions,
        },
      },
      { username: "pullonly", password: SECRET_USERS.pullonly },
    );
    const report = await reg.explainAuth("team/app:1.0", { push: true });
    expect(step(report, "grants")).toMatchObject({
      sub: "pullonly",
      access: [{ name: "team/app", actions: ["pull"] }],
      missing: ["push"],
    });
    const push = probes(report)[1]!;
    expect(push).toMatchObject({ status: 401, outcome: "insufficient_scope" });
    expect(push.says[0]).toMatch(/the token lacks push on team\/app/);
    expect(report.verdict).toBe("insufficient_scope");
    expectNoSecrets(report, [SECRET_USERS.pullonly]);
  });

  it("a token server refusing the password: the token step says why, the probe reads 401", async () => {
    const { reg } = fake({ auth: { type: "bearer" } }, { username: USER, password: "not-the-Password-99" });
    const report = await reg.explainAuth("team/app:1.0");
    expect(step(report, "token")).toMatchObject({
      from: "none",
      exchanges: [{ status: 401, sent: "basic" }],
    });
    expect(step(report, "token").error).toMatch(/401/);
    // A refusal is what the report explains, not a step that failed.
    expect(step(report, "token").failure).toBeUndefined();
    expect(report.failed).toEqual([]);
    expect(step(report, "grants").token).toBe("none");
    expect(report.verdict).toBe("unauthorized");
    expectNoSecrets(report, ["not-the-Password-99"]);
  });
});

describe("explainAuth reads 403 and 404", () => {
  it("403: accepted but not allowed", async () => {
    const { reg, handlers } = fake({ auth: null });
    await reg.ping(); // the fault is for the HEAD and the tag list after it, not the ping
    handlers.inject({ status: 403, error: { code: "DENIED" }, times: 2 });
    const report = await reg.explainAuth("team/app:1.0");
    expect(probes(report)[0]).toMatchObject({ status: 403, code: "DENIED", outcome: "forbidden" });
    expect(report.verdict).toBe("forbidden");
    expect(probes(report)[0]!.says[0]).toMatch(/may not pull team\/app: ask for access/);
  });

  it("404: an unknown tag, an unknown repository", async () => {
    const { reg } = fake({ auth: null });
    const tag = await reg.explainAuth("team/app:nope");
    // A HEAD answer has no body: the tag list, asked after it, tells a missing tag from a missing repository.
    expect(probes(tag)[0]).toMatchObject({ status: 404, outcome: "not_found" });
    expect(probes(tag)[0]!.says[0]).toMatch(/the repository exists, but has no manifest nope/);
    const repo = await reg.explainAuth("team/none:1.0");
    expect(probes(repo)[0]).toMatchObject({ status: 404, code: "NAME_UNKNOWN", outcome: "not_found" });
    expect(probes(repo)[0]!.says[0]).toMatch(
      /the repository team\/none does not exist, or is hidden from you/,
    );
    expect(repo.summary).toMatch(/not found \(404\)/);
  });
});

describe("explainAuth --push of an image that does not exist yet", () => {
  it("a new tag or repository: the pull probe's 404 is no refusal, the push probe decides", async () => {
    const { reg } = fake({ auth: null });
    for (const ref of ["team/app:new", "team/none:1.0"]) {
      const report = await reg.explainAuth(ref, { push: true });
      expect(probes(report)).toMatchObject([
        { action: "pull", outcome: "not_found" },
        { action: "push", outcome: "ok" },
      ]);
      expect(report.verdict).toBe("ok");
      expect(report.summary).toMatch(/pull and push on .*: allowed/);
    }
    // Asked about a pull alone, the 404 is the verdict.
    expect((await reg.explainAuth("team/app:new")).verdict).toBe("not_found");
  });
});

describe("explainAuth never carries an echoed secret", () => {
  it.each(["basic", "bearer"] as const)("%s: a registry that echoes what it was sent", async (scheme) => {
    hostile = await startHostileRegistry({ behaviour: "echo-secrets", scheme });
    const password = "echo-Sekr1t-Pw-777";
    const reg = createClient(hostile.host, { username: "alice", password, retry: { attempts: 0 } });
    opened.push(reg);
    const report = await reg.explainAuth(`${hostile.host}/team/app:1.0`, { push: true });
    // The echo reached the report (the registry's words on the refused push), scrubbed.
    expect(probes(report)[1]!.registrySays).toMatch(/denied: you sent Authorization/);
    const sent = hostile.requests.flatMap((r) => (r.headers.authorization ?? "").split(" ").slice(1));
    expect(sent.length).toBeGreaterThan(0);
    expectNoSecrets(report, [password, ...sent]);
  });
});

/** A port on 127.0.0.1 that nothing listens on: listened on once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

describe("explainAuth when a step cannot be carried out", () => {
  it("a registry nobody listens on: the challenge and the probe failed, the other steps still report, nothing thrown", async () => {
    const host = `127.0.0.1:${await closedPort()}`;
    const reg = createClient(host, { username: USER, password: PASSWORD, retry: { attempts: 0 } });
    opened.push(reg);
    const report = await reg.explainAuth("team/app:1.0");
    expect(report.failed).toEqual(["1. challenge", "5. probe: pull"]);
    const challenge = step(report, "challenge");
    expect(challenge.status).toBeUndefined();
    expect(challenge.failure).toMatchObject({
      code: expect.any(String),
      message: expect.stringContaining(host),
    });
    expect(challenge.says[0]).toMatch(/^GET \/v2\/ failed: .*\[\w+\]$/);
    // The credentials are named, and nothing is claimed about what the registry asks for: its challenge is unknown.
    expect(step(report, "credentials").says).toEqual([
      "from: given to the client explicitly (the command line's -u/--password, or connect() options)",
      `what: a username and password (user ${USER})`,
    ]);
    expect(step(report, "token").says).toEqual([
      "not asked: the challenge step failed, so no realm is known to ask",
    ]);
    expect(probes(report)[0]).toMatchObject({ outcome: "error", failure: { code: challenge.failure!.code } });
    expect(report.verdict).toBe("error");
    expectNoSecrets(report, [PASSWORD]);
  });
});
