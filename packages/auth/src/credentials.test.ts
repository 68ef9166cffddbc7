import { join } from "node:path";
import { CredentialsError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { chainCredentials } from "./chain-credentials.js";
import type { HelperRunner } from "./credential-helper.js";
import { defaultCredentials } from "./default-credentials.js";
import { dockerConfigCredentials, dockerConfigPath } from "./docker-config-credentials.js";
import { podmanAuthFileCredentials, podmanAuthFiles } from "./podman-auth-file-credentials.js";
import { anonymous, staticCredentials } from "./static-credentials.js";
import { b64, tempDir, writeIn } from "./test-helpers.js";
import type { Credential, CredentialProvider } from "./types.js";

/** A helper runner answering from a table of `name -> serverUrl -> credential`, recording each call. */
function fakeHelpers(table: Record<string, Record<string, { Username: string; Secret: string }>>) {
  const calls: string[] = [];
  const run: HelperRunner = async (name, action, input) => {
    calls.push(`${name} ${action} ${input}`);
    const helper = table[name];
    if (!helper) throw Object.assign(new Error(`spawn docker-credential-${name} ENOENT`), { code: "ENOENT" });
    const answer = helper[input];
    if (!answer) return { code: 1, stdout: "credentials not found in native keychain\n", stderr: "" };
    return { code: 0, stdout: JSON.stringify({ ServerURL: input, ...answer }), stderr: "" };
  };
  return { run, calls };
}

async function dockerConfig(config: unknown, run?: HelperRunner): Promise<CredentialProvider> {
  const dir = await tempDir();
  await writeIn(dir, "config.json", config);
  return dockerConfigCredentials({ configDir: dir, env: {}, ...(run ? { runHelper: run } : {}) });
}

describe("staticCredentials / anonymous / chainCredentials", () => {
  it("answers for every registry, or only the one named (normalised)", async () => {
    const all = staticCredentials({ username: "u", password: "p" });
    expect(await all.get("ghcr.io")).toEqual({ username: "u", password: "p" });
    const hub = staticCredentials({ identityToken: "it" }, "index.docker.io");
    expect(await hub.get("docker.io")).toEqual({ identityToken: "it" });
    expect(await hub.get("registry-1.docker.io")).toEqual({ identityToken: "it" });
    expect(await hub.get("ghcr.io")).toBeUndefined();
  });

  it("anonymous answers an empty credential, which ends a chain", async () => {
    const chain = chainCredentials(anonymous(), staticCredentials({ registryToken: "rt" }));
    expect(await chain.get("ghcr.io")).toEqual({});
  });

  it("chain asks in order and answers the first", async () => {
    const asked: string[] = [];
    const spy = (name: string, answer?: Credential): CredentialProvider => ({
      async get(registry, repository) {
        asked.push(`${name}:${registry}:${repository ?? ""}`);
        return answer;
      },
    });
    const chain = chainCredentials(spy("a"), spy("b", { username: "b", password: "x" }), spy("c", {}));
    expect(await chain.get("quay.io", "org/img")).toEqual({ username: "b", password: "x" });
    expect(asked).toEqual(["a:quay.io:org/img", "b:quay.io:org/img"]);
    expect(await chainCredentials().get("x")).toBeUndefined();
  });

  it("a failing provider stops the chain", async () => {
    const broken: CredentialProvider = {
      async get() {
        throw new CredentialsError("helper broke");
      },
    };
    await expect(chainCredentials(broken, anonymous()).get("x")).rejects.toBeInstanceOf(CredentialsError);
  });
});

describe("dockerConfigCredentials: auths", () => {
  const auths = {
    "https://index.docker.io/v1/": { auth: b64("hubuser:hub:pass:with:colons") },
    "https://ghcr.io/": { auth: b64("ghuser:ghpass") },
    "http://localhost:5000": { username: "local", password: "localpass" },
    "quay.io/v2/": { auth: b64("quser:qpass") },
    "registry.example.com": { identitytoken: "example-identity" },
    "tokens.example.com": { registrytoken: "example-registry-token" },
    "empty.example.com": {},
    "UPPER.example.com": { auth: b64("up:per") },
  };

  it.each<[string, Credential | undefined]>([
    ["docker.io", { username: "hubuser", password: "hub:pass:with:colons" }],
    ["index.docker.io", { username: "hubuser", password: "hub:pass:with:colons" }],
    ["registry-1.docker.io", { username: "hubuser", password: "hub:pass:with:colons" }],
    ["ghcr.io", { username: "ghuser", password: "ghpass" }],
    ["localhost:5000", { username: "local", password: "localpass" }],
    ["quay.io", { username: "quser", password: "qpass" }],
    ["registry.example.com", { identityToken: "example-identity" }],
    ["tokens.example.com", { registryToken: "example-registry-token" }],
    ["empty.example.com", undefined],
    ["upper.example.com", { username: "up", password: "per" }],
    ["localhost:5001", undefined],
    ["nowhere.example.com", undefined],
  ])("%s", async (registry, expected) => {
    const provider = await dockerConfig({ auths });
    expect(await provider.get(registry)).toEqual(expected);
  });

  it("an exact key wins, and an empty entry does not hide a later one for the same host", async () => {
    const provider = await dockerConfig({
      auths: { "https://index.docker.io/v1/": {}, "docker.io": { auth: b64("a:b") } },
    });
    expect(await provider.get("docker.io")).toEqual({ username: "a", password: "b" });
  });

  it("auth wins over username/password", async () => {
    const provider = await dockerConfig({
      auths: { "r.io": { auth: b64("a:b"), username: "c", password: "d" } },
    });
    expect(await provider.get("r.io")).toEqual({ username: "a", password: "b" });
  });

  it.each([
    ["not base64", "!!!"],
    ["no colon", b64("justauser")],
    ["empty username", b64(":pw")],
  ])("invalid auth (%s) is a CredentialsError naming the key, not the value", async (_name, auth) => {
    const provider = await dockerConfig({ auths: { "r.io": { auth } } });
    const error = await provider.get("r.io").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toContain('"r.io"');
    expect((error as Error).message).not.toContain(auth);
  });

  it("a missing file answers undefined, a broken one is a CredentialsError", async () => {
    const dir = await tempDir();
    expect(await dockerConfigCredentials({ configDir: dir, env: {} }).get("r.io")).toBeUndefined();
    await writeIn(dir, "config.json", '{"auths": {"r.io": {"auth": "c2VjcmV0OnNlY3JldA=="}');
    const error = await dockerConfigCredentials({ configDir: dir, env: {} })
      .get("r.io")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toContain("config.json");
    expect((error as Error).message).not.toContain("c2VjcmV0");
  });

  it("reads $DOCKER_CONFIG, else <home>/.docker", async () => {
    expect(dockerConfigPath({ env: { DOCKER_CONFIG: "/cfg" } })).toBe(join("/cfg", "config.json"));
    expect(dockerConfigPath({ env: { HOME: "/home/u" } })).toBe(join("/home/u", ".docker", "config.json"));
    expect(dockerConfigPath({ env: {}, homeDir: "/h" })).toBe(join("/h", ".docker", "config.json"));
    const home = await tempDir();
    await writeIn(home, ".docker/config.json", { auths: { "r.io": { auth: b64("home:pw") } } });
    expect(await dockerConfigCredentials({ env: { HOME: home } }).get("r.io")).toEqual({
      username: "home",
      password: "pw",
    });
    const other = await tempDir();
    await writeIn(other, "config.json", { auths: { "r.io": { auth: b64("env:pw") } } });
    expect(await dockerConfigCredentials({ env: { HOME: home, DOCKER_CONFIG: other } }).get("r.io")).toEqual({
      username: "env",
      password: "pw",
    });
  });

  it("re-reads the file on each call (a docker login during a session is seen)", async () => {
    const dir = await tempDir();
    const provider = dockerConfigCredentials({ configDir: dir, env: {} });
    expect(await provider.get("r.io")).toBeUndefined();
    await writeIn(dir, "config.json", { auths: { "r.io": { auth: b64("late:pw") } } });
    expect(await provider.get("r.io")).toEqual({ username: "late", password: "pw" });
  });
});

describe("dockerConfigCredentials: credHelpers and credsStore", () => {
  const helpers = fakeHelpers({
    ecr: { "123.dkr.ecr.us-east-1.amazonaws.com": { Username: "AWS", Secret: "ecr-secret" } },
    desktop: {
      "https://index.docker.io/v1/": { Username: "<token>", Secret: "hub-identity" },
      "ghcr.io": { Username: "gh", Secret: "gh-secret" },
    },
  });
  const config = {
    credHelpers: { "123.dkr.ecr.us-east-1.amazonaws.com": "ecr", "https://gcr.io": "gcloud-missing" },
    credsStore: "desktop",
    auths: { "https://index.docker.io/v1/": {}, "old.example.com": { auth: b64("old:pw") } },
  };

  it.each<[string, Credential | undefined, string[]]>([
    [
      "123.dkr.ecr.us-east-1.amazonaws.com",
      { username: "AWS", password: "ecr-secret" },
      ["ecr get 123.dkr.ecr.us-east-1.amazonaws.com"],
    ],
    ["docker.io", { identityToken: "hub-identity" }, ["desktop get https://index.docker.io/v1/"]],
    ["ghcr.io", { username: "gh", password: "gh-secret" }, ["desktop get ghcr.io"]],
    ["old.example.com", { username: "old", password: "pw" }, ["desktop get old.example.com"]],
    ["none.example.com", undefined, ["desktop get none.example.com"]],
  ])("%s", async (registry, expected, calls) => {
    helpers.calls.length = 0;
    const provider = await dockerConfig(config, helpers.run);
    expect(await provider.get(registry)).toEqual(expected);
    expect(helpers.calls).toEqual(calls);
  });

  it("a helper that is not installed is a CredentialsError naming it", async () => {
    const provider = await dockerConfig(config, helpers.run);
    const error = await provider.get("gcr.io").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toContain("docker-credential-gcloud-missing");
  });

  it("a helper name that is a path is refused", async () => {
    const provider = await dockerConfig({ credsStore: "../../bin/sh" }, helpers.run);
    await expect(provider.get("r.io")).rejects.toBeInstanceOf(CredentialsError);
  });
});

describe("podmanAuthFileCredentials", () => {
  it("searches $REGISTRY_AUTH_FILE (else $XDG_RUNTIME_DIR), then $XDG_CONFIG_HOME or ~/.config", () => {
    expect(
      podmanAuthFiles({ env: { REGISTRY_AUTH_FILE: "/a.json", XDG_RUNTIME_DIR: "/run/u", HOME: "/h" } }),
    ).toEqual(["/a.json", join("/h", ".config", "containers", "auth.json")]);
    expect(
      podmanAuthFiles({ env: { XDG_RUNTIME_DIR: "/run/u", XDG_CONFIG_HOME: "/x", HOME: "/h" } }),
    ).toEqual([join("/run/u", "containers", "auth.json"), join("/x", "containers", "auth.json")]);
    expect(podmanAuthFiles({ env: {}, homeDir: "/h" })).toEqual([
      join("/h", ".config", "containers", "auth.json"),
    ]);
  });

  const auths = {
    "quay.io": { auth: b64("host:pw") },
    "quay.io/org": { auth: b64("org:pw") },
    "quay.io/org/image": { auth: b64("image:pw") },
    "docker.io/library": { auth: b64("library:pw") },
    "https://legacy.example.com/v1/": { auth: b64("legacy:pw") },
  };

  it.each<[string, string | undefined, Credential | undefined]>([
    ["quay.io", "org/image", { username: "image", password: "pw" }],
    ["quay.io", "org/image2", { username: "org", password: "pw" }],
    ["quay.io", "org/sub/image", { username: "org", password: "pw" }],
    ["quay.io", "other/image", { username: "host", password: "pw" }],
    ["quay.io", undefined, { username: "host", password: "pw" }],
    ["index.docker.io", "library/alpine", { username: "library", password: "pw" }],
    ["docker.io", "user/app", undefined],
    ["legacy.example.com", "a/b", { username: "legacy", password: "pw" }],
  ])("%s %s", async (registry, repository, expected) => {
    const dir = await tempDir();
    const file = await writeIn(dir, "auth.json", { auths });
    const provider = podmanAuthFileCredentials({ env: { REGISTRY_AUTH_FILE: file }, homeDir: dir });
    expect(await provider.get(registry, repository)).toEqual(expected);
  });

  it("falls through files in order and honours credHelpers", async () => {
    const dir = await tempDir();
    await writeIn(dir, "run/containers/auth.json", { auths: { "a.io": { auth: b64("runtime:pw") } } });
    await writeIn(dir, "home/.config/containers/auth.json", {
      auths: { "a.io": { auth: b64("config:pw") }, "b.io": { auth: b64("config-b:pw") } },
      credHelpers: { "c.io": "fake" },
    });
    const { run, calls } = fakeHelpers({ fake: { "c.io": { Username: "helper", Secret: "pw" } } });
    const provider = podmanAuthFileCredentials({
      env: { XDG_RUNTIME_DIR: join(dir, "run"), HOME: join(dir, "home") },
      runHelper: run,
    });
    expect(await provider.get("a.io")).toEqual({ username: "runtime", password: "pw" });
    expect(await provider.get("b.io")).toEqual({ username: "config-b", password: "pw" });
    expect(await provider.get("c.io")).toEqual({ username: "helper", password: "pw" });
    expect(calls).toEqual(["fake get c.io"]);
    expect(await provider.get("d.io")).toBeUndefined();
  });
});

describe("defaultCredentials: explicit -> auth.json -> docker config -> anonymous", () => {
  async function setup() {
    const home = await tempDir();
    const authFile = await writeIn(home, "auth.json", {
      auths: { "both.io": { auth: b64("from-podman:pw") }, "podman.io": { auth: b64("podman:pw") } },
    });
    await writeIn(home, ".docker/config.json", {
      credHelpers: { "helper.io": "fake" },
      auths: {
        "both.io": { auth: b64("from-docker:pw") },
        "docker.io": { auth: b64("docker:pw") },
        "helper.io": { auth: b64("shadowed:pw") },
      },
    });
    const { run } = fakeHelpers({ fake: { "helper.io": { Username: "from-helper", Secret: "pw" } } });
    return { env: { HOME: home, REGISTRY_AUTH_FILE: authFile }, home, run };
  }

  it.each<[string, boolean, Credential]>([
    ["both.io", true, { username: "flag", password: "pw" }],
    ["both.io", false, { username: "from-podman", password: "pw" }],
    ["podman.io", false, { username: "podman", password: "pw" }],
    ["docker.io", false, { username: "docker", password: "pw" }],
    ["helper.io", false, { username: "from-helper", password: "pw" }],
    ["nobody.io", false, {}],
  ])("%s (explicit flags: %s)", async (registry, withFlags, expected) => {
    const { env, run } = await setup();
    const provider = defaultCredentials(env, {
      runHelper: run,
      ...(withFlags ? { explicit: staticCredentials({ username: "flag", password: "pw" }) } : {}),
    });
    expect(await provider.get(registry)).toEqual(expected);
  });
});
