/**
 * How containers auth.json files answer (containers-auth.json(5),
 * https://github.com/containers/image/blob/main/docs/containers-auth.json.5.md): the most specific key that holds a
 * credential wins and an empty one falls through to the next; credHelpers are asked by host; files are searched in
 * order until one answers.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { HelperRunner } from "./credential-helper.js";
import { podmanAuthFileCredentials, podmanAuthFiles } from "./podman-auth-file-credentials.js";
import { b64, tempDir, writeIn } from "./test-helpers.js";

/** A runner that knows only `fake`'s answer for `c.io`, recording each call. */
function fakeRunner() {
  const calls: string[] = [];
  const run: HelperRunner = async (name, _action, input) => {
    calls.push(`${name} ${input}`);
    if (name === "fake" && input === "c.io") {
      return { code: 0, stdout: JSON.stringify({ Username: "helper", Secret: "pw" }), stderr: "" };
    }
    return { code: 1, stdout: "credentials not found in native keychain", stderr: "" };
  };
  return { run, calls };
}

async function files(...contents: unknown[]): Promise<string[]> {
  const dir = await tempDir();
  return Promise.all(contents.map((content, i) => writeIn(dir, `auth-${i}.json`, content)));
}

describe("podmanAuthFileCredentials: keys", () => {
  it("an empty entry for the repository falls through to its namespace, then to the host", async () => {
    const provider = podmanAuthFileCredentials({
      files: await files({
        auths: { "quay.io/org/image": {}, "quay.io/org": {}, "quay.io": { auth: b64("host:pw") } },
      }),
    });
    expect(await provider.get("quay.io", "org/image")).toEqual({ username: "host", password: "pw" });
  });

  it.each<[string, string, string | undefined]>([
    // A trailing slash names the same namespace.
    ["quay.io/org/", "org/image", "ns"],
    ["quay.io/org//", "org/image", "ns"],
    // Only a scheme at the start makes a key docker-style (host only); "://" further on is part of the path.
    ["quay.io/x://y", "org/image", undefined],
    // A key is a path prefix only at a slash: quay.io/or is not a prefix of quay.io/org/image.
    ["quay.io/or", "org/image", undefined],
    // Keys match by normalised host, Docker Hub's aliases included.
    ["Index.Docker.io/library", "library/alpine", "ns"],
    ["QUAY.IO/org", "org/image", "ns"],
  ])("key %s for repository %s", async (key, repository, expected) => {
    const provider = podmanAuthFileCredentials({
      files: await files({ auths: { [key]: { auth: b64(`${expected}:pw`) } } }),
    });
    const registry = key.toLowerCase().startsWith("index.docker.io") ? "docker.io" : "quay.io";
    expect(await provider.get(registry, repository)).toEqual(
      expected ? { username: expected, password: "pw" } : undefined,
    );
  });
});

describe("podmanAuthFileCredentials: credHelpers", () => {
  it("asks the helper named for the registry's host, and only that one", async () => {
    const { run, calls } = fakeRunner();
    const provider = podmanAuthFileCredentials({
      files: await files({ credHelpers: { "other.io": "other", "https://C.io/": "fake" } }),
      runHelper: run,
    });
    expect(await provider.get("c.io", "team/app")).toEqual({ username: "helper", password: "pw" });
    expect(calls).toEqual(["fake c.io"]);
  });

  it.each([[""], [7], [null]])("runs nothing for a helper name %j", async (name) => {
    const { run, calls } = fakeRunner();
    const provider = podmanAuthFileCredentials({
      files: await files({ credHelpers: { "c.io": name } }),
      runHelper: run,
    });
    expect(await provider.get("c.io")).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it("a helper that knows nothing falls through to the next file", async () => {
    const { run, calls } = fakeRunner();
    const provider = podmanAuthFileCredentials({
      files: await files(
        { credHelpers: { "d.io": "fake" } },
        { auths: { "d.io": { auth: b64("second:pw") } } },
      ),
      runHelper: run,
    });
    expect(await provider.get("d.io")).toEqual({ username: "second", password: "pw" });
    expect(calls).toEqual(["fake d.io"]);
  });

  it("runs the real helper program from the PATH of the environment it is given", async () => {
    const dir = await tempDir();
    await writeIn(
      dir,
      "bin/docker-credential-envtest",
      `#!/bin/sh\ncat >/dev/null\nprintf '{"Username":"from-path","Secret":"pw"}'\n`,
      0o755,
    );
    const provider = podmanAuthFileCredentials({
      files: await files({ credHelpers: { "c.io": "envtest" } }),
      env: { PATH: `${join(dir, "bin")}:/usr/bin:/bin` },
    });
    expect(await provider.get("c.io")).toEqual({ username: "from-path", password: "pw" });
  });
});

describe("podmanAuthFileCredentials: files", () => {
  it("reads only the files it is given, in order, skipping missing ones", async () => {
    const [first, second] = await files(
      { auths: { "a.io": { auth: b64("first:pw") } } },
      { auths: { "a.io": { auth: b64("second:pw") }, "b.io": { auth: b64("second-b:pw") } } },
    );
    const missing = join(await tempDir(), "missing.json");
    expect(
      podmanAuthFiles({ files: [missing, second!, first!], env: { REGISTRY_AUTH_FILE: first! } }),
    ).toEqual([missing, second, first]);
    const provider = podmanAuthFileCredentials({
      files: [missing, second!, first!],
      env: { REGISTRY_AUTH_FILE: first! },
    });
    expect(await provider.get("a.io")).toEqual({ username: "second", password: "pw" });
    expect(await provider.get("b.io")).toEqual({ username: "second-b", password: "pw" });
  });
});
