/**
 * What each registry asked for (challenge-state.ts), as `describe()` reports it.
 */
import { describe, expect, it } from "vitest";
import { createAuthenticator } from "./create-authenticator.js";
import { repositoryScope } from "./scope.js";
import { type StaticCredential, staticCredentials } from "./static-credentials.js";
import { fakeSend, tokenBody } from "./test-helpers.js";

const pull = (repo: string) => [repositoryScope(repo)];
const creds = (c: StaticCredential) => staticCredentials(c);

describe("describe", () => {
  it("reports scheme, username, credential source, realm and service, never secrets", async () => {
    const send = fakeSend(() => ({ body: tokenBody("t") }));
    const auth = createAuthenticator({ send, credentials: creds({ username: "alice", password: "pw-xyz" }) });
    expect(auth.describe("ghcr.io")).toEqual({ registry: "ghcr.io", scheme: "none" });
    auth.learn("ghcr.io", 'Bearer realm="https://ghcr.io/token",service="ghcr.io"');
    await auth.authorization({ registry: "ghcr.io", scopes: pull("a") });
    const description = auth.describe("ghcr.io");
    expect(description).toEqual({
      registry: "ghcr.io",
      scheme: "bearer",
      username: "alice",
      source: { kind: "explicit" },
      realm: "https://ghcr.io/token",
      service: "ghcr.io",
    });
    expect(JSON.stringify(description)).not.toContain("pw-xyz");
    auth.learn("index.docker.io", 'Basic realm="x"');
    expect(auth.describe("docker.io").scheme).toBe("basic");
  });

  it("says anonymous when the lookup found no credential (its Bearer token is anybody's), not otherwise", async () => {
    const send = fakeSend(() => ({ body: tokenBody("t") }));
    const challenge = 'Bearer realm="https://r.example/token",service="r"';
    const nobody = createAuthenticator({ send, credentials: { get: async () => undefined } });
    nobody.learn("r.example", challenge);
    await nobody.authorization({ registry: "r.example", scopes: pull("a") });
    expect(nobody.describe("r.example")).toMatchObject({ scheme: "bearer", anonymous: true });
    expect(nobody.describe("r.example").username).toBeUndefined();

    for (const credential of [
      { registryToken: "rt" },
      { identityToken: "it" },
      { username: "u", password: "p" },
    ]) {
      const someone = createAuthenticator({ send, credentials: creds(credential) });
      someone.learn("r.example", challenge);
      await someone.authorization({ registry: "r.example", scopes: pull("a") });
      expect(someone.describe("r.example").anonymous).toBeUndefined();
    }
  });
});
