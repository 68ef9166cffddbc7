/**
 * What `mapTransportError` promises for each kind of failure undici and node:net/node:tls throw: the typed error, its
 * exact message (context, registry, redacted request), whether it may be retried, the hint a person can act on, the
 * original error kept on `cause`, and the client's secrets scrubbed from whatever came off the wire.
 */
import { maxHeaderSize } from "node:http";
import { FORBIDDEN_ADDRESS } from "@regatta/auth";
import {
  AbortError,
  NotFoundError,
  ProtocolError,
  type RegattaError,
  RegistryUnreachableError,
  SecretSet,
  TimeoutError,
  TlsError,
  UnsupportedError,
} from "@regatta/errors";
import { describe, expect, it, vi } from "vitest";
import { errorCode, type FailedRequest, mapTransportError } from "./map-error.js";

const URL_ = "https://reg.example/v2/a/blobs/x";
const WHERE = `(GET ${URL_})`;
const base: FailedRequest = { registry: "reg.example", method: "get", url: URL_ };
const coded = (code: unknown, message = "boom", extra: object = {}) =>
  Object.assign(new Error(message), { code }, extra);
const map = (err: unknown, req: Partial<FailedRequest> = {}) => mapTransportError(err, { ...base, ...req });

describe("errorCode", () => {
  it("finds the code on the error or up to three causes deep, skipping codes that are not strings", () => {
    expect(errorCode(coded("E1"))).toBe("E1");
    const deep = new Error("0", { cause: new Error("1", { cause: new Error("2", { cause: coded("E3") }) }) });
    expect(errorCode(deep)).toBe("E3");
    const tooDeep = new Error("-1", { cause: deep });
    expect(errorCode(tooDeep)).toBeUndefined();
    expect(errorCode(Object.assign(new Error("n"), { code: 42, cause: coded("INNER") }))).toBe("INNER");
    expect(errorCode("ECONNRESET")).toBeUndefined();
    expect(errorCode(undefined)).toBeUndefined();
    expect(errorCode(null)).toBeUndefined();
    expect(errorCode(Object.assign(new Error("x"), { cause: null }))).toBeUndefined();
    expect(errorCode(Object.assign(new Error("x"), { cause: "ECONNRESET" }))).toBeUndefined();
  });
});

