import { join } from "node:path";
import { CredentialsError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { credentialFromHelper, helperServerUrl, spawnCredentialHelper } from "./credential-helper.js";
import { dockerConfigCredentials } from "./docker-config-credentials.js";
import { tempDir, writeIn } from "./test-helpers.js";
import type { Credential } from "./types.js";

// A real docker-credential-<name> program speaking the helper protocol: server URL on stdin, JSON on stdout.
const SCRIPT = `#!/bin/sh
[ "$1" = "get" ] || { echo "unexpected verb $1" >&2; exit 9; }
url=$(cat)
case "$url" in
  ghcr.io) printf '{"ServerURL":"ghcr.io","Username":"alice","Secret":"helper-password-1"}' ;;
  https://index.docker.io/v1/) printf '{"ServerURL":"%s","Username":"<token>","Secret":"helper-identity-2"}' "$url" ;;
  broken.example) echo "keychain is locked" >&2; exit 3 ;;
  leaky.example) printf '{"Secret":"leaked-secret-3"}'; exit 4 ;;
  garbage.example) echo "not json" ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`;

async function install(): Promise<{ env: Record<string, string> }> {
  const dir = await tempDir();
  await writeIn(dir, "bin/docker-credential-regattatest", SCRIPT, 0o755);
  return { env: { PATH: `${join(dir, "bin")}:/usr/bin:/bin`, HOME: dir } };
}

describe("credential helper protocol with a real program on PATH", () => {
  it.each<[string, Credential | undefined]>([
    ["ghcr.io", { username: "alice", password: "helper-password-1" }],
    ["docker.io", { identityToken: "helper-identity-2" }],
    ["index.docker.io", { identityToken: "helper-identity-2" }],
    ["unknown.example", undefined],
  ])("get %s", async (registry, expected) => {
    const { env } = await install();
    expect(await credentialFromHelper("regattatest", registry, spawnCredentialHelper({ env }))).toEqual(
      expected,
    );
  });

  it.each([
    ["broken.example", "exit 3"],
    ["leaky.example", "exit 4"],
    ["garbage.example", "not JSON"],
  ])("%s is a CredentialsError naming the helper", async (registry, detail) => {
    const { env } = await install();
    const error = await credentialFromHelper("regattatest", registry, spawnCredentialHelper({ env })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toContain("docker-credential-regattatest");
    expect((error as Error).message).toContain(detail);
    expect(JSON.stringify(error)).not.toContain("leaked-secret-3");
    // What the helper said is not quoted (it may be a secret), but the hint says how to see it.
    expect((error as Error).message).not.toContain("keychain is locked");
  });

  it("a helper that is not on PATH is a CredentialsError naming it", async () => {
    const { env } = await install();
    const error = await credentialFromHelper("nosuchhelper", "ghcr.io", spawnCredentialHelper({ env })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toContain("docker-credential-nosuchhelper");
    expect((error as Error).message).toContain("PATH");
  });

  it("through docker config: credHelpers, then credsStore", async () => {
    const { env } = await install();
    const dir = await tempDir();
    await writeIn(dir, "config.json", {
      credHelpers: { "ghcr.io": "regattatest" },
      credsStore: "regattatest",
    });
    const provider = dockerConfigCredentials({ configDir: dir, env });
    expect(await provider.get("ghcr.io")).toEqual({ username: "alice", password: "helper-password-1" });
    expect(await provider.get("docker.io")).toEqual({ identityToken: "helper-identity-2" });
    expect(await provider.get("quay.io")).toBeUndefined();
  });
});

describe("helperServerUrl: what a credential helper is asked for", () => {
  it("is docker's legacy v1 URL for Docker Hub, in any spelling", () => {
    expect(helperServerUrl("docker.io")).toBe("https://index.docker.io/v1/");
    expect(helperServerUrl("registry-1.docker.io")).toBe("https://index.docker.io/v1/");
  });

  it("is the bare host elsewhere", () => {
    expect(helperServerUrl("https://ghcr.io/")).toBe("ghcr.io");
    expect(helperServerUrl("localhost:5000")).toBe("localhost:5000");
  });
});
