import { describe, expect, it } from "vitest";
import { decodeTokenClaims } from "./token-claims.js";

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const jwt = (payload: unknown) => `${part({ alg: "RS256" })}.${part(payload)}.c2lnbmF0dXJl`;

describe("decodeTokenClaims", () => {
  it("reads access, iss, sub, aud and the times of a JWT's payload", () => {
    const claims = decodeTokenClaims(
      jwt({
        iss: "issuer",
        sub: "alice",
        aud: "registry",
        exp: 200,
        iat: 100,
        nbf: 90,
        jti: "x",
        access: [{ type: "repository", name: "team/app", actions: ["pull", "push", 7] }, "junk", { type: 1 }],
      }),
    );
    expect(claims).toEqual({
      iss: "issuer",
      sub: "alice",
      aud: "registry",
      exp: 200,
      iat: 100,
      nbf: 90,
      access: [{ type: "repository", name: "team/app", actions: ["pull", "push"] }],
    });
  });

  it("keeps an audience list and answers an empty access list when there is none", () => {
    expect(decodeTokenClaims(jwt({ aud: ["a", "b"] }))).toEqual({ access: [], aud: ["a", "b"] });
    expect(decodeTokenClaims(jwt({ aud: ["a", 1], exp: "soon" }))).toEqual({ access: [] });
  });

  it.each([
    ["an opaque token", "opaque-token-value"],
    ["two parts", `${part({})}.${part({})}`],
    ["a payload that is not JSON", `${part({})}.bm90IGpzb24.sig`],
    ["a payload that is an array", jwt([1])],
    ["a payload that is null", jwt(null)],
    ["characters outside base64url", `${part({})}.${part({})}.si/g`],
  ])("answers undefined for %s", (_name, token) => {
    expect(decodeTokenClaims(token)).toBeUndefined();
  });
});
