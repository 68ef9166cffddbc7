import { AbortError, AuthenticationError, type ConnectOptions } from "@regatta/client";
import {
  createMswDispatcher,
  DEFAULT_USERS,
  distributionHandlers,
  fakeRepository,
  generateImage,
} from "@regatta/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { ReplSession } from "./session.js";

const session = () =>
  new ReplSession("localhost:5000", { username: "alice", password: "s3cret-pw" }, false, () => {});

describe("ReplSession secrets", () => {
  it.each([
    ["reg.tags('x')", false],
    ['connect("r", { username: "u", password: "p" })', true],
    ["({ 'password': 'x' })", true],
    ["const p = 's3cret-pw'", true],
    ["passwordless()", false],
  ])("%s is secret: %s", (line, secret) => {
    expect(session().isSecret(line)).toBe(secret);
  });

  it.each([
    [".connect http://alice:Userinfo8PW@127.0.0.1:5000", true],
    ['await connect("https://u:pw@h")', true],
    ['const u = "oci+https://:tok3n@reg.example/x"', true],
    // A username alone, or a reference with a tag and a digest, holds no password.
    [".connect https://alice@ghcr.io", false],
    ['reg.manifest("team/api:1.0@sha256:0123abcd")', false],
    ['reg.manifest("https://reg.example/team/api:1.0")', false],
    // The same userinfo rule without a scheme, and with a `/`, `//` or `?` in the password (QA): the REPL masks
    // these as `***@` on screen, so they never reach ~/.regatta_repl_history either.
    [".connect alice:PW@127.0.0.1:5000", true],
    [".connect //alice:PW@reg.example", true],
    ['await connect("bob:PW@reg.example")', true],
    [".connect alice:Kq7top/Secret?L@127.0.0.1:1", true],
    ['reg.manifest("127.0.0.1:5000/team/api@sha256:0123abcd")', false],
  ])("a URL's userinfo: %s is secret: %s", (line, secret) => {
    expect(session().isSecret(line)).toBe(secret);
  });

  it("a line the REPL masks for display is a line history never keeps", () => {
    const s = session();
    for (const line of ['connect("//bob:PW@reg.example")', "x = 's3cret-pw'", "alice:a/b@h"]) {
      expect(s.scrub(line)).not.toBe(line);
      expect(s.isSecret(line)).toBe(true);
    }
  });

  it("knows a secret in every form a SecretSet recognises, not only as typed", () => {
    const s = session();
    const pw = "p@ss w/rd&1";
    s.addSecret(pw, "bob");
    expect(s.isSecret(`const p = "${encodeURIComponent(pw)}"`)).toBe(true);
    expect(s.isSecret(`const p = ${JSON.stringify(pw.replace("@", "\u0040"))}`)).toBe(true);
    expect(s.isSecret(`atob("${Buffer.from(pw).toString("base64")}")`)).toBe(true);
    expect(s.isSecret(`atob("${Buffer.from(`bob:${pw}`).toString("base64")}")`)).toBe(true);
    expect(s.isSecret('reg.tags("team/api")')).toBe(false);
  });

  it("tells its listeners when it learns a secret, once per secret, including a password in a URL", () => {
    const s = session();
    let told = 0;
    s.onSecret(() => told++);
    s.addSecret("new-secret-1");
    s.addSecret("new-secret-1");
    s.addSecret("s3cret-pw");
    expect(told).toBe(1);
    // createClient refuses the address, but the password in it was given all the same.
    expect(() => s.open("http://alice:In-The-Url-9@localhost:5000")).toThrow();
    expect(told).toBe(2);
    expect(s.isSecret('const x = "In-The-Url-9"')).toBe(true);
    expect(s.redact("In-The-Url-9")).toBe("***");
  });

  it("redacts every known secret, including those added later", () => {
    const s = session();
    s.addSecret("from-login");
    expect(s.redact("s3cret-pw and from-login")).toBe("*** and ***");
  });
});

describe("ReplSession interrupt", () => {
  it("does nothing when nothing is awaited", () => {
    expect(session().interrupt()).toBe(false);
  });

  it("rejects the wait with an AbortError and aborts the signal the requests carry", async () => {
    const s = session();
    const signal = s.signal();
    const waiting = s.wait(new Promise(() => {}));
    expect(s.busy).toBe(true);
    expect(s.interrupt()).toBe(true);
    await expect(waiting).rejects.toBeInstanceOf(AbortError);
    expect(signal.aborted).toBe(true);
    // The next evaluation gets a fresh signal.
    expect(s.signal().aborted).toBe(false);
    expect(s.busy).toBe(false);
  });
});

