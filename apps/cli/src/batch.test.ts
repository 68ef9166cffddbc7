import { AuthenticationError, NotFoundError, RegattaError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { batchError, partsFailedError } from "./batch.js";
import { exitCodeFor } from "./exit-codes.js";

describe("batchError", () => {
  it("takes the failures' class when they agree, so the exit status is theirs", () => {
    const error = batchError(
      [
        { what: "a:1", error: new NotFoundError("no a") },
        { what: "b:1", error: new NotFoundError("no b") },
      ],
      3,
      "references",
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe("2 of 3 references failed: a:1, b:1");
    expect(exitCodeFor(error)).toBe(3);
  });

  it("is a plain error (exit 1) when they differ", () => {
    const error = batchError(
      [
        { what: "a", error: new NotFoundError("no a") },
        { what: "b", error: new AuthenticationError("who") },
      ],
      2,
      "copies",
    );
    expect(error.constructor).toBe(Error);
    expect(exitCodeFor(error)).toBe(1);
  });

  it("names five failures and counts the rest", () => {
    const failures = Array.from({ length: 7 }, (_, i) => ({ what: `r${i}`, error: "not an Error" }));
    expect(batchError(failures, 9, "copies").message).toBe(
      "7 of 9 copies failed: r0, r1, r2, r3, r4, 2 more",
    );
  });
});

describe("partsFailedError", () => {
  it("takes the failures' class when they agree (exit 3 when all were not found), keeping its code", () => {
    const error = partsFailedError(
      "2 of 3 images failed",
      [new NotFoundError("a"), new NotFoundError("b")],
      "X",
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect([error.message, error.code, exitCodeFor(error)]).toEqual(["2 of 3 images failed", "X", 3]);
  });

  it("is a RegattaError (exit 1) when they differ, or are only text", () => {
    for (const errors of [[new NotFoundError("a"), new AuthenticationError("b")], ["a does not exist"], []]) {
      const error = partsFailedError("failed", errors, "X");
      expect([error.constructor, error.code, exitCodeFor(error)]).toEqual([RegattaError, "X", 1]);
    }
  });
});
