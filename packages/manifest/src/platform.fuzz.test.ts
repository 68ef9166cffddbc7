import { isDeepStrictEqual } from "node:util";
import { FUZZ_RUNS, FUZZ_TEST_TIMEOUT_MS, FuzzFinding, fuzzParse } from "@regatta/testkit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatPlatform, matchPlatform, normalizePlatform, type Platform, parsePlatform } from "./index.js";

/**
 * Fuzzing of the platform specifier parser (issue 10): arbitrary text, and specifiers built from the grammar
 * (`os(version+feature…)/arch/variant`, %-escapes, the `:version` suffix) with small corruptions. Only UsageError, never
 * a crash or a slow input; what parses formats back to the same platform; a platform always matches itself.
 */

const HOST: Platform = { os: "linux", architecture: "amd64" };
const parse = (s: string) => parsePlatform(s, { host: HOST });

const word = (chars: string, max = 12) =>
  fc.string({ unit: fc.constantFrom(...chars.split("")), minLength: 1, maxLength: max });
const ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const osName = fc.oneof(
  fc.constantFrom("linux", "windows", "darwin", "macOS", "freebsd", "Linux", "unknown", "wasip1"),
  word(`${ALNUM}_-`),
);
const arch = fc.oneof(
  fc.constantFrom(
    "amd64",
    "arm64",
    "arm",
    "386",
    "x86_64",
    "aarch64",
    "armhf",
    "armel",
    "i386",
    "ppc64le",
    "s390x",
  ),
  word(`${ALNUM}_.-`),
);
const variant = fc.oneof(
  fc.constantFrom(
    "v5",
    "v6",
    "v7",
    "v8",
    "v8.0",
    "v8.2",
    "v8.10",
    "v9",
    "v9.0",
    "v9.6",
    "8",
    "9.0",
    "v1",
    "v3",
  ),
  word(`${ALNUM}_.-`),
);
/** An OS option (version or feature): plain characters, %-escapes (valid or not), and the syntax's own characters. */
const osOption = fc.string({
  unit: fc.oneof(
    { weight: 20, arbitrary: fc.constantFrom(...`${ALNUM}_.-`.split("")) },
    { weight: 2, arbitrary: fc.constantFrom("%2B", "%25", "%28", "%29", "%2F", "%C3%A9", "%20") },
    { weight: 1, arbitrary: fc.constantFrom("%zz", "%2", "%ff", "%", "+", "(", ")", "/", ":") },
  ),
  maxLength: 10,
});
const specifier = fc
  .tuple(
    osName,
    fc.option(fc.tuple(osOption, fc.array(osOption, { maxLength: 3 })), { nil: undefined, freq: 2 }),
    fc.option(arch, { nil: undefined }),
    fc.option(variant, { nil: undefined }),
    fc.oneof(
      { weight: 8, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom(":10.0.17763", ":", ":1+2", "") },
    ),
  )
  .map(([os, options, a, v, suffix]) => {
    const head = options ? `${os}(${options[0]}${options[1].map((f) => `+${f}`).join("")})` : os;
    return (
      [head, a, a === undefined ? undefined : v].filter((x) => x !== undefined).join("/") + (suffix ?? "")
    );
  });
/** A specifier with one character inserted, deleted or replaced. */
const corrupted = fc
  .tuple(specifier, fc.nat(), fc.string({ unit: "binary", maxLength: 2 }), fc.boolean())
  .map(([s, at, insert, del]) => {
    const i = s.length ? at % s.length : 0;
    return s.slice(0, i) + insert + s.slice(del ? i + 1 : i);
  });

const platformValue = fc.record(
  {
    os: fc.oneof(osName, fc.constant("")),
    architecture: fc.oneof(arch, fc.constant("")),
    variant,
    "os.version": fc.string({ unit: "grapheme", maxLength: 12 }),
    "os.features": fc.array(fc.string({ unit: "grapheme", maxLength: 6 }), { maxLength: 3 }),
  },
  { requiredKeys: ["os", "architecture"] },
);

describe("parsePlatform fuzz", () => {
  it(`answers ${FUZZ_RUNS} inputs with a platform or a UsageError, and round-trips what it accepts`, {
    timeout: FUZZ_TEST_TIMEOUT_MS,
  }, () => {
    let runs = 0;
    let accepted = 0;
    let acceptedBuilt = 0;
    const check = (input: string) => {
      runs++;
      const outcome = fuzzParse(input, () => parse(input));
      if (!outcome.ok) {
        if (outcome.error.name !== "UsageError") throw new FuzzFinding(`${outcome.error.name} for ${input}`);
        return;
      }
      accepted++;
      const p = outcome.value;
      const text = formatPlatform(p);
      const again = fuzzParse(text, () => parse(text));
      if (!again.ok)
        throw new FuzzFinding(`${JSON.stringify(input)} formats to ${text}, which does not parse`);
      // The `:version` suffix reads into the same field the parentheses do, so the formatted text is equal as a value.
      if (!isDeepStrictEqual(again.value, p))
        throw new FuzzFinding(`${JSON.stringify(input)} → ${text} → another platform`);
      const n = normalizePlatform(p);
      if (!isDeepStrictEqual(normalizePlatform(n), n))
        throw new FuzzFinding(`normalising ${text} twice changes it`);
      if (!matchPlatform(p, p, { strict: true })) throw new FuzzFinding(`${text} does not match itself`);
    };
    const share = Math.ceil(FUZZ_RUNS / 4);
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 60 }), check), { numRuns: share });
    fc.assert(
      fc.property(specifier, (input) => {
        const before = accepted;
        check(input);
        acceptedBuilt += accepted - before;
      }),
      { numRuns: share },
    );
    fc.assert(fc.property(corrupted, check), { numRuns: share });
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(..."()+/%:.-_aZ09 \t*".split("")), maxLength: 40 }),
        check,
      ),
      { numRuns: share },
    );
    expect(runs).toBe(share * 4);
    // The grammar-built inputs must mostly be valid, or they would test only the first check that refuses.
    expect(acceptedBuilt).toBeGreaterThan(share / 3);
  });

  it("formats any platform value into text that parses back to it", { timeout: FUZZ_TEST_TIMEOUT_MS }, () => {
    let runs = 0;
    fc.assert(
      fc.property(platformValue, (p) => {
        runs++;
        const text = formatPlatform(p);
        const outcome = fuzzParse(text, () => parse(text));
        // Only values the grammar cannot hold (an OS or architecture with characters outside it) may be refused.
        if (!outcome.ok) return;
        const features = (p["os.features"] ?? []).filter((f) => f !== "");
        if (
          outcome.value["os.version"] !== (p["os.version"] || undefined) ||
          !isDeepStrictEqual(outcome.value["os.features"], features.length ? features : undefined)
        )
          throw new FuzzFinding(`${JSON.stringify(p)} → ${text} loses its OS version or features`);
      }),
      { numRuns: 20_000 },
    );
    expect(runs).toBe(20_000);
  });

  it("never takes long on the inputs containerd benchmarks (a 64 KiB '+' chain, a long feature)", () => {
    for (const input of [
      `linux(${"+".repeat(64 * 1024)})/amd64`,
      `linux(+CONFIG_${"FOO=y_".repeat(16 * 1024)}BAR)/amd64`,
      `linux(+${"feature+".repeat(16 * 1024)}x)/amd64`,
      `linux(${"%".repeat(64 * 1024)})/amd64`,
    ]) {
      expect(fuzzParse(input, () => parse(input), 100)).toBeDefined();
    }
  });
});
