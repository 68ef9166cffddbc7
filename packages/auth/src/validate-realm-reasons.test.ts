import { AuthenticationError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { validateRealm } from "./validate-realm.js";

// What each refusal of a token realm says (mutation testing found them unsaid; docs/testing.md).

const refusal = (realm: string, allowHttp = false) => {
  try {
    validateRealm(realm, "r.io", allowHttp);
  } catch (error) {
    return error as AuthenticationError;
  }
  throw new Error(`${realm} was accepted`);
};
const HTTPS_HINT = "credentials are only sent to an https token endpoint";

describe("validateRealm: why a realm is refused", () => {
  it.each([
    ["not a URL", "/token", "the realm is not an absolute URL", "/token"],
    ["plain http", "http://auth.r.io/token", "the realm uses plain http", "http://auth.r.io/token"],
    [
      "another scheme",
      "ftp://auth.r.io/token",
      "the realm scheme ftp: is not http(s)",
      "ftp://auth.r.io/token",
    ],
    ["a user", "https://bob@auth.r.io/token", "the realm URL carries userinfo", "https://auth.r.io/token"],
    [
      "a password alone",
      "https://:pw@auth.r.io/token",
      "the realm URL carries userinfo",
      "https://auth.r.io/token",
    ],
  ])("%s", (_, realm, why, shown) => {
    const error = refusal(realm);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain(`refusing the token realm ${shown} of registry r.io: ${why}`);
    expect(error).toMatchObject({
      code: "INVALID_REALM",
      hint: HTTPS_HINT,
      request: { method: "GET", url: shown },
    });
  });

  it("refuses a metadata address with a hint for the registry's owner", () => {
    const error = refusal("https://169.254.169.254/token");
    expect(error.message).toContain(
      "refusing the token realm https://169.254.169.254/token of registry r.io: the realm is",
    );
    expect(error.hint).toBe(
      "a registry may not send credentials there; if it is yours, fix its token realm (auth.token.realm)",
    );
  });

  it("accepts https, and plain http only when allowed, returning the parsed URL", () => {
    expect(validateRealm("https://auth.r.io/token?x=1", "r.io", false).href).toBe(
      "https://auth.r.io/token?x=1",
    );
    expect(validateRealm("http://127.0.0.1:5001/token", "127.0.0.1:5000", true).port).toBe("5001");
  });
});
