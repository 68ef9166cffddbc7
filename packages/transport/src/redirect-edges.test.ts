/**
 * The redirect concern's edges, on its own: the hop count (`maxRedirects` hops followed, one more refused), a
 * Location that does not parse, which statuses are redirects, and which headers cross an origin
 * (https://www.rfc-editor.org/rfc/rfc9110#section-15.4).
 */
import { Readable } from "node:stream";
import { ProtocolError, SecretSet } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import type { Exchange, RawResponse } from "./exchange.js";
import { redirecting } from "./redirect.js";
import { testExchange } from "./test-helpers.js";

const exchange = testExchange({
  method: "get",
  url: new URL("https://reg.example/v2/a/blobs/x?sig=s3cr3t"),
  headers: { authorization: "Bearer t", cookie: "c=1", "proxy-authorization": "Basic p", accept: "*/*" },
});
const answer = (status: number, location?: string): RawResponse => ({
  status,
  headers: location === undefined ? {} : { location },
  url: "u",
  body: Readable.from([]),
});

const secrets = new SecretSet();

/** Runs the concern over scripted answers, recording each exchange sent. */
async function follow(
  answers: RawResponse[],
  max = 5,
  ex: Exchange = exchange,
  logger?: (l: string) => void,
) {
  const sent: Exchange[] = [];
  const result = await redirecting(
    max,
    secrets,
    logger,
  )(async (e) => {
    sent.push(e);
    return answers.shift() ?? answer(200);
  })(ex).catch((e: unknown) => e);
  return { result, sent };
}

describe("redirecting", () => {
  it("follows exactly maxRedirects hops, and refuses one more, naming the request redacted", async () => {
    const hops = (n: number) => Array.from({ length: n }, (_, i) => answer(302, `/v2/hop${i}`));
    const within = await follow(hops(2), 2);
    expect((within.result as RawResponse).status).toBe(200);
    expect(within.sent).toHaveLength(3);
    const beyond = await follow(hops(3), 2);
    expect(beyond.result).toBeInstanceOf(ProtocolError);
    expect((beyond.result as Error).message).toBe(
      "too many redirects (more than 2) (GET https://reg.example/v2/hop1)",
    );
    expect((beyond.result as ProtocolError).request).toEqual({
      method: "GET",
      url: "https://reg.example/v2/hop1",
    });
    const none = await follow(hops(1), 0);
    expect((none.result as Error).message).toBe(
      "too many redirects (more than 0) (GET https://reg.example/v2/a/blobs/x?sig=REDACTED)",
    );
  });

  it.each([301, 302, 303, 307, 308])("%i is followed", async (status) => {
    const { result, sent } = await follow([answer(status, "/next")]);
    expect((result as RawResponse).status).toBe(200);
    expect(sent.map((e) => e.url.href)).toEqual([exchange.url.href, "https://reg.example/next"]);
  });

  it.each([300, 304, 305, 306, 200])("%i is not a redirect, even with a Location", async (status) => {
    const { result, sent } = await follow([answer(status, "/next")]);
    expect((result as RawResponse).status).toBe(status);
    expect(sent).toHaveLength(1);
  });

  it("a redirect without a Location is the answer", async () => {
    const { result, sent } = await follow([answer(302)]);
    expect((result as RawResponse).status).toBe(302);
    expect(sent).toHaveLength(1);
  });

  it("a Location that does not parse is a ProtocolError naming the redacted request", async () => {
    const { result } = await follow([answer(302, "http://[broken")]);
    expect(result).toBeInstanceOf(ProtocolError);
    expect((result as Error).message).toBe(
      "invalid redirect Location from https://reg.example/v2/a/blobs/x?sig=REDACTED",
    );
    expect((result as ProtocolError).request).toEqual({
      method: "GET",
      url: "https://reg.example/v2/a/blobs/x?sig=REDACTED",
    });
  });

  it("refuses a Location with another scheme, naming the request", async () => {
    const { result } = await follow([answer(302, "ftp://files.example/x")]);
    expect((result as Error).message).toBe(
      "refusing redirect to a ftp: URL (GET https://reg.example/v2/a/blobs/x?sig=REDACTED)",
    );
    expect((result as ProtocolError).request?.method).toBe("GET");
    const http = await follow([answer(302, "http://storage.example/x")]);
    expect((http.result as RawResponse).status).toBe(200);
  });

  it("keeps every header on the same origin; drops only the credential headers across origins", async () => {
    const { sent } = await follow([answer(307, "/same"), answer(302, "https://storage.example/x")]);
    expect(sent[1]?.headers).toEqual(exchange.headers);
    expect(sent[2]?.headers).toEqual({ accept: "*/*" });
    expect(exchange.headers.authorization).toBe("Bearer t"); // the caller's exchange is not changed
  });

  it("logs each hop with its status and redacted target", async () => {
    const lines: string[] = [];
    await follow([answer(307, "https://storage.example/x?X-Amz-Signature=s3cr3t")], 5, exchange, (l) =>
      lines.push(l),
    );
    expect(lines).toEqual(["~ redirect 307 to https://storage.example/x?X-Amz-Signature=REDACTED"]);
  });

  it("leaves other methods alone, in any case", async () => {
    for (const method of ["post", "PUT", "patch", "DELETE"]) {
      const { result, sent } = await follow([answer(307, "/next")], 5, { ...exchange, method });
      expect((result as RawResponse).status).toBe(307);
      expect(sent).toHaveLength(1);
    }
    const head = await follow([answer(307, "/next")], 5, { ...exchange, method: "head" });
    expect(head.sent).toHaveLength(2);
  });
});
