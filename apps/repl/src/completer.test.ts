import { AuthenticationError, AuthorizationError, type RegistryClient } from "@regatta/client";
import { describe, expect, it } from "vitest";
import { NameCache } from "./completer.js";

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
