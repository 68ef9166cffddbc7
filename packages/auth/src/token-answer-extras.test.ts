import { describe, expect, it } from "vitest";
import { createAuthenticator } from "./create-authenticator.js";
import { repositoryScope } from "./scope.js";
import { fakeSend, tokenBody } from "./test-helpers.js";

// A token answer's refresh_token is recorded as a secret only when it is a string: a server that sends a number or
// an object there still hands out its token (https://distribution.github.io/distribution/spec/auth/oauth/).
describe("a token answer with an odd refresh_token", () => {
  it.each([[123456789012], [{ value: "refresh-Token-0002" }], [null]])(
    "refresh_token %j: the token is used",
    async (refresh) => {
      const auth = createAuthenticator({
        send: fakeSend(() => ({ body: tokenBody("t-1", { refresh_token: refresh }) })),
      });
      auth.learn("r.io", 'Bearer realm="https://r.io/token"');
      expect(await auth.authorization({ registry: "r.io", scopes: [repositoryScope("a")] })).toBe(
        "Bearer t-1",
      );
    },
  );
});
