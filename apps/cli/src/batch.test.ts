import { AuthenticationError, NotFoundError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { batchError } from "./batch.js";
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
