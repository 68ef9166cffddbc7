import { createHash } from "node:crypto";
import { FUZZ_RUNS, FUZZ_TEST_TIMEOUT_MS, FuzzFinding, fuzzParse } from "@regatta/testkit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isValidDescriptorDigest, isValidDigest, parseDigest } from "./digest.js";

/**
 * Fuzzing of the one digest grammar (issue 10; one home since issue 11: @regatta/reference's `parseDigestString`
 * is this `parseDigest`), on arbitrary text and on digests built near the grammar (algorithms, lengths around 64 and
 * 128, uppercase, stray characters). It throws only InvalidDigestError, accepts exactly `sha256:<64 lowercase hex>`
 * and `sha512:<128 lowercase hex>`, and splits what it accepts back into the input; `isValidDescriptorDigest` also
 * lets unregistered algorithms that follow the OCI grammar through, as the image spec asks.
 */

const VALID = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
/** The image spec's descriptor digest grammar, https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md#digests */
const GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
/** `length` lowercase hex characters (from a real hash, cheap to make), one replaced by a stray character now and then. */
const hexish = (length: number) =>
  fc
    .tuple(
      fc.nat(),
      fc.oneof(
        { weight: 8, arbitrary: fc.constant(null) },
        {
          weight: 1,
          arbitrary: fc.tuple(
            fc.nat(),
            fc.constantFrom("A", "F", "g", "=", "_", "-", " ", "\u0000", "é", ":"),
          ),
        },
      ),
    )
    .map(([seed, stray]) => {
      const hex = createHash("sha512").update(String(seed)).digest("hex").repeat(2).slice(0, length);
      if (!stray || length === 0) return hex;
      const at = stray[0] % length;
      return hex.slice(0, at) + stray[1] + hex.slice(at + 1);
    });
/** Mostly well-formed (so the later checks are reached), with the algorithm, separator or length off now and then. */
const nearDigest = fc
  .tuple(
    fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom("sha256", "sha512") },
      {
        weight: 1,
        arbitrary: fc.constantFrom("SHA256", "sha384", "md5", "sha256+b64u", "a.b_c-d", "", "sha256 "),
      },
    ),
    fc.oneof(
      { weight: 8, arbitrary: fc.constant(":") },
      { weight: 1, arbitrary: fc.constantFrom("::", "", "=") },
    ),
    fc.oneof(
      { weight: 4, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.constantFrom(-64, -1, 1, 64) },
    ),
  )
  .chain(([algorithm, colon, delta]) =>
    hexish(Math.max(0, (algorithm === "sha512" ? 128 : 64) + delta)).map(
      (hex) => `${algorithm}${colon}${hex}`,
    ),
  );

describe("digest parsers fuzz", () => {
  it(`answers ${FUZZ_RUNS} inputs exactly as the digest grammar says`, {
    timeout: FUZZ_TEST_TIMEOUT_MS,
  }, () => {
    let runs = 0;
    let accepted = 0;
    const check = (input: string) => {
      runs++;
      const valid = VALID.test(input);
      for (const [name, parse] of [["parseDigest", () => parseDigest(input)]] as const) {
        const outcome = fuzzParse(input, parse);
        if (outcome.ok !== valid)
          throw new FuzzFinding(
            `${name}(${JSON.stringify(input)}) ${outcome.ok ? "accepted" : "refused"} it`,
          );
        if (!outcome.ok) {
          if (outcome.error.name !== "InvalidDigestError")
            throw new FuzzFinding(`${name}: ${outcome.error.name}`);
          continue;
        }
        if (`${outcome.value.algorithm}:${outcome.value.hex}` !== input)
          throw new FuzzFinding(`${name} splits ${input} wrongly`);
      }
      if (isValidDigest(input) !== valid) throw new FuzzFinding(`isValidDigest(${JSON.stringify(input)})`);
      const registered = /^sha(?:256|512):/.test(input);
      if (isValidDescriptorDigest(input) !== (registered ? valid : GRAMMAR.test(input)))
        throw new FuzzFinding(`isValidDescriptorDigest(${JSON.stringify(input)})`);
      if (valid) accepted++;
    };
    const share = Math.ceil(FUZZ_RUNS / 2);
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 140 }), check), { numRuns: share });
    fc.assert(fc.property(nearDigest, check), { numRuns: share });
    expect(runs).toBe(share * 2);
    expect(accepted).toBeGreaterThan(share / 4);
  });
});
