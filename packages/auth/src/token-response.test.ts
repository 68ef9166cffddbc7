import { ProtocolError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { MINIMUM_TOKEN_LIFETIME_S, parseTokenResponse } from "./token-response.js";

const NOW = Date.parse("2025-01-01T00:00:00Z");
const REALM = "https://auth.r.io/token?service=r.io&code=sekrit";
const parse = (body: unknown) =>
  parseTokenResponse(typeof body === "string" ? body : JSON.stringify(body), REALM, NOW);
const at = (seconds: number) => NOW + seconds * 1000;

describe("parseTokenResponse: the token and how long to keep it", () => {
  it("takes `token`, else `access_token`", () => {
    expect(parse({ token: "t" }).token).toBe("t");
    expect(parse({ access_token: "a" }).token).toBe("a");
    expect(parse({ token: "t", access_token: "a" }).token).toBe("t");
    expect(parse({ token: "", access_token: "a" }).token).toBe("a");
    expect(parse({ token: 7, access_token: "a" }).token).toBe("a");
    expect(() => parse({ access_token: 7 })).toThrow('has no "token" or "access_token"');
    expect(() => parse({ token: ["t"], access_token: { t: 1 } })).toThrow('has no "token" or "access_token"');
  });

  it("keeps a token 60 s when expires_in is missing, not a number, or lower", () => {
    expect(MINIMUM_TOKEN_LIFETIME_S).toBe(60);
    for (const expires_in of [undefined, "300", 0, 59, -5, Number.NaN, null]) {
      expect(parse({ token: "t", expires_in }).expiresAt).toBe(at(60));
    }
    expect(parse('{"token":"t","expires_in":1e999}').expiresAt).toBe(at(60)); // Infinity is not a lifetime
  });

  it("keeps it expires_in seconds when that is longer", () => {
    expect(parse({ token: "t", expires_in: 61 }).expiresAt).toBe(at(61));
    expect(parse({ token: "t", expires_in: 300 }).expiresAt).toBe(at(300));
  });

  it("honours issued_at only when it makes the token expire sooner", () => {
    const issued = (seconds: number) => new Date(at(seconds)).toISOString();
    expect(parse({ token: "t", expires_in: 300, issued_at: issued(-100) }).expiresAt).toBe(at(200));
    expect(parse({ token: "t", expires_in: 300, issued_at: issued(100) }).expiresAt).toBe(at(300));
    // Never below the 60 s floor from receipt: a token server whose clock runs behind ours (or a stale issued_at)
    // made every token expired on arrival, one token request per registry request (outside QA).
    expect(parse({ token: "t", issued_at: issued(-30) }).expiresAt).toBe(at(60));
    expect(parse({ token: "t", expires_in: 300, issued_at: issued(-26 * 60) }).expiresAt).toBe(at(60));
    expect(parse({ token: "t", expires_in: 300, issued_at: issued(-280) }).expiresAt).toBe(at(60));
    expect(parse({ token: "t", expires_in: 300, issued_at: "yesterday-ish" }).expiresAt).toBe(at(300));
    expect(parse({ token: "t", expires_in: 300, issued_at: at(-100) }).expiresAt).toBe(at(300)); // not a string
    expect(parse({ token: "t", expires_in: 300, issued_at: 2024 }).expiresAt).toBe(at(300)); // not "2024"
  });

  it.each([
    ["not JSON", "{token: t}", "is not JSON"],
    ["null", "null", "is not a JSON object"],
    ["a string", '"t"', "is not a JSON object"],
    ["no token", { expires_in: 300 }, 'has no "token" or "access_token"'],
    ["empty tokens", { token: "", access_token: "" }, 'has no "token" or "access_token"'],
  ])("refuses %s, naming the realm with its secrets redacted, never quoting the body", (_, body, why) => {
    let error: unknown;
    try {
      parse(body);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toBe(
      `token response from https://auth.r.io/token?service=r.io&code=REDACTED ${why}`,
    );
    expect(JSON.stringify(error)).not.toContain("sekrit");
  });
});
