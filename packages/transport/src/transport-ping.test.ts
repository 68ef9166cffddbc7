/**
 * `Transport.ping`: `GET /v2/` once per registry (the promise is cached, a failure is not), through the bare stack
 * (no Authorization, no status judgement: a 401 with a challenge is an answer), the challenge handed to the
 * authenticator, and a typed error for anything else (https://distribution.github.io/distribution/spec/api/#api-version-check).
 */
import { AuthenticationError, NotFoundError, ProtocolError, RegistryError } from "@regatta/errors";
import { FakeAuthenticator } from "@regatta/testkit";
import { describe, expect, it } from "vitest";
import { abortSoon, testbed } from "./test-helpers.js";

const CHALLENGE = 'Bearer realm="http://127.0.0.1/token",service="reg"';
const { serve, make } = testbed({ retry: { attempts: 0 } });

describe("ping", () => {
  it("a 200 reports the API version, and the body is released", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "docker-distribution-api-version": "registry/2.0" });
      res.end("{}");
    });
    expect(await make().ping(s.host)).toEqual({ status: 200, apiVersion: "registry/2.0" });
    const bare = await serve((_req, res) => void res.end());
    expect(await make().ping(bare.host)).toEqual({ status: 200 });
  });

  it("a 401 with a challenge is an answer: reported, remembered and handed to the authenticator", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(401, {
        "www-authenticate": CHALLENGE,
        "docker-distribution-api-version": "registry/2.0",
      });
      res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
    });
    const auth = new FakeAuthenticator("Bearer t");
    const t = make({ authenticator: auth });
    expect(await t.ping(s.host)).toEqual({ status: 401, apiVersion: "registry/2.0", challenge: CHALLENGE });
    expect(auth.learnt).toEqual([{ registry: s.host, challenge: CHALLENGE }]);
    // The ping goes through the bare stack: no Authorization, and the authenticator is not asked.
    expect(s.requests[0]?.headers.authorization).toBeUndefined();
    expect(auth.authorizations).toEqual([]);
    // An authenticator set later learns what the ping saw.
    const later = new FakeAuthenticator(undefined);
    t.setAuthenticator(later);
    expect(later.learnt).toEqual([{ registry: s.host, challenge: CHALLENGE }]);
  });

  it("a 401 without a challenge is an AuthenticationError naming the ping", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"who are you"}]}');
    });
    const err = await make()
      .ping(s.host)
      .catch((e) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.code).toBe("UNAUTHORIZED");
    expect(err.status).toBe(401);
    expect(err.summary).toBe(`ping ${s.host}: 401 UNAUTHORIZED: who are you (GET http://${s.host}/v2/)`);
  });

  it("a 404 says the host does not serve the Registry v2 API", async () => {
    const s = await serve((_req, res) => {
      res.statusCode = 404;
      res.end("not here");
    });
    const err = await make()
      .ping(s.host)
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).not.toBeInstanceOf(NotFoundError);
    expect(err.message).toBe(
      `ping ${s.host}: GET /v2/ answered 404; ${s.host} does not serve the Registry v2 API`,
    );
    expect(err.status).toBe(404);
    expect(err.request).toEqual({ method: "GET", url: `http://${s.host}/v2/` });
  });

  it("any other status is the typed error of that status, scrubbed of the client's secrets", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(503, { "content-type": "application/json" });
      res.end('{"errors":[{"code":"UNAVAILABLE","message":"down, said hunter2-pass"}]}');
    });
    const t = make();
    t.secrets.add("hunter2-pass");
    const err = await t.ping(s.host).catch((e) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.status).toBe(503);
    expect(err.retryable).toBe(true);
    expect(err.message).toBe(
      `ping ${s.host}: 503 UNAVAILABLE: down, said REDACTED (GET http://${s.host}/v2/)`,
    );
  });

  describe("an error answer's body and headers are read as every request's are (status.ts answerFacts)", () => {
    const refuse = (headers: Record<string, string>, body: string, status = 403) =>
      serve((_req, res) => {
        res.writeHead(status, { "docker-distribution-api-version": "registry/2.0", ...headers });
        res.end(body);
      });
    const pingError = async (host: string) => {
      const t = make();
      t.secrets.add("Sekrit-Pw-9911");
      return (await t.ping(host).catch((e) => e)) as RegistryError;
    };

    it("a text/plain 403 is shown after the status, scrubbed", async () => {
      const s = await refuse(
        { "content-type": "text/plain; charset=utf-8" },
        "registry disabled for maintenance (password Sekrit-Pw-9911)\n",
      );
      const err = await pingError(s.host);
      expect(err.summary).toBe(
        `ping ${s.host}: 403 Forbidden: registry disabled for maintenance (password REDACTED) (GET http://${s.host}/v2/)`,
      );
    });

    it("a body of another type (text/html without markup) is not shown, as for any request", async () => {
      const s = await refuse({ "content-type": "text/html" }, "registry disabled for maintenance");
      const err = await pingError(s.host);
      expect(err.summary).toBe(`ping ${s.host}: 403 Forbidden (GET http://${s.host}/v2/)`);
    });

    it("a 503's Retry-After says when to come back", async () => {
      const s = await refuse({ "retry-after": "120" }, "", 503);
      const err = await pingError(s.host);
      expect(err.hint).toBe("the registry asks to try again in 120 s, about 2 min (Retry-After)");
    });
  });

  it("is sent once per registry, even when asked concurrently", async () => {
    const s = await serve((_req, res) => void setTimeout(() => res.end(), 20));
    const other = await serve((_req, res) => void res.end());
    const t = make();
    const [a, b] = await Promise.all([t.ping(s.host), t.ping(s.host)]);
    expect(a).toBe(b);
    expect(await t.ping(s.host)).toBe(a);
    expect(s.requests).toHaveLength(1);
    await t.ping(other.host);
    expect(other.requests).toHaveLength(1);
  });

  it("a failed ping is not cached: the next one asks again", async () => {
    let status = 500;
    const s = await serve((_req, res) => {
      res.statusCode = status;
      res.end();
    });
    const t = make();
    await expect(t.ping(s.host)).rejects.toBeInstanceOf(RegistryError);
    status = 200;
    expect(await t.ping(s.host)).toEqual({ status: 200 });
    expect(await t.ping(s.host)).toEqual({ status: 200 });
    expect(s.requests).toHaveLength(2);
  });

  it("honours the caller's signal", async () => {
    const s = await serve(() => {}); // never answers
    const err = await make()
      .ping(s.host, abortSoon())
      .catch((e) => e);
    expect(err.name).toBe("AbortError");
    expect(err.message).toBe(`ping ${s.host}: aborted (GET http://${s.host}/v2/)`);
  });
});
