import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { credentialSource, describeCredentialSource } from "./credential-source.js";
import { defaultCredentials } from "./default-credentials.js";
import { dockerConfigCredentials } from "./docker-config-credentials.js";
import { podmanAuthFileCredentials } from "./podman-auth-file-credentials.js";
import { anonymous, staticCredentials } from "./static-credentials.js";
import { b64, tempDir, writeIn } from "./test-helpers.js";

const helperAnswer = (name: string) => async () => ({
  code: 0,
  stdout: JSON.stringify({ ServerURL: "r.io", Username: `${name}-user`, Secret: "helper-secret" }),
  stderr: "",
});

describe("credentialSource: where the lookup found a credential", () => {
  it("names the docker config's auths key and file", async () => {
    const dir = await tempDir();
    const file = await writeIn(dir, "config.json", { auths: { "https://r.io/v1/": { auth: b64("a:pw") } } });
    const credential = await dockerConfigCredentials({ configDir: dir }).get("r.io");
    expect(credentialSource(credential)).toEqual({
      kind: "auths",
      file,
      format: "docker-config",
      key: "https://r.io/v1/",
    });
    expect(describeCredentialSource(credentialSource(credential))).toBe(
      `auths["https://r.io/v1/"] in ${file} (docker config)`,
    );
  });

  it("names credHelpers[host] and credsStore with the helper, never the secret", async () => {
    const dir = await tempDir();
    const file = await writeIn(dir, "config.json", {
      credHelpers: { "r.io": "pass" },
      credsStore: "desktop",
    });
    const viaHelpers = await dockerConfigCredentials({ configDir: dir, runHelper: helperAnswer("h") }).get(
      "r.io",
    );
    expect(credentialSource(viaHelpers)).toEqual({
      kind: "helper",
      helper: "pass",
      file,
      format: "docker-config",
      entry: 'credHelpers["r.io"]',
    });
    const viaStore = await dockerConfigCredentials({ configDir: dir, runHelper: helperAnswer("s") }).get(
      "q.io",
    );
    expect(credentialSource(viaStore)).toMatchObject({
      kind: "helper",
      helper: "desktop",
      entry: "credsStore",
    });
    const line = describeCredentialSource(credentialSource(viaStore));
    expect(line).toBe(
      `credential helper docker-credential-desktop, named by credsStore in ${file} (docker config)`,
    );
    expect(line).not.toContain("helper-secret");
  });

  it("names the containers auth.json key (a repository key) and its credHelpers entry", async () => {
    const dir = await tempDir();
    const file = await writeIn(dir, "auth.json", {
      auths: { "r.io/team": { auth: b64("t:pw") } },
      credHelpers: { "q.io": "ecr-login" },
    });
    const provider = podmanAuthFileCredentials({ files: [file], runHelper: helperAnswer("e") });
    expect(credentialSource(await provider.get("r.io", "team/app"))).toEqual({
      kind: "auths",
      file,
      format: "containers-auth",
      key: "r.io/team",
    });
    expect(credentialSource(await provider.get("q.io", "x"))).toEqual({
      kind: "helper",
      helper: "ecr-login",
      file,
      format: "containers-auth",
      entry: 'credHelpers["q.io"]',
    });
  });

  it("says explicit for given credentials and anonymous when the lookup found none", async () => {
    const given = await staticCredentials({ username: "u", password: "p" }).get("r.io");
    expect(credentialSource(given)).toEqual({ kind: "explicit" });
    // A copy is answered each time; each copy carries its source, and the caller's object is never marked.
    expect(credentialSource({ ...given })).toBeUndefined();
    expect(credentialSource(await anonymous().get("r.io"))).toEqual({ kind: "anonymous" });
    expect(credentialSource(undefined)).toEqual({ kind: "anonymous" });
    const dir = await tempDir();
    const chained = await defaultCredentials({ HOME: dir, DOCKER_CONFIG: dir }).get("r.io");
    expect(credentialSource(chained)).toEqual({ kind: "anonymous" });
    expect(describeCredentialSource({ kind: "anonymous" })).toBe("none found: anonymous");
    expect(describeCredentialSource(undefined)).toMatch(/does not say where/);
  });
});

describe("describe() (whoami) says where the credential came from", () => {
  it("after a lookup, not before; anonymous when the lookup found none", async () => {
    const { createAuthenticator } = await import("./create-authenticator.js");
    const { repositoryScope } = await import("./scope.js");
    const send = async () => ({ status: 200, headers: {}, body: "" });
    const given = createAuthenticator({
      send,
      credentials: staticCredentials({ username: "u", password: "p" }),
    });
    given.learn("r.io", 'Basic realm="r"');
    expect(given.describe("r.io").source).toBeUndefined();
    await given.authorization({ registry: "r.io", scopes: [repositoryScope("a")] });
    expect(given.describe("r.io")).toMatchObject({ username: "u", source: { kind: "explicit" } });
    const none = createAuthenticator({ send, credentials: anonymous() });
    none.learn("r.io", 'Basic realm="r"');
    await none.authorization({ registry: "r.io", scopes: [repositoryScope("a")] });
    expect(none.describe("r.io")).toMatchObject({ anonymous: true, source: { kind: "anonymous" } });
  });
});

describe("credentialSource names the environment variable that chose the file", () => {
  it("DOCKER_CONFIG, REGISTRY_AUTH_FILE, XDG_CONFIG_HOME; none for a file found by HOME or given by name", async () => {
    const dir = await tempDir();
    const entry = { auths: { "r.io": { auth: b64("a:pw") } } };
    await writeIn(dir, "docker/config.json", entry);
    const docker = await dockerConfigCredentials({ env: { DOCKER_CONFIG: join(dir, "docker") } }).get("r.io");
    expect(credentialSource(docker)).toMatchObject({ kind: "auths", env: "DOCKER_CONFIG" });
    expect(describeCredentialSource(credentialSource(docker))).toBe(
      `auths["r.io"] in ${join(dir, "docker/config.json")} (docker config, chosen by $DOCKER_CONFIG)`,
    );
    await writeIn(dir, "home/.docker/config.json", entry);
    const byHome = await dockerConfigCredentials({ env: { HOME: join(dir, "home") } }).get("r.io");
    expect(credentialSource(byHome)).not.toHaveProperty("env");

    const authFile = await writeIn(dir, "auth.json", entry);
    const viaEnv = await podmanAuthFileCredentials({ env: { REGISTRY_AUTH_FILE: authFile, HOME: dir } }).get(
      "r.io",
    );
    expect(credentialSource(viaEnv)).toMatchObject({
      kind: "auths",
      file: authFile,
      env: "REGISTRY_AUTH_FILE",
    });
    await writeIn(dir, "xdg/containers/auth.json", entry);
    const viaXdg = await podmanAuthFileCredentials({
      env: { XDG_CONFIG_HOME: join(dir, "xdg"), HOME: dir },
    }).get("r.io");
    expect(credentialSource(viaXdg)).toMatchObject({ env: "XDG_CONFIG_HOME" });
    await writeIn(dir, "run/containers/auth.json", entry);
    const viaRuntime = await podmanAuthFileCredentials({
      env: { XDG_RUNTIME_DIR: join(dir, "run"), HOME: dir },
    }).get("r.io");
    expect(credentialSource(viaRuntime)).toMatchObject({ env: "XDG_RUNTIME_DIR" });
    const named = await podmanAuthFileCredentials({ files: [authFile] }).get("r.io");
    expect(credentialSource(named)).not.toHaveProperty("env");
  });
});
