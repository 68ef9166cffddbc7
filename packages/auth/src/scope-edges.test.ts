import { ProtocolError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { parseScope, parseScopes, scopesCover } from "./scope.js";
import type { Scope } from "./types.js";

// What scope.test.ts left unsaid (found by mutation testing, docs/testing.md).

describe("parseScope: what a malformed scope error says", () => {
  it.each(["repository:a", "repository::pull", ":a:pull"])("%j is named in the error", (text) => {
    expect(() => parseScope(text)).toThrow(new ProtocolError(`malformed token scope "${text}"`));
  });

  it("trims spaces around actions, as token servers write `pull, push`", () => {
    expect(parseScope("repository:a/b: pull , push ").actions).toEqual(["pull", "push"]);
    // In a challenge's scope parameter, whitespace separates scopes instead (parseScopes).
    expect(parseScopes("repository:a:pull,\trepository:b:push").map((s) => s.name)).toEqual(["a", "b"]);
  });
});

describe("scopesCover: a grant is for one resource type and name", () => {
  const scope = (type: string, name: string, ...actions: string[]): Scope => ({ type, name, actions });

  it("does not take a grant on another resource type with the same name", () => {
    expect(scopesCover([scope("registry", "catalog", "*")], [scope("repository", "catalog", "pull")])).toBe(
      false,
    );
    expect(scopesCover([scope("repository", "catalog", "*")], [scope("repository", "catalog", "pull")])).toBe(
      true,
    );
  });

  it("finds the grant for the wanted resource among several", () => {
    const granted = [scope("registry", "a", "*"), scope("repository", "a", "pull")];
    expect(scopesCover(granted, [scope("repository", "a", "pull")])).toBe(true);
    expect(scopesCover(granted, [scope("repository", "a", "push")])).toBe(false);
  });
});