describe("ReplSession .login against a token registry (msw fake of distribution)", () => {
  const HOST = "localhost:5000";
  const [[USER, PASSWORD]] = Object.entries(DEFAULT_USERS) as [[string, string]];
  const open: ReplSession[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  const tokenSession = async (options: ConnectOptions = {}) => {
    const handlers = distributionHandlers({
      host: HOST,
      auth: { type: "bearer" },
      repos: { "team/api": fakeRepository({ "1.0": await generateImage({ seed: "login" }) }) },
    });
    const s = new ReplSession(
      HOST,
      { dispatcher: createMswDispatcher(handlers), ...options },
      false,
      () => {},
    );
    open.push(s);
    let resets = 0;
    s.onReset(() => resets++);
    return Object.assign(s, { resets: () => resets });
  };

  it("keeps no credentials the registry refuses: anonymous pulls go on working, and no cache is reset", async () => {
    const s = await tokenSession();
    await expect(s.login(HOST, { username: USER, password: "mistyped" })).rejects.toBeInstanceOf(
      AuthenticationError,
    );
    expect(s.usernameFor(HOST)).toBeUndefined();
    expect(s.hasCredentials()).toBe(false);
    expect(s.resets()).toBe(0);
    const reg = s.open();
    expect((await reg.tags("team/api")).tags).toEqual(["1.0"]);
    expect(reg.whoami().username).toBeUndefined();
  });

  it("keeps the previous good credentials when a second .login is refused", async () => {
    const s = await tokenSession({ username: USER, password: PASSWORD });
    await expect(s.login(HOST, { username: "mallory", password: "guess" })).rejects.toThrow(
      /refused the credentials of mallory/,
    );
    expect(s.usernameFor(HOST)).toBe(USER);
    const reg = s.open();
    expect((await reg.tags("team/api")).tags).toEqual(["1.0"]);
    expect(reg.whoami().username).toBe(USER);
  });

  it("takes credentials the registry accepts, hands back a client using them, and resets the caches", async () => {
    const s = await tokenSession();
    const { client, who } = await s.login(HOST, { username: USER, password: PASSWORD });
    expect(who.username).toBe(USER);
    expect(client.whoami().username).toBe(USER);
    expect(s.usernameFor(HOST)).toBe(USER);
    expect(s.resets()).toBe(1);
  });

  it("checks credentials given to connect() at once, and resets the caches only when it succeeds", async () => {
    const s = await tokenSession();
    await expect(s.connect(HOST, { username: USER, password: "mistyped" })).rejects.toBeInstanceOf(
      AuthenticationError,
    );
    expect(s.resets()).toBe(0);
    await s.connect(HOST);
    expect(s.resets()).toBe(1);
  });
});

describe("ReplSession platform (regatta repl --platform)", () => {
  it("every client it opens means that platform (client.with({ platform })); without one, the client's default", async () => {
    const plain = session();
    const hostDefault = plain.open().ctx.platform;
    const s = session();
    const other = hostDefault === "linux/arm64/v8" ? "linux/amd64" : "linux/arm64/v8";
    s.platform = other;
    expect(s.open().ctx.platform).toBe(other);
    expect(s.open("ghcr.io").ctx.platform).toBe(other);
    expect(plain.open().ctx.platform).toBe(hostDefault);
    await plain.close();
    await s.close();
  });
});

describe("ReplSession notices of long waits", () => {
  it("an awaited call waiting for a Retry-After says so without .verbose; with .verbose the log says it", async () => {
    const { createServer } = await import("node:http");
    let calls = 0;
    const server = createServer((request, response) => {
      if (request.url === "/v2/") return void response.writeHead(200).end("{}");
      calls++;
      if (calls % 2 === 1) {
        response.writeHead(429, { "retry-after": "2", "content-type": "application/json" });
        return void response.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}');
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end('{"name":"team/api","tags":["1.0"]}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
    const lines: string[] = [];
    const s = new ReplSession(host, {}, false, (line) => lines.push(line));
    try {
      const reg = s.open();
      expect((await s.wait(reg.tags("team/api"))).tags).toEqual(["1.0"]);
      expect(lines).toEqual([
        `waiting 2 s before retrying GET http://${host}/v2/team/api/tags/list (1/3): 429 Too Many Requests, as its Retry-After asks`,
      ]);
      lines.length = 0;
      s.verbose = true;
      await s.wait(s.open().tags("team/api"));
      expect(lines.some((line) => line.includes("~ retry 1/3 in 2000ms"))).toBe(true);
      expect(lines.some((line) => line.startsWith("waiting"))).toBe(false);
    } finally {
      await s.close();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 20_000);
});
