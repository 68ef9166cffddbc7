/**
 * The transport's half of issue 10, items 3 and 16: the errors it builds from a registry's answer are scrubbed of
 * the secrets its authenticator sent (one SecretSet per client), so is every `-v` log line, and a 401/403 error
 * carries who asked for what (the Authorization scheme sent, the user, the operation).
 */
import { inspect } from "node:util";
import { createAuthenticator, staticCredentials } from "@regatta/auth";
import type { RegattaError } from "@regatta/errors";
import { startServer, type TestServer } from "@regatta/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { Transport } from "./transport.js";

const PASSWORD = "pw-Sekr1t/4242 +&x";
const servers: TestServer[] = [];
const transports: Transport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A Basic registry that refuses every authenticated request with an echo of the Authorization it got. */
async function echoing(status: number) {
  const server = await startServer((req, res) => {
    const authorization = req.headers.authorization;
    if (!authorization) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="r"', "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "log in" }] }));
      return;
    }
    const decoded = Buffer.from(authorization.slice(6), "base64").toString();
    res.writeHead(status, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        errors: [
          { code: "DENIED", message: `you sent ${authorization} = ${decoded}`, detail: { again: decoded } },
        ],
      }),
    );
  });
  servers.push(server);
  return server;
}

function client(credentials?: { username: string; password: string }) {
  const lines: string[] = [];
  const transport = new Transport({ logger: (l) => lines.push(l), retry: { attempts: 0 } });
  transports.push(transport);
  transport.setAuthenticator(
    createAuthenticator({
      send: transport.authSend,
      secrets: transport.secrets,
      ...(credentials ? { credentials: staticCredentials(credentials) } : {}),
    }),
  );
  return { transport, lines };
}

async function refusal(transport: Transport, registry: string, method: string, actions: string[]) {
  try {
    await transport.request({
      registry,
      method,
      path: "/v2/team/app/blobs/uploads/",
      scopes: [{ type: "repository", name: "team/app", actions }],
    });
  } catch (error) {
    return error as RegattaError;
  }
  throw new Error("expected a refusal");
}

describe("errors and log lines built by the transport", () => {
  it("never carry the password or the Basic value a registry echoed", async () => {
    const server = await echoing(403);
    const { transport, lines } = client({ username: "alice", password: PASSWORD });
    const error = await refusal(transport, server.host, "POST", ["pull", "push"]);
    const basic = Buffer.from(`alice:${PASSWORD}`).toString("base64");
    const seen = [error.message, JSON.stringify(error), inspect(error, { depth: 8 }), ...lines].join("\n");
    expect(seen).toContain("you sent Basic REDACTED");
    for (const secret of [PASSWORD, basic, `alice:${PASSWORD}`]) expect(seen).not.toContain(secret);
    expect(transport.secrets.size).toBeGreaterThan(0);
  });

  it("a 403 after credentials says who and what", async () => {
    const server = await echoing(403);
    const { transport } = client({ username: "alice", password: PASSWORD });
    const error = await refusal(transport, server.host, "POST", ["pull", "push"]);
    expect(error.status).toBe(403);
    expect(error.access).toEqual({
      registry: server.host,
      repository: "team/app",
      operation: "push",
      credentials: "basic",
      username: "alice",
    });
  });

  it("an anonymous refusal says nothing was sent", async () => {
    const server = await echoing(403);
    const { transport } = client();
    const error = await refusal(transport, server.host, "GET", ["pull"]);
    expect(error.status).toBe(401);
    expect(error.access).toMatchObject({ credentials: "none", operation: "pull" });
    expect(error.message).toContain("no credentials were sent");
    expect(error.message).not.toMatch(/these credentials|lack permission/);
  });
});

describe("a registry that refuses without ever challenging (its /v2/ answers 200, no 401)", () => {
  /** 200 on /v2/, a plain-text 403 everywhere else, never a WWW-Authenticate. */
  async function unasking(body: string, type = "text/plain; charset=utf-8") {
    const server = await startServer((req, res) => {
      if (req.url === "/v2/") {
        res.writeHead(200, { "docker-distribution-api-version": "registry/2.0" });
        res.end("{}");
        return;
      }
      res.writeHead(403, { "content-type": type });
      res.end(body);
    });
    servers.push(server);
    return server;
  }

  it("says the credentials held were not sent because nobody asked, and shows the text body", async () => {
    const server = await unasking("storage quota exceeded for namespace");
    const { transport } = client({ username: "alice", password: PASSWORD });
    await transport.ping(server.host);
    // After the ping no challenge is known: nothing goes with either request.
    for (const method of ["POST", "PUT"]) {
      const error = await refusal(transport, server.host, method, ["pull", "push"]);
      expect(error.access).toMatchObject({ credentials: "none", operation: "push", unchallenged: true });
      expect(error.message).toContain("403 Forbidden: storage quota exceeded for namespace");
    }
  });

  it("a generic refusal says the registry never asked, not that -u/-p or a login would help", async () => {
    const server = await unasking("<html><body>Forbidden</body></html>", "text/html");
    const { transport } = client({ username: "alice", password: PASSWORD });
    const error = await refusal(transport, server.host, "POST", ["pull", "push"]);
    expect(error.access?.unchallenged).toBe(true);
    expect(error.hint).toContain("without ever asking for credentials (no 401 challenge), so none were sent");
    expect(error.message).not.toContain("<html>");
  });

  it("an anonymous request that is challenged is not 'unchallenged'", async () => {
    const server = await echoing(403);
    const { transport } = client();
    const error = await refusal(transport, server.host, "GET", ["pull"]);
    expect(error.access?.unchallenged).toBeUndefined();
  });
});
