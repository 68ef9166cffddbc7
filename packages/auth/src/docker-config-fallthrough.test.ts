import { describe, expect, it } from "vitest";
import type { HelperRunner } from "./credential-helper.js";
import { dockerConfigCredentials } from "./docker-config-credentials.js";
import { b64, tempDir, writeIn } from "./test-helpers.js";

// Each step of the docker config that answers "not found" falls through to the next, and an exact key wins
// (mutation testing found these unsaid; docs/testing.md).

const NOT_FOUND = { code: 1, stdout: "credentials not found in native keychain", stderr: "" };
const found = (user: string) => ({
  code: 0,
  stdout: JSON.stringify({ Username: user, Secret: `${user}-pw` }),
  stderr: "",
});

async function provider(
  config: unknown,
  answers: Record<string, ReturnType<typeof found> | typeof NOT_FOUND>,
) {
  const dir = await tempDir();
  await writeIn(dir, "config.json", config);
  const calls: string[] = [];
  const runHelper: HelperRunner = async (name, _action, input) => {
    calls.push(`${name} ${input}`);
    return answers[name] ?? NOT_FOUND;
  };
  return { credentials: dockerConfigCredentials({ configDir: dir, runHelper, env: {} }), calls };
}

describe("dockerConfigCredentials falls through each step that knows nothing", () => {
  it("credHelpers not found -> credsStore", async () => {
    const { credentials, calls } = await provider(
      { credHelpers: { "r.io": "pass" }, credsStore: "desktop" },
      { desktop: found("store-user") },
    );
    expect(await credentials.get("r.io")).toEqual({ username: "store-user", password: "store-user-pw" });
    expect(calls).toEqual(["pass r.io", "desktop r.io"]);
  });

  it("credsStore not found -> auths", async () => {
    const { credentials } = await provider(
      { credsStore: "desktop", auths: { "r.io": { auth: b64("file-user:pw") } } },
      {},
    );
    expect(await credentials.get("r.io")).toEqual({ username: "file-user", password: "pw" });
  });

  it("runs no helper for an empty or non-string credsStore", async () => {
    for (const credsStore of ["", 7, null]) {
      const { credentials, calls } = await provider(
        { credsStore, auths: { "r.io": { auth: b64("u:p") } } },
        {},
      );
      expect(await credentials.get("r.io")).toEqual({ username: "u", password: "p" });
      expect(calls).toEqual([]);
    }
  });

  it("prefers the exact key over another spelling of the same host", async () => {
    const { credentials } = await provider(
      {
        auths: {
          "https://index.docker.io/v1/": { auth: b64("legacy:pw") },
          "docker.io": { auth: b64("exact:pw") },
        },
      },
      {},
    );
    expect(await credentials.get("docker.io")).toEqual({ username: "exact", password: "pw" });
    expect(await credentials.get("index.docker.io")).toEqual({ username: "legacy", password: "pw" });
  });

  it("an exact key that holds nothing falls through to another spelling of the same host", async () => {
    const { credentials } = await provider(
      { auths: { "docker.io": {}, "https://index.docker.io/v1/": { auth: b64("legacy:pw") } } },
      {},
    );
    expect(await credentials.get("docker.io")).toEqual({ username: "legacy", password: "pw" });
  });
});
