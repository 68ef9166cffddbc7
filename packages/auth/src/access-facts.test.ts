import { describe, expect, it } from "vitest";
import { accessFacts } from "./access-facts.js";
import type { Credential, Scope } from "./types.js";

const pull = (name: string): Scope => ({ type: "repository", name, actions: ["pull"] });
const catalog: Scope = { type: "registry", name: "catalog", actions: ["*"] };

describe("accessFacts: what a refused request was about, never a secret", () => {
  it.each<[string, Credential | undefined, Record<string, unknown>]>([
    ["no credential", undefined, { credentials: "none" }],
    ["a username alone (anonymous)", { username: "alice" }, { credentials: "none" }],
    ["a password alone (anonymous)", { password: "pw" }, { credentials: "none" }],
    [
      "username and password",
      { username: "alice", password: "pw" },
      { credentials: "basic", username: "alice" },
    ],
    ["a registry token", { registryToken: "rt" }, { credentials: "bearer" }],
    [
      "a registry token with a user",
      { username: "bob", registryToken: "rt" },
      { credentials: "bearer", username: "bob" },
    ],
    [
      "an identity token",
      { username: "<token>", identityToken: "idt" },
      { credentials: "bearer", username: "<token>" },
    ],
  ])("%s", (_, credential, expected) => {
    const facts = accessFacts("r.io", [pull("team/api")], credential);
    expect(facts).toEqual({ registry: "r.io", repository: "team/api", operation: "pull", ...expected });
    expect(JSON.stringify(facts)).not.toMatch(/pw|rt"|idt/);
  });

  it("names the first repository scope, not another resource type", () => {
    expect(accessFacts("r.io", [catalog, pull("a"), pull("b")], undefined)).toEqual({
      registry: "r.io",
      repository: "a",
      operation: "catalog",
      credentials: "none",
    });
  });

  it("leaves the repository out when no scope names one", () => {
    const facts = accessFacts("r.io", [catalog], { username: "alice", password: "pw" });
    expect(facts).toEqual({
      registry: "r.io",
      operation: "catalog",
      credentials: "basic",
      username: "alice",
    });
    expect("repository" in facts).toBe(false);
    expect("username" in accessFacts("r.io", [], { username: "alice" })).toBe(false);
  });

  it("takes the operation from the scopes' actions", () => {
    const push: Scope = { type: "repository", name: "a", actions: ["pull", "push"] };
    expect(accessFacts("r.io", [push], undefined).operation).toBe("push");
    expect(accessFacts("r.io", [], undefined).operation).toBe("check");
  });
});
