import { describe, expect, it } from "vitest";
import { chainCredentials } from "./chain-credentials.js";
import { anonymous, isAnonymous, staticCredentials } from "./static-credentials.js";
import type { Credential, CredentialProvider } from "./types.js";

describe("staticCredentials", () => {
  it("answers a copy for every registry, unaffected by later changes to the caller's object", async () => {
    const given = { username: "alice", password: "pw" };
    const provider = staticCredentials(given);
    given.password = "changed";
    const first = await provider.get("r.io");
    expect(first).toEqual({ username: "alice", password: "pw" });
    (first as Credential).password = "mutated";
    expect(await provider.get("other.example")).toEqual({ username: "alice", password: "pw" });
  });

  it("answers only its registry, matched by normalised host", async () => {
    const provider = staticCredentials({ registryToken: "rt" }, "https://index.docker.io/v1/");
    expect(await provider.get("docker.io")).toEqual({ registryToken: "rt" });
    expect(await provider.get("registry-1.docker.io")).toEqual({ registryToken: "rt" });
    expect(await provider.get("ghcr.io")).toBeUndefined();
  });
});

describe("isAnonymous", () => {
  it.each<[Credential | undefined, boolean]>([
    [undefined, true],
    [{}, true],
    [{ username: "alice" }, true],
    [{ password: "pw" }, true],
    [{ username: "alice", password: "pw" }, false],
    [{ identityToken: "idt" }, false],
    [{ registryToken: "rt" }, false],
  ])("%j: %s", (credential, expected) => {
    expect(isAnonymous(credential)).toBe(expected);
  });
});

describe("chainCredentials", () => {
  const recording = (name: string, answer: Credential | undefined, calls: string[]): CredentialProvider => ({
    async get(registry, repository) {
      calls.push(`${name} ${registry} ${repository ?? "-"}`);
      return answer;
    },
  });

  it("answers the first credential found, asking no provider after it, with the repository passed on", async () => {
    const calls: string[] = [];
    const chain = chainCredentials(
      recording("none", undefined, calls),
      recording("file", { username: "a", password: "b" }, calls),
      recording("later", { registryToken: "x" }, calls),
    );
    expect(await chain.get("r.io", "team/api")).toEqual({ username: "a", password: "b" });
    expect(calls).toEqual(["none r.io team/api", "file r.io team/api"]);
  });

  it("ends at anonymous(), which answers an empty credential, and is undefined when nobody answers", async () => {
    expect(
      await chainCredentials(anonymous(), staticCredentials({ registryToken: "x" })).get("r.io"),
    ).toEqual({});
    expect(await chainCredentials(recording("none", undefined, [])).get("r.io")).toBeUndefined();
    expect(await chainCredentials().get("r.io")).toBeUndefined();
  });

  it("stops at a provider's error instead of falling back to anonymous", async () => {
    const broken: CredentialProvider = {
      get: () => Promise.reject(new Error("helper crashed")),
    };
    await expect(chainCredentials(broken, anonymous()).get("r.io")).rejects.toThrow("helper crashed");
  });
});
