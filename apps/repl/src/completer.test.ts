import { AuthenticationError, AuthorizationError, type RegistryClient } from "@regatta/client";
import { describe, expect, it } from "vitest";
import { NameCache, openStringAtEnd } from "./completer.js";

/** A stand-in client whose catalog answers in turn from `answers` (an Error rejects), counting the calls. */
function catalog(answers: (string[] | Error)[]) {
  let calls = 0;
  const reg = {
    registry: "localhost:5000",
    repositories: async () => {
      const answer = answers[Math.min(calls++, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as RegistryClient;
  return { reg, calls: () => calls };
}

describe("NameCache (what TAB completes from)", () => {
  it.each([
    ["a 401", new AuthenticationError("login first", { status: 401 })],
    ["a 403", new AuthorizationError("not yours", { status: 403 })],
    ["any other failure", new Error("socket hang up")],
  ])("never keeps %s: the next TAB asks again and gets the names", async (_, failure) => {
    const cache = new NameCache();
    const { reg, calls } = catalog([failure, ["team/api"]]);
    expect(await cache.repositories(reg, 1000)).toEqual([]);
    expect(await cache.repositories(reg, 1000)).toEqual(["team/api"]);
    expect(calls()).toBe(2);
  });

  it("keeps an answer until cleared (.login, .connect)", async () => {
    const cache = new NameCache();
    const { reg, calls } = catalog([["a"], ["a", "b"]]);
    expect(await cache.repositories(reg, 1000)).toEqual(["a"]);
    expect(await cache.repositories(reg, 1000)).toEqual(["a"]);
    expect(calls()).toBe(1);
    cache.clear();
    expect(await cache.repositories(reg, 1000)).toEqual(["a", "b"]);
  });
});

describe("openStringAtEnd (whether TAB is inside a string, and of which argument)", () => {
  it.each([
    ['reg.tags("te', { partial: "te", call: { callee: "reg.tags", index: 0 } }],
    ['reg.copy("team/api:1.0", `team/w', { partial: "team/w", call: { callee: "reg.copy", index: 1 } }],
    ["await reg . diff('a:1', 'a:", { partial: "a:", call: { callee: "reg.diff", index: 1 } }],
    ['reg.copy(x(1, 2), "t', { partial: "t", call: { callee: "reg.copy", index: 1 } }],
    ["reg.manifest(`team/${name}:", { partial: "team/${name}:", call: { callee: "reg.manifest", index: 0 } }],
    ['x = "team/w', { partial: "team/w" }],
    ['reg.tags("a" + "b', { partial: "b" }],
    ['reg.tags(["a", "b', { partial: "b" }],
    ['f("say \\"hi', { partial: 'say \\"hi', call: { callee: "f", index: 0 } }],
  ] as [string, { partial: string; call?: { callee: string; index: number } }][])("%s", (line, expected) => {
    const open = openStringAtEnd(line);
    expect(open?.partial).toBe(expected.partial);
    expect(open?.call).toEqual(expected.call);
  });

  it.each(['reg.tags("a")', "reg.ma", "`a${b}`", 'x = "a" + y'])("%s ends outside any string", (line) => {
    expect(openStringAtEnd(line)).toBeUndefined();
  });
});
