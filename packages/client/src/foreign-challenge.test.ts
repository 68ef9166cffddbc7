/**
 * A challenge counts only from the registry's own origin (docs/security.md, "Origins"). A registry that redirects a
 * request to another origin which answers `401 WWW-Authenticate: Bearer realm=<its own>` must not make the client
 * ask that realm for a token with the registry's credentials (a storage host or CDN would otherwise collect the
 * password), nor send its token back to the registry. Also: credentials given to the client are scrubbed from the first byte of
 * -v output, before they were ever sent. (An http realm on another host: auth's token-fetch.test.ts.)
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { checkCredentials, createClient } from "./connect.js";

const PASSWORD = "S3cr3t-P@ss!-foreign";
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A server on 127.0.0.1 that records what it gets and answers with `handle`. */
async function serve(handle: (req: IncomingMessage, res: import("node:http").ServerResponse) => void) {
  const seen: { url: string; authorization?: string }[] = [];
  const server = createServer((req, res) => {
    seen.push({
      url: req.url ?? "",
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    handle(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { seen, host: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A client with alice's password for `host`, its -v lines collected. */
function aliceClient(host: string) {
  const logs: string[] = [];
  const reg = createClient(host, {
    username: "alice",
    password: PASSWORD,
    env: {},
    retry: { attempts: 0 },
    logger: (line) => logs.push(line),
  });
  return { reg, logs };
}

describe("a challenge from another origin", () => {
  it("is an error naming where the registry redirected; no token is asked there, nothing goes back", async () => {
    const storage = await serve((req, res) => {
      if (req.url?.startsWith("/token")) return void res.writeHead(200).end('{"token":"evil-token"}');
      res
        .writeHead(401, {
          "www-authenticate": `Bearer realm="http://${req.headers.host}/token",service="evil"`,
        })
        .end();
    });
    const registry = await serve((req, res) => {
      if (req.url === "/v2/")
        return void res.writeHead(200, { "docker-distribution-api-version": "registry/2.0" }).end();
      res.writeHead(307, { location: `http://${storage.host}/storage${req.url}` }).end();
    });
    const { reg, logs } = aliceClient(registry.host);
    try {
      for (const call of [
        () => reg.manifest(`${registry.host}/lib/app:1`),
        () => reg.tags(`${registry.host}/lib/app`),
      ]) {
        const error = await call().catch((e: unknown) => e);
        expect((error as Error).message).toContain(
          `${storage.host}, where ${registry.host} redirected the request, asks for credentials (401)`,
        );
      }
    } finally {
      await reg.close();
    }
    expect(storage.seen.filter((r) => r.url.startsWith("/token"))).toEqual([]);
    expect(storage.seen.filter((r) => r.authorization)).toEqual([]);
    expect(registry.seen.filter((r) => r.authorization?.includes("evil"))).toEqual([]);
    expect(logs.join("\n")).not.toContain(PASSWORD);
  });
});

describe("a login check against a registry that redirects even /v2/", () => {
  it("says the redirect target challenged, not that the registry refused the credentials", async () => {
    const storage = await serve((req, res) => {
      res.writeHead(401, { "www-authenticate": `Bearer realm="http://${req.headers.host}/token"` }).end();
    });
    const registry = await serve((req, res) => {
      res.writeHead(307, { location: `http://${storage.host}${req.url}` }).end();
    });
    const { reg } = aliceClient(registry.host);
    try {
      const error = await checkCredentials(reg).catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe("FOREIGN_CHALLENGE");
      expect((error as Error).message).toContain("redirected the request");
      expect((error as Error).message).not.toContain("refused the credentials");
    } finally {
      await reg.close();
    }
    expect(storage.seen.filter((r) => r.authorization || r.url.startsWith("/token"))).toEqual([]);
  });
});

describe("credentials given to the client", () => {
  it("are scrubbed from -v output before they were ever sent", async () => {
    const registry = await serve((_req, res) => {
      res.writeHead(401, { "www-authenticate": `Basic realm="${PASSWORD}"` }).end();
    });
    const { reg, logs } = aliceClient(registry.host);
    try {
      await reg.tags(`${registry.host}/lib/app`).catch(() => undefined);
    } finally {
      await reg.close();
    }
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join("\n")).not.toContain(PASSWORD);
  });
});

describe("credentials stored in docker's config.json and containers auth.json", () => {
  it("are scrubbed from -v output before the lookup has read them", async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "regatta-stored-"));
    const stored = { docker: "D0cker-stored-pw", token: "identity-T0ken-stored", podman: "P0dman-stored-pw" };
    const base64 = (text: string) => Buffer.from(text).toString("base64");
    writeFileSync(
      join(dir, "config.json"),
      JSON.stringify({
        auths: { "other.example": { auth: base64(`bob:${stored.docker}`), identitytoken: stored.token } },
      }),
    );
    writeFileSync(
      join(dir, "auth.json"),
      JSON.stringify({ auths: { "x.example/team": { auth: base64(`carol:${stored.podman}`) } } }),
    );
    const echo = Object.values(stored).join(" ");
    const registry = await serve((_req, res) => {
      res
        .writeHead(401, { "www-authenticate": `Basic realm="${echo}"`, warning: `199 - "${echo}"` })
        .end(echo);
    });
    const logs: string[] = [];
    const reg = createClient(registry.host, {
      env: { DOCKER_CONFIG: dir, REGISTRY_AUTH_FILE: join(dir, "auth.json"), HOME: dir },
      retry: { attempts: 0 },
      logger: (line) => logs.push(line),
    });
    try {
      const error = await reg.tags(`${registry.host}/lib/app`).catch((e: unknown) => e);
      expect(String((error as Error).message)).not.toMatch(/stored/);
    } finally {
      await reg.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(logs.join("\n")).toContain("401");
    for (const secret of Object.values(stored)) expect(logs.join("\n")).not.toContain(secret);
  });
});

describe("a token endpoint that redirects to another origin, which refuses", () => {
  it("names that host as the one refusing, and says it got none of the credentials", async () => {
    const elsewhere = await serve((_req, res) => {
      res.writeHead(401, { "content-type": "application/json" }).end('{"details":"who are you"}');
    });
    const registry = await serve((req, res) => {
      if (req.url?.startsWith("/token"))
        return void res.writeHead(307, { location: `http://${elsewhere.host}${req.url}` }).end();
      res
        .writeHead(401, {
          "www-authenticate": `Bearer realm="http://${req.headers.host}/token",service="reg"`,
        })
        .end();
    });
    for (const anonymous of [false, true]) {
      const { reg } = anonymous
        ? { reg: createClient(registry.host, { anonymous: true, env: {}, retry: { attempts: 0 } }) }
        : aliceClient(registry.host);
      try {
        const error = (await reg.tags(`${registry.host}/lib/app`).catch((e: unknown) => e)) as Error & {
          hint?: string;
        };
        const text = `${error.message} ${error.hint}`;
        expect(text).toContain(
          `${elsewhere.host} answered, where the token endpoint ${registry.host} redirected`,
        );
        expect(text).not.toMatch(/refused|requires a username|--password|-u /);
      } finally {
        await reg.close();
      }
    }
    expect(elsewhere.seen.filter((r) => r.authorization)).toEqual([]);
  });
});

describe("a login check against a host that answers every path with a web page", () => {
  it("is NOT_A_REGISTRY, so no password is saved for a portal that says 200 to anything", async () => {
    const portal = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" }).end("<html>corporate login portal</html>");
    });
    const { reg } = aliceClient(portal.host);
    try {
      const error = await checkCredentials(reg).catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe("NOT_A_REGISTRY");
      expect((error as Error).message).toContain(`${portal.host} does not look like a container registry`);
    } finally {
      await reg.close();
    }
  });
});
