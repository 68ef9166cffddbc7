/**
 * What a caller reads from a response (response.ts): capped text, bytes and JSON that name the redacted URL when they
 * refuse, body errors mapped to typed errors, and Docker Hub's rate-limit headers
 * (https://docs.docker.com/docker-hub/usage/pulls/).
 */
import { Readable } from "node:stream";
import { ProtocolError, TimeoutError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import type { RawResponse } from "./exchange.js";
import { rateLimitOf, toRegistryResponse } from "./response.js";

const URL_ = "https://reg.example/v2/a/manifests/x?sig=s3cr3t";
const raw = (chunks: (string | Error)[], headers: Record<string, string> = {}): RawResponse => ({
  status: 200,
  headers,
  url: URL_,
  body: Readable.from(
    (async function* () {
      for (const chunk of chunks) {
        if (chunk instanceof Error) throw chunk;
        yield Buffer.from(chunk);
      }
    })(),
  ),
});

describe("rateLimitOf", () => {
  it("reports whichever of the two headers is there, or nothing", () => {
    expect(rateLimitOf({})).toBeUndefined();
    // Strictly: a header that is absent is not a key holding `undefined`.
    expect(rateLimitOf({ "ratelimit-limit": "100;w=21600" })).toStrictEqual({ limit: "100;w=21600" });
    expect(rateLimitOf({ "ratelimit-remaining": "0;w=21600" })).toStrictEqual({ remaining: "0;w=21600" });
    expect(rateLimitOf({ "ratelimit-limit": "", "ratelimit-remaining": "" })).toEqual({
      limit: "",
      remaining: "",
    });
  });
});

describe("toRegistryResponse", () => {
  it("keeps status, headers, URL and body, and the rate limit only when there is one", () => {
    const r = raw(["x"], { "ratelimit-limit": "100" });
    const response = toRegistryResponse(r, (e) => e);
    expect(response).toMatchObject({ status: 200, headers: r.headers, url: URL_, body: r.body });
    expect(response.rateLimit).toEqual({ limit: "100" });
    expect("rateLimit" in toRegistryResponse(raw([]), (e) => e)).toBe(false);
  });

  it("reads text and bytes, capped, naming the redacted URL when refusing", async () => {
    expect(await toRegistryResponse(raw(["hé", "llo"]), (e) => e).text()).toBe("héllo");
    expect(Buffer.from(await toRegistryResponse(raw(["ab"]), (e) => e).bytes()).toString()).toBe("ab");
    const err = (await toRegistryResponse(raw(["12345"]), (e) => e)
      .text(4)
      .catch((e: unknown) => e)) as ProtocolError;
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toBe(
      "response body of https://reg.example/v2/a/manifests/x?sig=REDACTED is larger than 4 bytes",
    );
    expect(await toRegistryResponse(raw(["1234"]), (e) => e).text(4)).toBe("1234");
    // With the request it answers, the refusal says what was being done, as every error from an answer does.
    const placed = (await toRegistryResponse(raw(["12345"]), (e) => e, {
      method: "get",
      context: "get manifest reg.example/a:x",
    })
      .bytes(4)
      .catch((e: unknown) => e)) as ProtocolError;
    expect([placed.code, placed.message, placed.request]).toEqual([
      "BODY_TOO_LARGE",
      "get manifest reg.example/a:x: the response body is larger than 4 bytes (GET https://reg.example/v2/a/manifests/x?sig=REDACTED)",
      { method: "GET", url: "https://reg.example/v2/a/manifests/x?sig=REDACTED" },
    ]);
  });

  it("parses JSON, and says which response was not JSON", async () => {
    expect(await toRegistryResponse(raw(['{"a":', "1}"]), (e) => e).json()).toEqual({ a: 1 });
    const notJson = async (chunks: string[], headers: Record<string, string> = {}) =>
      (await toRegistryResponse(raw(chunks, headers), (e) => e)
        .json()
        .catch((e: unknown) => e)) as ProtocolError;
    for (const err of [
      await notJson(['{"a":']),
      await notJson(["<html>"], { "docker-distribution-api-version": "registry/2.0" }),
    ]) {
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err.message).toBe(
        "response of https://reg.example/v2/a/manifests/x?sig=REDACTED is not valid JSON",
      );
      expect(err.cause).toBeInstanceOf(SyntaxError);
    }
    // A web page answering 200 from a host that does not announce the registry API: the host is the mistake.
    const page = await notJson(["<html><body>Welcome to nginx!</body></html>"], {
      "content-type": "text/html",
    });
    expect([page.code, page.message]).toEqual([
      "NOT_A_REGISTRY",
      "reg.example does not look like a container registry (GET /v2/a/manifests/x answered 200 text/html)",
    ]);
    await expect(toRegistryResponse(raw(['"long"']), (e) => e).json(3)).rejects.toThrow(
      /larger than 3 bytes/,
    );
  });

  it("maps a body error through the caller's mapper", async () => {
    const cut = new Error("socket hang up");
    const typed = new TimeoutError("stopped sending");
    const seen: unknown[] = [];
    const response = toRegistryResponse(raw(["ab", cut]), (e) => {
      seen.push(e);
      return typed;
    });
    expect(await response.text().catch((e) => e)).toBe(typed);
    expect(seen).toEqual([cut]);
  });

  it("dump releases the body", async () => {
    const r = raw(["x"]);
    await toRegistryResponse(r, (e) => e).dump();
    expect(r.body.destroyed).toBe(true);
  });
});
