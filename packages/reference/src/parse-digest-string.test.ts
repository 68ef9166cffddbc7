import { InvalidDigestError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { isValidDigest, parseDigestString } from "./index.js";

const H64 = "0123456789abcdef".repeat(4);
const H128 = H64 + H64;

describe("parseDigestString", () => {
  it.each([
    [`sha256:${H64}`, { algorithm: "sha256", hex: H64 }],
    [`sha512:${H128}`, { algorithm: "sha512", hex: H128 }],
  ])("%s", (input, expected) => {
    expect(parseDigestString(input)).toEqual(expected);
    expect(isValidDigest(input)).toBe(true);
  });

  it.each([
    ["", "digest is empty"],
    [H64, "a digest is <algorithm>:<hex>, the ':' is missing"],
    [`:${H64}`, 'digest algorithm is empty (":" at column 1)'],
    [`SHA256:${H64}`, 'digest algorithm must be lowercase ("S" at column 1)'],
    [`sha256+:${H64}`, 'digest algorithm is malformed ("sha256+" at column 1)'],
    ["sha256:", 'digest hex is empty (":" at column 7)'],
    [`sha256:${H64.slice(2)}+/`, 'invalid character in digest ("+" at column 70)'],
    // Other algorithms the OCI grammar allows parse, then are refused as unsupported.
    [`md5:${H64}`, 'unsupported algorithm (Regatta supports sha256 and sha512) ("md5" at column 1)'],
    [`sha384:${H64}`, "unsupported algorithm"],
    [
      `multihash+base58:${H64}`,
      'unsupported algorithm (Regatta supports sha256 and sha512) ("multihash+base58" at column 1)',
    ],
    [`constructor:${H64}`, "unsupported algorithm"],
    [`sha256:${H64.slice(1)}`, "sha256 needs 64 hex characters, this one has 63"],
    [`sha256:${H64}0`, "sha256 needs 64 hex characters, this one has 65"],
    [`sha256:${H128}`, "sha256 needs 64 hex characters, this one has 128"],
    [`sha512:${H64}`, "sha512 needs 128 hex characters, this one has 64"],
    [`sha256:${H64.toUpperCase()}`, 'digest hex must be lowercase ("A" at column 18)'],
    [`sha256:${"g".repeat(64)}`, 'digest hex may hold only 0-9 and a-f ("g" at column 8)'],
  ])("refuses %j", (input, message) => {
    expect(() => parseDigestString(input)).toThrow(InvalidDigestError);
    expect(() => parseDigestString(input)).toThrow(`invalid digest ${JSON.stringify(input)}: ${message}`);
    expect(isValidDigest(input)).toBe(false);
  });

  it("uses the DIGEST_INVALID code", () => {
    expect(() => parseDigestString("x")).toThrow(expect.objectContaining({ code: "DIGEST_INVALID" }));
  });
});
