import { FUZZ_RUNS, FUZZ_TEST_TIMEOUT_MS, FuzzFinding, fuzzParse } from "@regatta/testkit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Challenge, parseWwwAuthenticate } from "./parse-www-authenticate.js";

/**
 * Fuzzing of the `WWW-Authenticate` parser (issue 10): arbitrary header text, and headers built from RFC 7235's
 * grammar (several challenges, token and quoted values with escapes, token68, odd whitespace and empty list elements),
 * with a character inserted, removed or replaced. Only ProtocolError, never a crash or a slow input; a header written
 * from parsed challenges parses back to the same challenges.
 */

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const token = fc.string({ unit: fc.constantFrom(...TCHARS.split("")), minLength: 1, maxLength: 10 });
const scheme = fc.oneof(fc.constantFrom("Bearer", "Basic", "bearer", "Negotiate", "Digest"), token);
/** Text a quoted-string may hold: printable ASCII, tab, space, obs-text, with `"` and `\` escaped when written. */
const quotable = fc.string({
  unit: fc.oneof(
    { weight: 20, arbitrary: fc.constantFrom(...'abc XYZ09:/.,=;"\\\t'.split("")) },
    { weight: 1, arbitrary: fc.constantFrom("é", "\u00ff", "日") },
  ),
  maxLength: 16,
});
const paramName = fc.oneof(
  fc.constantFrom("realm", "service", "scope", "error", "Realm", "__proto__"),
  token,
);
const challenge = fc.oneof(
  fc.record({
    scheme,
    params: fc.uniqueArray(fc.tuple(paramName, fc.oneof(token, quotable), fc.boolean()), {
      maxLength: 4,
      selector: ([name]) => name.toLowerCase(),
    }),
  }),
  fc.record({
    scheme,
    token68: fc
      .tuple(
        fc.string({ unit: fc.constantFrom(..."abcXYZ019-._~+/".split("")), minLength: 1, maxLength: 12 }),
        fc.nat(2),
      )
      .map(([t, pad]) => t + "=".repeat(pad)),
  }),
);
/** One challenge as the arbitrary makes it. */
type ChallengeCase = typeof challenge extends fc.Arbitrary<infer T> ? T : never;
const ows = fc.constantFrom("", " ", "  ", "\t");

/** Writes challenges as a header: values quoted when they must be (or when asked to), escapes where needed. */
function write(challenges: ChallengeCase[], spaces: string[]): string {
  return challenges
    .map((c, i) => {
      const sp = spaces[i % spaces.length] ?? "";
      if ("token68" in c) return `${c.scheme} ${c.token68}`;
      const params = c.params.map(([name, value, quote]) => {
        const plain = !quote && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value);
        return `${name}${sp}=${sp}${plain ? value : `"${value.replace(/["\\]/g, "\\$&")}"`}`;
      });
      return params.length ? `${c.scheme} ${params.join(`${sp},${sp}`)}` : c.scheme;
    })
    .join(", ");
}

function expected(c: ChallengeCase): Challenge {
  if ("token68" in c) return { scheme: c.scheme.toLowerCase(), params: {}, token68: c.token68 };
  const params: Record<string, string> = Object.create(null);
  for (const [name, value] of c.params) params[name.toLowerCase()] = value;
  return { scheme: c.scheme.toLowerCase(), params };
}

const built = fc.tuple(
  fc.array(challenge, { minLength: 1, maxLength: 3 }),
  fc.array(ows, { minLength: 1, maxLength: 3 }),
);
const corrupted = fc
  .tuple(built, fc.nat(), fc.string({ unit: "binary", maxLength: 2 }), fc.boolean())
  .map(([[cs, sp], at, insert, del]) => {
    const s = write(cs, sp);
    const i = at % (s.length + 1);
    return s.slice(0, i) + insert + s.slice(del ? i + 1 : i);
  });

describe("parseWwwAuthenticate fuzz", () => {
  it(`answers ${FUZZ_RUNS} headers with challenges or a ProtocolError`, {
    timeout: FUZZ_TEST_TIMEOUT_MS,
  }, () => {
    let runs = 0;
    const check = (input: string) => {
      runs++;
      const outcome = fuzzParse(input, () => parseWwwAuthenticate(input));
      if (!outcome.ok && outcome.error.name !== "ProtocolError")
        throw new FuzzFinding(`${outcome.error.name} for ${JSON.stringify(input)}`);
      if (outcome.ok && outcome.value.length === 0)
        throw new FuzzFinding(`no challenge for ${JSON.stringify(input)}`);
    };
    const share = Math.ceil(FUZZ_RUNS / 4);
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 80 }), check), { numRuns: share });
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'Bearer realm="x\\,; \t=a'.split("")), maxLength: 40 }),
        check,
      ),
      { numRuns: share },
    );
    fc.assert(fc.property(corrupted, check), { numRuns: share });
    // Round trip: a header written from challenges parses back to them.
    fc.assert(
      fc.property(built, ([challenges, spaces]) => {
        runs++;
        const header = write(challenges, spaces);
        const outcome = fuzzParse(header, () => parseWwwAuthenticate(header));
        if (!outcome.ok) throw new FuzzFinding(`refused ${JSON.stringify(header)}: ${outcome.error.message}`);
        const want = challenges.map(expected);
        if (JSON.stringify(outcome.value) !== JSON.stringify(want))
          throw new FuzzFinding(
            `${JSON.stringify(header)} → ${JSON.stringify(outcome.value)}, not ${JSON.stringify(want)}`,
          );
      }),
      { numRuns: share },
    );
    expect(runs).toBe(share * 4);
  });

  it("long and pathological headers are answered quickly", () => {
    for (const input of [
      `Bearer realm="${"\\".repeat(100_000)}"`,
      `Bearer ${"a=b,".repeat(50_000)}`,
      `${"Bearer, ".repeat(50_000)}`,
      `Bearer ${"=".repeat(100_000)}`,
      `Bearer realm="${"x".repeat(100_000)}`,
      `${",".repeat(100_000)}`,
      `Negotiate ${"a".repeat(100_000)}${"=".repeat(100_000)} x`,
    ]) {
      expect(fuzzParse(input.slice(0, 40), () => parseWwwAuthenticate(input), 200)).toBeDefined();
    }
  });
});
