import { InvalidDigestError } from "@regatta/errors";
import { isValidDigest as manifestIsValidDigest, parseDigest } from "@regatta/manifest";
import { describe, expect, it } from "vitest";
import { isValidDigest, parseDigestString } from "./index.js";

const H64 = "0123456789abcdef".repeat(4);

// The digest grammar moved to @regatta/manifest (issue 11); the names this package exported before still work.
describe("digest exports", () => {
  it("are @regatta/manifest's parser under the old names", () => {
    expect(parseDigestString).toBe(parseDigest);
    expect(isValidDigest).toBe(manifestIsValidDigest);
    expect(parseDigestString(`sha256:${H64}`)).toEqual({ algorithm: "sha256", hex: H64 });
    expect(() => parseDigestString(`sha256:${H64.toUpperCase()}`)).toThrow(InvalidDigestError);
  });
});
