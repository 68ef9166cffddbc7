import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  AuthorizationError,
  errorFromResponse,
  NotFoundError,
  parseRegistryErrors,
  RegattaError,
  RegistryError,
  RegistryUnreachableError,
  redactHeaders,
  redactUrl,
  SecretSet,
  SignatureError,
  scrubText,
  TlsError,
  TooManyRequestsError,
  urlSecrets,
} from "./index.js";

describe("parseRegistryErrors", () => {
  it.each([
    [
      '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}}]}',
      [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown", detail: { Tag: "x" } }],
    ],
    ['{"errors":[{"code":"denied","message":"no"}]}', [{ code: "DENIED", message: "no" }]],
    ['{"code":"NAME_UNKNOWN","message":"repo"}', [{ code: "NAME_UNKNOWN", message: "repo" }]],
    ['{"message":"Not Found"}', [{ code: "UNKNOWN", message: "Not Found" }]],
    ["<html>502</html>", []],
    ["", []],
    ["null", []],
    // The storage a blob GET is redirected to: S3, GCS's XML API, Azure Blob, MinIO.
    [
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Expires>300</X-Amz-Expires><RequestId>4XJ</RequestId></Error>',
      [{ code: "AccessDenied", message: "Request has expired" }],
    ],
    [
      "<Error><Code>ExpiredToken</Code><Message>The provided token has expired.\nRequest signature expired at: 2026-12-03T06:00:00+00:00</Message></Error>",
      [
        {
          code: "ExpiredToken",
          message: "The provided token has expired.\nRequest signature expired at: 2026-12-03T06:00:00+00:00",
        },
      ],
    ],
    [
      '\uFEFF<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly.&#xA;Time:2026-12-03</Message></Error>',
      [
        {
          code: "AuthenticationFailed",
          message:
            "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly.\nTime:2026-12-03",
        },
      ],
    ],
    ["<Error><Code>NoSuchKey</Code></Error>", [{ code: "NoSuchKey" }]],
    ["<Error><Message>no code</Message></Error>", []],
    ["<ListBucketResult><Code>x</Code></ListBucketResult>", []],
  ])("%s", (body, expected) => {
    expect(parseRegistryErrors(body)).toEqual(expected);
  });

  it("reads only Code and Message of a storage error, never the signature a SignatureDoesNotMatch quotes", () => {
    const body =
      "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message>" +
      "<SignatureProvided>9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08</SignatureProvided>" +
      "<StringToSign>AWS4-HMAC-SHA256 secret-ish</StringToSign></Error>";
    const text = JSON.stringify(parseRegistryErrors(body));
    expect(text).toContain("SignatureDoesNotMatch");
    expect(text).not.toContain("9f86d081");
    expect(text).not.toContain("AWS4-HMAC");
  });

  it("a storage error's message is scrubbed after its XML references are read, and capped", () => {
    const secrets = new SecretSet().add("hunter2-Storage9");
    const clean = (text: string) => scrubText(text, secrets);
    const echoed = parseRegistryErrors(
      "<Error><Code>AccessDenied</Code><Message>bad key &#x68;unter2-Storage9</Message></Error>",
      clean,
    );
    expect(JSON.stringify(echoed)).not.toContain("hunter2");
    const long = parseRegistryErrors(`<Error><Code>X</Code><Message>${"a".repeat(1000)}</Message></Error>`);
    expect(long[0]?.message).toBe(`${"a".repeat(300)}…`);
  });
});

describe("errorFromResponse", () => {
  it("upper-cases a code that is a word, and keeps the escapes of one with controls as written", () => {
    const code = (sent: string) =>
      errorFromResponse({
        method: "GET",
        url: "https://r.example/v2/a/manifests/x",
        status: 403,
        body: JSON.stringify({ errors: [{ code: sent, message: "m" }] }),
      }).code;
    expect(code("denied")).toBe("DENIED");
    expect(code("manifest_unknown")).toBe("MANIFEST_UNKNOWN");
    // Was DENIED\U001B[31M: the escape upper-cased into other text.
    expect(code("denied\u001b[31m")).toBe("denied\\u001b[31m");
  });

  it("shows every ESC of the registry's text escaped, a style Regatta itself draws included", () => {
    const err = errorFromResponse({
      method: "GET",
      url: "https://r.example/v2/a/manifests/x",
      status: 400,
      body: JSON.stringify({
        errors: [{ code: "DENIED", message: "no \u001b[31mred\u001b[2m", detail: "x" }],
      }),
    });
    expect(err.message).not.toContain("\x1b");
    expect(err.message).toContain("no \\u001b[31mred\\u001b[2m");
  });

  it("maps status to a typed error with codes, status and a redacted request", () => {
    const err = errorFromResponse({
      method: "get",
      url: "https://r.example/v2/a/manifests/x?X-Amz-Signature=secret&n=10",
      status: 404,
      body: '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}',
      context: "get manifest r.example/a:x",
    });
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toBeInstanceOf(RegattaError);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe("MANIFEST_UNKNOWN");
    expect(err.status).toBe(404);
    expect(err.request).toEqual({
      method: "GET",
      url: "https://r.example/v2/a/manifests/x?X-Amz-Signature=REDACTED&n=10",
    });
    expect(err.message).toBe(
      "get manifest r.example/a:x: 404 MANIFEST_UNKNOWN: manifest unknown (GET https://r.example/v2/a/manifests/x?X-Amz-Signature=REDACTED&n=10)",
    );
    expect(err.message).not.toContain("secret");
  });

  it("a status without a text of its own is named by its class, never twice ('418 HTTP 418')", () => {
    const answer = (status: number) =>
      errorFromResponse({ method: "GET", url: "https://r.example/v2/", status, body: '{"errors":"bad"}' })
        .message;
    expect(answer(418)).toBe("418 client error (GET https://r.example/v2/)");
    expect(answer(599)).toBe("599 server error (GET https://r.example/v2/)");
    expect(answer(404)).toBe("404 Not Found (GET https://r.example/v2/)");
  });

  it("401 is an AuthenticationError with a hint, 429 is retryable", () => {
    const a = errorFromResponse({ method: "GET", url: "https://r/v2/", status: 401 });
    expect(a).toBeInstanceOf(AuthenticationError);
    expect(a.code).toBe("UNAUTHORIZED");
    expect(a.message).toContain("check the username and password");
    const t = errorFromResponse({ method: "GET", url: "https://r/v2/", status: 429 });
    expect(t).toBeInstanceOf(TooManyRequestsError);
    expect(t.retryable).toBe(true);
    expect(errorFromResponse({ method: "GET", url: "https://r/v2/", status: 503 }).retryable).toBe(true);
    expect(errorFromResponse({ method: "GET", url: "https://r/v2/", status: 400 }).retryable).toBe(false);
  });

  it("429 suggests logging in only when no credentials were sent (QA auth7 #4), and says how long to wait", () => {
    const limited = (credentials: "none" | "basic" | "bearer" | undefined, retryAfterMs?: number) =>
      errorFromResponse({
        method: "GET",
        url: "https://r/token",
        status: 429,
        ...(credentials ? { auth: { registry: "r", scopes: [], credentials } } : {}),
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      }).hint;
    expect(limited(undefined)).toBe(
      "the registry's rate limit was reached; wait, or log in for a higher limit",
    );
    expect(limited("none")).toBe("the registry's rate limit was reached; wait, or log in for a higher limit");
    expect(limited("basic")).toBe("the registry's rate limit was reached; wait");
    expect(limited("bearer", 3_600_000)).toBe(
      "the registry's rate limit was reached and it asks to wait 3600 s, about 1 h (Retry-After); wait",
    );
    expect(limited("none", 6500)).toBe(
      "the registry's rate limit was reached and it asks to wait 7 s (Retry-After); wait, or log in for a higher limit",
    );
  });

  it("another error with a Retry-After (a 503 for maintenance) says when to come back; without one, nothing", () => {
    const busy = (status: number, retryAfterMs?: number) =>
      errorFromResponse({
        method: "GET",
        url: "https://r/v2/a/tags/list",
        status,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      }).hint;
    expect(busy(503, 3_600_000)).toBe("the registry asks to try again in 3600 s, about 1 h (Retry-After)");
    expect(busy(503, 90_000)).toBe("the registry asks to try again in 90 s (Retry-After)");
    expect(busy(502, 600_000)).toBe("the registry asks to try again in 600 s, about 10 min (Retry-After)");
    expect(busy(503, 5_400_000)).toBe("the registry asks to try again in 5400 s, about 1.5 h (Retry-After)");
    expect(busy(503)).toBeUndefined();
    expect(busy(404, 5000)).toBeUndefined(); // not there now, and trying again is not the remedy
    expect(busy(400, 5000)).toBeUndefined();
    expect(busy(401, 5000)).toContain("check the username and password");
  });

  it("a 401 for an insufficient scope says the access was not granted, not that the password is wrong", () => {
    const err = errorFromResponse({
      method: "GET",
      url: "https://registry-1.docker.io/v2/library/nope/tags/list",
      status: 401,
      challenge:
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nope:pull",error="insufficient_scope"',
    });
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.message).toContain("the repository may not exist");
    expect(err.message).not.toContain("check the username and password");
  });

  it("instanceof works across the kind hierarchy but not sideways", () => {
    const tls = new TlsError("bad cert");
    expect(tls).toBeInstanceOf(RegistryUnreachableError);
    expect(tls).not.toBeInstanceOf(RegistryError);
    expect(tls.name).toBe("TlsError");
    expect(tls.code).toBe("TLS");
    expect({}).not.toBeInstanceOf(RegattaError);
  });

  it("a SignatureError is a RegattaError with its own code, not a registry's answer", () => {
    const error = new SignatureError("schema 1 manifest: the signature does not verify");
    expect(error).toBeInstanceOf(RegattaError);
    expect(error).not.toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ name: "SignatureError", code: "SIGNATURE_INVALID", retryable: false });
  });

  it("instanceof survives a second copy of the package (brand on a global symbol)", () => {
    const foreign = Object.create(Error.prototype);
    Object.defineProperty(foreign, Symbol.for("regatta.error.kinds"), {
      value: ["NotFoundError", "RegistryError", "RegattaError"],
    });
    expect(foreign).toBeInstanceOf(NotFoundError);
    expect(foreign).not.toBeInstanceOf(AuthenticationError);
  });

  it("toJSON has no cause chain", () => {
    const err = new RegattaError("x", { cause: new Error("Authorization: Bearer abc") });
    expect(JSON.stringify(err)).not.toContain("Bearer");
  });
});

