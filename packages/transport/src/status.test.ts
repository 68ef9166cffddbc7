/**
 * The status concern on its own: what counts as success, and the error an unexpected answer becomes (typed by
 * status, with the registry's error code, the challenge, the context, who asked for what, and its Retry-After kept
 * for a recovery above the retry concern).
 */
import { Readable } from "node:stream";
import { AuthenticationError, RegistryError, SecretSet, TooManyRequestsError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import type { Exchange, RawResponse } from "./exchange.js";
import { retryPolicy } from "./retry.js";
import { isExpected, statusErrors } from "./status.js";
import { testExchange } from "./test-helpers.js";

const exchange = testExchange({
  url: new URL("https://reg.example/v2/a/manifests/x"),
  scopes: [{ type: "repository", name: "a", actions: ["pull"] }],
});
const answer = (status: number, headers: Record<string, string> = {}, body = ""): RawResponse => ({
  status,
  headers,
  url: "https://reg.example/v2/a/manifests/x?sig=s3cr3t",
  body: Readable.from([Buffer.from(body)]),
});
const judge = (response: RawResponse, ex: Partial<Exchange> = {}, secrets?: SecretSet) =>
  statusErrors(secrets)(async () => response)({ ...exchange, ...ex });

describe("isExpected", () => {
  it("is any 2xx by default, or exactly the statuses listed", () => {
    expect([199, 200, 204, 299, 300, 404].map((s) => isExpected(s, undefined))).toEqual([
      false,
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(isExpected(404, [404])).toBe(true);
    expect(isExpected(200, [404])).toBe(false);
    expect(isExpected(200, [])).toBe(false);
  });
});

describe("statusErrors", () => {
  it("passes an expected answer through untouched", async () => {
    const ok = answer(200);
    expect(await judge(ok)).toBe(ok);
    const listed = answer(404);
    expect(await judge(listed, { expect: [404] })).toBe(listed);
  });

  it("reads an error body in the charset it declares, so a secret echoed in UTF-16 is scrubbed and the rest shown", async () => {
    const secrets = new SecretSet().add("S6>??cr3t~Pw-Qzk");
    const body = '{"errors":[{"code":"DENIED","message":"you sent S6>??cr3t~Pw-Qzk"}]}';
    const err = await judge(
      {
        status: 403,
        headers: { "content-type": "application/json; charset=utf-16le" },
        url: "https://reg.example/v2/a/manifests/x",
        body: Readable.from([Buffer.from(body, "utf16le")]),
      },
      {},
      secrets,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).message).toContain("you sent REDACTED");
    expect(JSON.stringify(err) + String(err)).not.toMatch(/cr3t|\u0000/);
  });

  it("turns an unexpected answer into the typed error of its status, from its body, scrubbed", async () => {
    const secrets = new SecretSet().add("hunter2-pass");
    const err = await judge(
      answer(
        401,
        { "www-authenticate": 'Bearer realm="https://auth.example/token"' },
        '{"errors":[{"code":"UNAUTHORIZED","message":"hunter2-pass?"}]}',
      ),
      { context: "get manifest a:x" },
      secrets,
    ).catch((e) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.code).toBe("UNAUTHORIZED");
    expect(err.status).toBe(401);
    expect(err.summary).toMatch(
      /^get manifest a:x: 401 UNAUTHORIZED: REDACTED\? \(GET https:\/\/reg\.example\/v2\/a\/manifests\/x\?sig=REDACTED\)/,
    );
    expect(err.request).toEqual({ method: "GET", url: "https://reg.example/v2/a/manifests/x?sig=REDACTED" });
    // No credentials went with it (no auth concern noted any): the hint says so.
    expect(err.access).toMatchObject({ registry: "reg.example", repository: "a", credentials: "none" });
    expect(err.access.username).toBeUndefined();
  });

  it("hands the challenge on: a 401 for a scope not granted says so", async () => {
    const challenge =
      'Bearer realm="https://auth.example/token",error="insufficient_scope",scope="repository:a:pull"';
    const err = await judge(answer(401, { "www-authenticate": challenge })).catch((e) => e);
    expect(err.access).toMatchObject({ insufficientScope: true });
    const plain = await judge(
      answer(401, { "www-authenticate": 'Bearer realm="https://auth.example/token"' }),
    ).catch((e) => e);
    expect(plain.access.insufficientScope).toBeUndefined();
  });

  it("uses what the auth concern noted was sent", async () => {
    const refused = { ...answer(403), sent: { credentials: "basic" as const, username: "alice" } };
    const err = await judge(refused).catch((e) => e);
    expect(err.access).toMatchObject({ credentials: "basic", username: "alice" });
    const anonymous = { ...answer(403), sent: { credentials: "none" as const } };
    expect((await judge(anonymous).catch((e) => e)).access.username).toBeUndefined();
  });

  it("keeps the answer's Retry-After on the error, for a recovery that waits for it", async () => {
    const policy = retryPolicy({
      attempts: 3,
      baseDelayMs: 200,
      maxDelayMs: 5000,
      maxRetryAfterMs: 60_000,
      sleep: async () => {},
      now: () => 0,
      random: () => 0.5,
    });
    const limited = await judge(answer(429, { "retry-after": "7" })).catch((e) => e);
    expect(limited).toBeInstanceOf(TooManyRequestsError);
    expect(policy.delayAfter(0, limited)).toBe(7000);
    // Said to the person too: how long the registry asked to wait.
    expect(limited.hint).toBe(
      "the registry's rate limit was reached and it asks to wait 7 s (Retry-After); wait, or log in for a higher limit",
    );
    expect((await judge(answer(429)).catch((e) => e)).hint).toBe(
      "the registry's rate limit was reached; wait, or log in for a higher limit",
    );
    const busy = await judge(answer(503)).catch((e) => e);
    expect(busy).toBeInstanceOf(RegistryError);
    expect(policy.delayAfter(0, busy)).toBe(100); // no Retry-After: the ordinary backoff
    expect(busy.hint).toBeUndefined();
    // A 503 for maintenance that names when to come back: longer than the retries wait, so the person is told.
    const maintenance = await judge(answer(503, { "retry-after": "3600" })).catch((e) => e);
    expect(policy.delayAfter(0, maintenance)).toBeUndefined();
    expect(maintenance.hint).toBe("the registry asks to try again in 3600 s, about 1 h (Retry-After)");
  });
});

describe("an answer from where the registry sent the request", () => {
  it("names that host in the hint and carries no access facts: none of the registry's credentials went there", async () => {
    const storage: RawResponse = {
      status: 401,
      headers: { "www-authenticate": 'Bearer realm="https://storage.example/token"' },
      url: "https://storage.example/upload/abc",
      body: Readable.from([Buffer.from("")]),
    };
    const error = (await judge(storage, { baseOrigin: "https://reg.example" }).catch(
      (e) => e,
    )) as AuthenticationError;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.access).toBeUndefined();
    expect(error.hint).toBe(
      `storage.example answered, where ${exchange.registry} sent the request; it gets none of the registry's credentials: a registry that needs credentials must keep its redirects and upload Locations on its own host`,
    );
  });

  it("an object store's XML error is read: a presigned URL that expired says so, not just 403 Forbidden", async () => {
    const expired: RawResponse = {
      status: 403,
      headers: { "content-type": "application/xml" },
      url: "https://bucket.s3.example/docker/registry/v2/blobs/sha256/ab/abcd/data?X-Amz-Signature=0123456789abcdef",
      body: Readable.from([
        Buffer.from(
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message><Expires>2026-12-03T06:00:00Z</Expires></Error>',
        ),
      ]),
    };
    const error = (await judge(expired, { baseOrigin: "https://reg.example" }).catch(
      (e) => e,
    )) as RegistryError;
    expect(error.status).toBe(403);
    expect(error.errors).toEqual([{ code: "AccessDenied", message: "Request has expired" }]);
    expect(error.message).toContain("403 AccessDenied: Request has expired (GET https://bucket.s3.example/");
    expect(error.message).not.toContain("0123456789abcdef");
  });

  it("names origins when only the scheme changed, so the hint does not name one host twice", async () => {
    const https: RawResponse = {
      status: 401,
      headers: {},
      url: "https://127.0.0.1:5000/v2/a/manifests/v1",
      body: Readable.from([Buffer.from("")]),
    };
    const error = (await judge(https, {
      registry: "127.0.0.1:5000",
      baseOrigin: "http://127.0.0.1:5000",
    }).catch((e) => e)) as AuthenticationError;
    expect(error.hint).toBe(
      "https://127.0.0.1:5000 answered, where http://127.0.0.1:5000 sent the request; it gets none of the registry's credentials: a registry that needs credentials must keep its redirects and upload Locations on its own host",
    );
  });
});
