import { ProtocolError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import {
  formatScope,
  mergeScopes,
  PUSH_ACTIONS,
  parseScope,
  parseScopes,
  pushScope,
  repositoryScope,
  scopeKey,
  scopesCover,
} from "./scope.js";
import type { Scope } from "./types.js";

const repo = (name: string, ...actions: string[]): Scope => ({ type: "repository", name, actions });

describe("parseScope / formatScope", () => {
  it.each<[string, Scope]>([
    ["repository:a/b:pull,push", repo("a/b", "pull", "push")],
    ["repository:library/alpine:pull", repo("library/alpine", "pull")],
    ["registry:catalog:*", { type: "registry", name: "catalog", actions: ["*"] }],
    [
      "repository(plugin):vieux/sshfs:pull",
      { type: "repository(plugin)", name: "vieux/sshfs", actions: ["pull"] },
    ],
    ["repository:localhost:5000/a:pull", repo("localhost:5000/a", "pull")],
    ["repository:a:", repo("a")],
  ])("%s", (text, scope) => {
    expect(parseScope(text)).toEqual(scope);
    expect(formatScope(scope)).toBe(text);
  });

  it.each(["", "repository", "repository:a", ":a:pull", "repository::pull"])(
    "%j is a ProtocolError",
    (text) => {
      expect(() => parseScope(text)).toThrow(ProtocolError);
    },
  );

  it("parseScopes splits on spaces", () => {
    expect(parseScopes(" repository:a:pull  repository:b:push ")).toEqual([
      repo("a", "pull"),
      repo("b", "push"),
    ]);
  });

  it("pushScope asks PUSH_ACTIONS (pull,push), each scope its own copy of the list", () => {
    expect(formatScope(pushScope("a/b"))).toBe("repository:a/b:pull,push");
    const scope = pushScope("a/b");
    scope.actions.push("delete");
    expect(PUSH_ACTIONS).toEqual(["pull", "push"]);
    expect(pushScope("a/b").actions).toEqual(["pull", "push"]);
  });

  it("repositoryScope defaults to pull", () => {
    expect(repositoryScope("a/b")).toEqual(repo("a/b", "pull"));
    expect(repositoryScope("a/b", ["push", "pull"])).toEqual(repo("a/b", "push", "pull"));
  });
});

describe("mergeScopes / scopeKey / scopesCover", () => {
  it.each<[string, Scope[][], Scope[]]>([
    ["union of actions, sorted", [[repo("a", "push")], [repo("a", "pull")]], [repo("a", "pull", "push")]],
    ["de-duplicated", [[repo("a", "pull", "pull")], [repo("a", "pull")]], [repo("a", "pull")]],
    [
      "resources in first-seen order",
      [[repo("b", "pull")], [repo("a", "pull")]],
      [repo("b", "pull"), repo("a", "pull")],
    ],
    [
      "types kept apart",
      [[repo("a", "pull"), { type: "registry", name: "a", actions: ["*"] }]],
      [repo("a", "pull"), { type: "registry", name: "a", actions: ["*"] }],
    ],
    ["empty", [], []],
  ])("%s", (_name, groups, expected) => {
    expect(mergeScopes(...groups)).toEqual(expected);
  });

  it("scopeKey is independent of order", () => {
    expect(scopeKey([repo("a", "push", "pull"), repo("b", "pull")])).toBe(
      scopeKey([repo("b", "pull"), repo("a", "pull"), repo("a", "push")]),
    );
    expect(scopeKey([repo("b", "pull"), repo("a", "push", "pull")])).toBe(
      "repository:a:pull,push repository:b:pull",
    );
    expect(scopeKey([])).toBe("");
  });

  it.each<[string, Scope[], Scope[], boolean]>([
    ["same", [repo("a", "pull")], [repo("a", "pull")], true],
    ["wider", [repo("a", "pull", "push")], [repo("a", "pull")], true],
    ["narrower", [repo("a", "pull")], [repo("a", "pull", "push")], false],
    ["other repository", [repo("a", "pull")], [repo("b", "pull")], false],
    ["wildcard", [repo("a", "*")], [repo("a", "delete")], true],
    ["nothing wanted", [repo("a", "pull")], [], true],
  ])("scopesCover: %s", (_name, granted, wanted, expected) => {
    expect(scopesCover(granted, wanted)).toBe(expected);
  });
});
