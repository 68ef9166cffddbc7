import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Sha256, Sha512 } from "./sha2.js";

/** The browser path of hashing (sha2.ts) must give what node:crypto gives, on every length and every chunking. */
const HASHES = [
  ["sha256", () => new Sha256()],
  ["sha512", () => new Sha512()],
] as const;

const node = (algorithm: string, bytes: Uint8Array) => createHash(algorithm).update(bytes).digest("hex");

describe.each(HASHES)("%s in plain JavaScript", (algorithm, create) => {
  // FIPS 180-4 example messages: "abc", and the two-block messages of the NIST examples.
  it.each([
    "",
    "abc",
    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
  ])("hashes %j like node:crypto", (text) => {
    const bytes = new TextEncoder().encode(text);
    const hash = create();
    hash.update(bytes);
    expect(hash.hex()).toBe(node(algorithm, bytes));
  });

  // Padding changes shape around the end of a block: one byte short of room for the length, exactly full, and over.
  it.each([0, 1, 55, 56, 63, 64, 65, 111, 112, 119, 127, 128, 129, 1000])("hashes %i bytes", (length) => {
    const bytes = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
    const hash = create();
    hash.update(bytes);
    expect(hash.hex()).toBe(node(algorithm, bytes));
  });

  it("gives the same hash however the content is cut into chunks", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.array(fc.nat({ max: 600 }), { maxLength: 6 }),
        (bytes, cuts) => {
          const hash = create();
          let at = 0;
          for (const cut of [...cuts].sort((a, b) => a - b)) {
            hash.update(bytes.subarray(at, Math.max(at, Math.min(cut, bytes.length))));
            at = Math.max(at, Math.min(cut, bytes.length));
          }
          hash.update(bytes.subarray(at));
          expect(hash.hex()).toBe(node(algorithm, bytes));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reads chunks that are views into a larger buffer", () => {
    const whole = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const view = whole.subarray(17, 290);
    const hash = create();
    hash.update(view);
    expect(hash.hex()).toBe(node(algorithm, view));
  });
});