describe("mapTransportError", () => {
  it("hands a RegattaError back unchanged", () => {
    const own = new NotFoundError("gone");
    expect(map(own)).toBe(own);
  });

  it("names the host that failed and what it was: a redirect target, a token endpoint, or one it sent the request to", () => {
    const storage = "https://storage.example/b?sig=s3cr3t";
    const shownStorage = "https://storage.example/b?sig=REDACTED";
    const onward = { url: storage, baseOrigin: "https://reg.example" };
    expect(map(coded("ENETUNREACH"), onward).message).toBe(
      `cannot reach storage.example, where registry reg.example sent the request: network unreachable (GET ${shownStorage})`,
    );
    const tls = map(coded("ERR_TLS_CERT_ALTNAME_INVALID", "altname"), onward);
    expect(tls.summary).toBe(
      `TLS error talking to storage.example, where registry reg.example sent the request: altname (GET ${shownStorage})`,
    );
    // A host the registry chose: never the advice to stop checking certificates, which would cover every host.
    expect(tls.hint).toContain("storage.example is a host the registry chose");
    expect(tls.hint).not.toMatch(/or use --tls-skip-verify/);
    const token = { registry: "auth.example", url: "https://auth.example/token", context: "token request" };
    const endpoint = map(coded("ECONNREFUSED"), { ...token, baseOrigin: "https://auth.example" });
    expect(endpoint.message).toBe(
      "token request: cannot reach token endpoint auth.example: connection refused (GET https://auth.example/token)",
    );
    expect(map(coded("CERT_HAS_EXPIRED", "expired"), token).hint).toContain(
      "auth.example is a host the registry chose",
    );
    const bounced = { ...token, url: "https://auth2.example/t", baseOrigin: "https://auth.example" };
    expect(map(coded("CERT_HAS_EXPIRED", "expired"), bounced).summary).toBe(
      "token request: TLS error talking to auth2.example, where token endpoint auth.example sent the request: expired (GET https://auth2.example/t)",
    );
    // The same host and port in another scheme is another origin: the origins say what changed.
    const rescheme = {
      registry: "127.0.0.1:5000",
      url: "https://127.0.0.1:5000/b",
      baseOrigin: "http://127.0.0.1:5000",
    };
    expect(map(coded("ECONNRESET"), rescheme).message).toBe(
      "cannot reach https://127.0.0.1:5000, where registry http://127.0.0.1:5000 sent the request: connection reset (GET https://127.0.0.1:5000/b)",
    );
  });

  it("names the request upper-cased and redacted, prefixed by the caller's context", () => {
    const err = map(coded("ECONNRESET"), {
      method: "patch",
      url: "https://user:pw@reg.example/v2/a/blobs/uploads/1?_state=s3cr3t&digest=sha256:ab",
      context: "upload a",
    });
    const shown = "https://reg.example/v2/a/blobs/uploads/1?_state=REDACTED&digest=sha256%3Aab";
    expect(err.request).toEqual({ method: "PATCH", url: shown });
    expect(err.message).toBe(
      `upload a: cannot reach registry reg.example: connection reset (PATCH ${shown})`,
    );
    expect(err.message).not.toContain("s3cr3t");
  });

  describe("aborts", () => {
    it("the caller's aborted signal makes an AbortError, whatever was thrown", () => {
      const controller = new AbortController();
      controller.abort();
      const cause = coded("ECONNRESET");
      const err = map(cause, { signal: controller.signal, context: "pull" });
      expect(err).toBeInstanceOf(AbortError);
      expect(err.message).toBe(`pull: aborted ${WHERE}`);
      expect(err.request).toEqual({ method: "GET", url: URL_ });
      expect(err.cause).toBe(cause);
    });

    it("a signal aborted with a RegattaError (the request deadline) gives that error", () => {
      const deadline = new TimeoutError("request timeout (5 ms)");
      const err = map(coded("UND_ERR_ABORTED"), { signal: AbortSignal.abort(deadline) });
      expect(err).toBe(deadline);
    });

    it("the caller's AbortSignal.timeout() running out is a TimeoutError, as fetch reports it", () => {
      const controller = new AbortController();
      controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
      const err = map(coded("UND_ERR_ABORTED"), { signal: controller.signal, context: "pull" });
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err.message).toBe(`pull: the caller's signal timed out ${WHERE}`);
    });

    it("a signal that has not fired is not an abort", () => {
      const err = map(coded("ECONNRESET"), { signal: new AbortController().signal });
      expect(err).toBeInstanceOf(RegistryUnreachableError);
    });

    it.each([
      ["UND_ERR_ABORTED", coded("UND_ERR_ABORTED")],
      ["UND_ERR_ABORT", coded("UND_ERR_ABORT")],
      ["an error named AbortError", Object.assign(new Error("x"), { name: "AbortError" })],
    ])("%s without a signal is an AbortError", (_, thrown) => {
      const err = map(thrown);
      expect(err).toBeInstanceOf(AbortError);
      expect(err.message).toBe(`aborted ${WHERE}`);
      expect(err.cause).toBe(thrown);
    });
  });

  it("a forbidden destination is a ProtocolError that is never retried", () => {
    const thrown = coded(FORBIDDEN_ADDRESS, "refusing to connect to 169.254.169.254");
    const err = map(thrown, { context: "pull" });
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.code).toBe("FORBIDDEN_ADDRESS");
    expect(err.retryable).toBe(false);
    expect(err.message).toBe(`pull: refusing to connect to 169.254.169.254 ${WHERE}`);
    expect(err.request).toEqual({ method: "GET", url: URL_ });
    expect(err.cause).toBe(thrown);
  });

  describe("timeouts", () => {
    it("a connect timeout names the timeout and the host, and may be retried", () => {
      const thrown = coded("UND_ERR_CONNECT_TIMEOUT");
      const err = map(thrown, { timeouts: { connect: 1500 } });
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err.message).toBe(`connect timeout (1500 ms) to reg.example ${WHERE}`);
      expect(err.retryable).toBe(true);
      expect(err.request).toEqual({ method: "GET", url: URL_ });
      expect(err.cause).toBe(thrown);
      expect(map(thrown).message).toBe(`connect timeout to reg.example ${WHERE}`);
      expect(map(thrown, { timeouts: { connect: 0 } }).message).toBe(
        `connect timeout to reg.example ${WHERE}`,
      );
    });

    it("no response headers within the idle timeout is final, with the --idle-timeout hint", () => {
      const thrown = coded("UND_ERR_HEADERS_TIMEOUT");
      const err = map(thrown, { timeouts: { idle: 700 }, context: "get manifest" });
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err.summary).toBe(
        `get manifest: idle timeout (700 ms) waiting for response headers from reg.example ${WHERE}`,
      );
      // Not "no byte moved": undici bounds the whole wait for the headers, so trickled ones run into it too.
      expect(err.hint).toBe(
        "the response headers were not complete within that long; raise --idle-timeout (timeouts.idle) if the registry is just slow",
      );
      expect(err.retryable).toBe(false);
      expect(err.request).toEqual({ method: "GET", url: URL_ });
      expect(err.cause).toBe(thrown);
    });

    it("a headers timeout while the body was still going out says the server stopped reading it", () => {
      const err = map(coded("UND_ERR_HEADERS_TIMEOUT"), { timeouts: { idle: 700 }, sending: true });
      expect(err.summary).toBe(
        `idle timeout (700 ms): reg.example stopped reading the request body ${WHERE}`,
      );
      expect(err.hint).toMatch(/^no byte moved for that long; raise --idle-timeout/);
      expect(map(coded("UND_ERR_HEADERS_TIMEOUT"), { sending: true }).summary).toBe(
        `idle timeout: reg.example stopped reading the request body ${WHERE}`,
      );
      expect(map(coded("UND_ERR_HEADERS_TIMEOUT"), { sending: false }).summary).toBe(
        `idle timeout waiting for response headers from reg.example ${WHERE}`,
      );
    });

    it("a body that stops moving is final, with the --idle-timeout hint", () => {
      const thrown = coded("UND_ERR_BODY_TIMEOUT");
      const err = map(thrown, { timeouts: { idle: 700 } });
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err.summary).toBe(`idle timeout (700 ms): reg.example stopped sending ${WHERE}`);
      expect(err.hint).toMatch(/^no byte moved for that long; raise --idle-timeout/);
      expect(err.retryable).toBe(false);
      expect(err.request).toEqual({ method: "GET", url: URL_ });
      expect(err.cause).toBe(thrown);
      expect(map(thrown).summary).toBe(`idle timeout: reg.example stopped sending ${WHERE}`);
    });
  });

  describe("TLS", () => {
    it.each([
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      "UNABLE_TO_GET_ISSUER_CERT",
      "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
      "SELF_SIGNED_CERT_IN_CHAIN",
      "DEPTH_ZERO_SELF_SIGNED_CERT",
      "CERT_HAS_EXPIRED",
      "CERT_NOT_YET_VALID",
      "CERT_UNTRUSTED",
      "CERT_SIGNATURE_FAILURE",
      "ERR_TLS_CERT_ALTNAME_INVALID",
    ])("%s: the server is there but not trusted (--ca-file hint, not retried)", (code) => {
      const thrown = coded(code, "certificate trouble");
      const err = map(thrown, { context: "pull" });
      expect(err).toBeInstanceOf(TlsError);
      expect(err.summary).toBe(
        `pull: TLS error talking to registry reg.example: certificate trouble ${WHERE}`,
      );
      expect(err.hint).toBe("trust the registry's CA with --ca-file, or use --tls-skip-verify");
      expect(err.retryable).toBe(false);
      expect(err.request).toEqual({ method: "GET", url: URL_ });
      expect(err.cause).toBeInstanceOf(Error);
    });

    it.each([
      ["EPROTO", "write EPROTO"],
      ["ERR_SSL_WRONG_VERSION_NUMBER", "ssl"],
      ["ERR_SSL_PACKET_LENGTH_TOO_LONG", "ssl"],
      [undefined, "SSL routines:ssl3_get_record:WRONG VERSION NUMBER"],
      [undefined, "ssl3_read_bytes: packet length too long"],
    ])("%s / %s: https to a plain-http port suggests --insecure", (code, message) => {
      const thrown = code ? coded(code, message) : new Error(message);
      const err = map(thrown);
      expect(err).toBeInstanceOf(TlsError);
      expect(err.summary).toBe(`TLS handshake with registry reg.example failed: ${message} ${WHERE}`);
      expect(err.hint).toBe("the registry seems to speak plain http: use --insecure / http");
      expect(err.retryable).toBe(false);
      expect(err.request).toEqual({ method: "GET", url: URL_ });
      expect(err.cause).toBeInstanceOf(Error);
    });

    it("https to a plain-http token realm blames the realm the registry named, not a missing --insecure", () => {
      const err = map(coded("EPROTO", "wrong version number"), {
        url: "https://auth.example:5001/token",
        context: "token request",
      });
      expect(err).toBeInstanceOf(TlsError);
      expect(err.hint).toMatch(/^https:\/\/auth\.example:5001 is the token realm the registry named/);
      expect(err.hint).toContain("--insecure does not change the realm");
    });

    it("scrubs the client's secrets from the TLS library's words", () => {
      const secrets = new SecretSet().add("hunter2-pass");
      const cert = map(coded("CERT_HAS_EXPIRED", "expired near hunter2-pass"), { secrets });
      expect(cert.message).not.toContain("hunter2-pass");
      const version = map(coded("EPROTO", "wrong version hunter2-pass"), { secrets });
      expect(version.message).not.toContain("hunter2-pass");
    });
  });

  it("http to a TLS port (an unparsable answer) is a ProtocolError suggesting to drop --insecure", () => {
    const thrown = coded("HPE_INVALID_CONSTANT", "Expected HTTP/ hunter2-pass");
    const err = map(thrown, { context: "pull", secrets: new SecretSet().add("hunter2-pass") });
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.summary).toBe(`pull: registry reg.example sent an invalid HTTP response ${WHERE}`);
    expect(err.hint).toBe("if the registry speaks https, drop --insecure / http");
    expect(err.request).toEqual({ method: "GET", url: URL_ });
    expect(JSON.stringify((err.cause as Error).message)).not.toContain("hunter2-pass");
    // Only a parser code (it starts with HPE_) means that.
    expect(map(coded("X_HPE_INVALID", "odd"))).toBeInstanceOf(RegistryUnreachableError);
  });

  describe("network failures", () => {
    it.each([
      ["ECONNREFUSED", "connection refused", true],
      ["ECONNRESET", "connection reset", true],
      ["EPIPE", "connection reset", true],
      ["UND_ERR_SOCKET", "connection closed by the server", true],
      [
        "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
        "connection closed before the whole body its Content-Length announced",
        true,
      ],
      ["ENOTFOUND", "host not found", false],
      ["EAI_AGAIN", "DNS lookup failed (temporary)", true],
      ["ETIMEDOUT", "connection timed out", true],
      ["EHOSTUNREACH", "host unreachable", false],
      ["ENETUNREACH", "network unreachable", false],
      ["UND_ERR_CLOSED", "connection pool closed", false],
      ["UND_ERR_DESTROYED", "connection pool closed", false],
    ])("%s → RegistryUnreachableError %j, retryable %s", (code, text, retryable) => {
      const thrown = coded(code, "raw words");
      const err = map(thrown, { context: "pull" });
      expect(err).toBeInstanceOf(RegistryUnreachableError);
      expect(err).not.toBeInstanceOf(TlsError);
      expect(err.message).toBe(`pull: cannot reach registry reg.example: ${text} ${WHERE}`);
      expect(err.retryable).toBe(retryable);
      expect(err.hint).toBeUndefined();
      expect(err.request).toEqual({ method: "GET", url: URL_ });
      expect(err.cause).toBe(thrown);
    });

    it("anything else keeps its own words, is not retried, and is scrubbed", () => {
      const unknown = map(coded("E_WEIRD", "something odd"));
      expect(unknown.message).toBe(`cannot reach registry reg.example: something odd ${WHERE}`);
      expect(unknown.retryable).toBe(false);
      expect(map(new Error("no code")).message).toBe(`cannot reach registry reg.example: no code ${WHERE}`);
      expect(map("a string").message).toBe(`cannot reach registry reg.example: a string ${WHERE}`);
      const secrets = new SecretSet().add("hunter2-pass");
      expect(map(new Error("echo hunter2-pass"), { secrets }).message).toBe(
        `cannot reach registry reg.example: echo REDACTED ${WHERE}`,
      );
    });

    it("an answer whose headers break HTTP (undici's HTTPParserError without a code) is the registry's protocol error", () => {
      const parser = Object.assign(
        new Error("Response does not match the HTTP/1.1 protocol (Invalid header value char)"),
        { name: "HTTPParserError" },
      );
      const err = map(parser);
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err.message).toBe(
        `registry reg.example sent an invalid HTTP response: Response does not match the HTTP/1.1 protocol (Invalid header value char) ${WHERE}`,
      );
      expect(err.hint).toBeUndefined();
    });

    it("headers larger than undici reads (UND_ERR_HEADERS_OVERFLOW) are the registry's protocol error, not retried", () => {
      const thrown = coded("UND_ERR_HEADERS_OVERFLOW", "Headers Overflow Error", {
        name: "HeadersOverflowError",
      });
      const err = map(thrown, { context: "pull" });
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err).not.toBeInstanceOf(RegistryUnreachableError);
      expect(err.code).toBe("HEADERS_TOO_LARGE");
      expect(err.summary).toBe(
        `pull: registry reg.example sent response headers larger than ${maxHeaderSize} bytes, more than Regatta reads ${WHERE}`,
      );
      expect(err.retryable).toBe(false);
      expect(err.hint).toBe(
        "the server, or a proxy in front of it, answers with oversized headers: its operator has to fix them",
      );
      expect(err.cause).toBe(thrown);
    });

    it("a socket closed on a plain-http request hints that the registry may speak only https", () => {
      const err = map(coded("UND_ERR_SOCKET"), { url: "http://reg.example/v2/" });
      expect(err.hint).toBe("if the registry only speaks https, do not use --insecure / http");
      expect(map(coded("ECONNRESET"), { url: "http://reg.example/v2/" }).hint).toBeUndefined();
      expect(map(coded("UND_ERR_SOCKET")).hint).toBeUndefined();
      // Cut while its body was read: the port spoke HTTP, so nothing about the scheme.
      expect(
        map(coded("UND_ERR_SOCKET"), { url: "http://reg.example/v2/", answered: true }).hint,
      ).toBeUndefined();
    });
  });

  it("every mapped error is a RegattaError with a JSON form that carries no cause", () => {
    const err: RegattaError = map(coded("ECONNRESET", "reset by peer"));
    expect(err.toJSON()).toEqual({
      name: "RegistryUnreachableError",
      code: "UNREACHABLE",
      message: `cannot reach registry reg.example: connection reset ${WHERE}`,
      request: { method: "GET", url: URL_ },
      retryable: true,
    });
  });
});

describe("a Node without WebAssembly (--jitless)", () => {
  it("is said to be the reason, not an unreachable registry, and is not retried", () => {
    vi.stubGlobal("WebAssembly", undefined);
    try {
      const err = map(new ReferenceError("WebAssembly is not defined"));
      expect(err).toBeInstanceOf(UnsupportedError);
      expect(err).not.toBeInstanceOf(RegistryUnreachableError);
      expect(err).toMatchObject({ code: "NO_WEBASSEMBLY", retryable: false });
      expect(err.message).toContain("this Node.js runs without WebAssembly");
      expect(err.hint).toContain("--jitless");
    } finally {
      vi.unstubAllGlobals();
    }
    // With WebAssembly there, a ReferenceError is no such thing.
    expect(map(new ReferenceError("x is not defined"))).not.toBeInstanceOf(UnsupportedError);
  });
});