describe("redaction", () => {
  it("keeps only allowlisted query parameters and strips userinfo", () => {
    expect(
      redactUrl(
        "https://user:pw@auth.example/token?service=s&scope=repository:a:pull&password=pw&refresh_token=t",
      ),
    ).toBe(
      "https://auth.example/token?service=s&scope=repository%3Aa%3Apull&password=REDACTED&refresh_token=REDACTED",
    );
    expect(redactUrl("not a url?token=abc")).toBe("not a url?REDACTED");
  });
  it("masks a fragment, which may carry a token (OAuth's implicit grant)", () => {
    expect(redactUrl("https://stor.example/b?n=1#frag=Sig-Val-555yyy")).toBe(
      "https://stor.example/b?n=1#REDACTED",
    );
    expect(redactUrl("not a url#frag=abc")).toBe("not a url#REDACTED");
  });
  it("urlSecrets: every value redactUrl masks that may be a secret, decoded", () => {
    const url =
      "https://stor:Pw%2F555zzz@stor.example/b?X-Amz-Signature=Sig-Val-555aaa&sig=AbCdEfGhIjKlMnOpQr" +
      "&X-Amz-SignedHeaders=host&response-content-type=application%2Foctet-stream&X-Amz-Expires=3600" +
      "&n=100&digest=sha256%3A0123456789abcdef#frag=Sig-Val-555yyy";
    expect(urlSecrets(url).sort()).toEqual(
      ["Pw/555zzz", "Sig-Val-555aaa", "AbCdEfGhIjKlMnOpQr", "Sig-Val-555yyy"].sort(),
    );
    // Each one is masked by redactUrl: a secret here that redactUrl showed would be a contradiction.
    for (const secret of urlSecrets(url)) expect(redactUrl(url)).not.toContain(secret);
    expect(urlSecrets("https://stor.example/b#Tok3n-In-Fragment")).toEqual(["Tok3n-In-Fragment"]);
    expect(urlSecrets("not a url?sig=Sig-Val-555aaa")).toEqual([]);
  });
  it("replaces secret headers", () => {
    expect(redactHeaders({ Authorization: "Bearer x", Accept: "a", Cookie: "c" })).toEqual({
      authorization: "REDACTED",
      accept: "a",
      cookie: "REDACTED",
    });
    expect(redactHeaders([["proxy-authorization", "Basic y"]])).toEqual({
      "proxy-authorization": "REDACTED",
    });
  });
});

describe("a class whose name a bundler minified", () => {
  it("is shown by util.inspect under its kind, as the error's name", async () => {
    const { inspect } = await import("node:util");
    // What esbuild's minifier leaves: a class bound to a short name, its `kind` the only real name.
    const l2 = class extends AuthorizationError {};
    const shown = inspect(new l2("denied by the registry"));
    expect(shown.split("\n")[0]).toBe("AuthorizationError: denied by the registry");
    expect(shown).not.toContain("l2");
  });
});
