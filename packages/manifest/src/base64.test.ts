import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeBase64, equalBytes } from "./base64.js";

describe("decodeBase64", () => {
  it("decodes base64 and base64url, padded or not, as Buffer does", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const base64 = Buffer.from(bytes).toString("base64");
        const url = Buffer.from(bytes).toString("base64url");
        expect(Buffer.from(decodeBase64(base64)).equals(Buffer.from(bytes))).toBe(true);
        expect(Buffer.from(decodeBase64(url)).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it.each(["", "A", "QQ", "QUI", "QUJD", "QQ==", "QUI=", "_-8", "+/8="])(
    "decodes %j as Buffer does",
    (text) => {
      expect([...decodeBase64(text)]).toEqual([...Buffer.from(text, "base64")]);
    },
  );
});

describe("equalBytes", () => {
  it.each([
    [[], [], true],
    [[1, 2], [1, 2], true],
    [[1, 2], [1, 3], false],
    [[1, 2], [1, 2, 0], false],
  ])("%j = %j → %s", (a, b, equal) => {
    expect(equalBytes(Uint8Array.from(a), Uint8Array.from(b))).toBe(equal);
  });
});
