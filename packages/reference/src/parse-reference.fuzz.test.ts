import { createHash } from "node:crypto";
import { FUZZ_RUNS, FUZZ_TEST_TIMEOUT_MS, FuzzFinding, fuzzParse } from "@regatta/testkit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseReference, parseRepository, type Reference } from "./index.js";

/**
 * Fuzzing of the reference parser (issue 10): arbitrary text, and references built from distribution's grammar
 * (https://github.com/distribution/reference/blob/main/reference.go) with a character inserted, removed or replaced.
 * Only InvalidReferenceError or InvalidDigestError, never a crash or a slow input; what parses round-trips through
 * `toString()` and `familiar()`, and its parts follow the grammar.
 */

const ALLOWED = new Set(["InvalidReferenceError", "InvalidDigestError"]);
const chars = (set: string, min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...set.split("")), minLength: min, maxLength: max });
const LOWER = "abcdefghijklmnopqrstuvwxyz0123456789";

const label = chars(`${LOWER}-`, 1, 10);
const registry = fc.oneof(
  fc.constantFrom(
    "docker.io",
    "index.docker.io",
    "registry-1.docker.io",
    "ghcr.io",
    "localhost",
    "localhost:5000",
    "127.0.0.1:5000",
    "[::1]:5000",
    "[fe80::1%25eth0]",
    "Registry.Example.COM",
    "example.com:65536",
    "example.com:0",
  ),
  fc
    .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.option(fc.nat(70000), { nil: undefined }))
    .map(([labels, port]) => labels.join(".") + (port === undefined ? "" : `:${port}`)),
);
const separator = fc.constantFrom(".", "_", "__", "-", "--", "---", "..", "___");
const component = fc
  .tuple(chars(LOWER, 1, 8), fc.array(fc.tuple(separator, chars(LOWER, 1, 6)), { maxLength: 2 }))
  .map(([head, rest]) => head + rest.map(([s, c]) => s + c).join(""));
const path = fc.array(component, { minLength: 1, maxLength: 4 }).map((c) => c.join("/"));
const tag = fc.oneof(
  chars(`${LOWER}ABCXYZ_.-`, 1, 20),
  fc.constantFrom("latest", "3.20", "v1.0.0-rc.1", "_x", ".x", "-x", "a".repeat(128), "a".repeat(129)),
);
const hex = (algorithm: "sha256" | "sha512") =>
  fc.nat().map((n) => createHash(algorithm).update(String(n)).digest("hex"));
const digest = fc.oneof(
  hex("sha256").map((h) => `sha256:${h}`),
  hex("sha512").map((h) => `sha512:${h}`),
  fc.constantFrom("sha256:abc", "SHA256:00", "md5:d41d8cd98f00b204e9800998ecf8427e", "sha256:", ":"),
);
const built = fc
  .tuple(
    fc.option(registry, { nil: undefined }),
    path,
    fc.option(tag, { nil: undefined }),
    fc.option(digest, { nil: undefined }),
  )
  .map(
    ([r, p, t, d]) =>
      (r === undefined ? "" : `${r}/`) +
      p +
      (t === undefined ? "" : `:${t}`) +
      (d === undefined ? "" : `@${d}`),
  );
const corrupted = fc
  .tuple(built, fc.nat(), fc.string({ unit: "binary", maxLength: 2 }), fc.boolean())
  .map(([s, at, insert, del]) => {
    const i = at % (s.length + 1);
    return s.slice(0, i) + insert + s.slice(del ? i + 1 : i);
  });

let runs = 0;
let acceptedBuilt = 0;
function check(input: string): Reference | undefined {
  runs++;
  const outcome = fuzzParse(input, () => parseReference(input));
  if (!outcome.ok) {
    if (!ALLOWED.has(outcome.error.name))
      throw new FuzzFinding(`${outcome.error.name} for ${JSON.stringify(input)}`);
    return undefined;
  }
  const ref = outcome.value;
  const text = ref.toString();
  for (const form of [text, ref.familiar()]) {
    const again = fuzzParse(form, () => parseReference(form));
    if (!again.ok || again.value.toString() !== text)
      throw new FuzzFinding(
        `${JSON.stringify(input)} → ${JSON.stringify(form)} does not parse back to ${text}`,
      );
  }
  // The parts follow distribution's grammar, whatever path the input took.
  if (
    !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(
      ref.repository,
    )
  )
    throw new FuzzFinding(`accepted repository ${ref.repository} from ${JSON.stringify(input)}`);
  if (ref.repository.length > 255) throw new FuzzFinding(`accepted a repository of ${ref.repository.length}`);
  if (ref.tag !== undefined && !/^[\w][\w.-]{0,127}$/.test(ref.tag))
    throw new FuzzFinding(`accepted tag ${ref.tag} from ${JSON.stringify(input)}`);
  return ref;
}

describe("parseReference fuzz", () => {
  it(`answers ${FUZZ_RUNS} inputs with a reference that round-trips or a typed error`, {
    timeout: FUZZ_TEST_TIMEOUT_MS,
  }, () => {
    runs = 0;
    acceptedBuilt = 0;
    const share = Math.ceil(FUZZ_RUNS / 4);
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), (i) => void check(i)),
      { numRuns: share },
    );
    fc.assert(
      fc.property(built, (input) => {
        if (check(input)) acceptedBuilt++;
      }),
      { numRuns: share },
    );
    fc.assert(
      fc.property(corrupted, (i) => void check(i)),
      { numRuns: share },
    );
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(..."aZ0:/@._-[]%".split("")), maxLength: 40 }),
        (i) => void check(i),
      ),
      { numRuns: share },
    );
    expect(runs).toBe(share * 4);
    expect(acceptedBuilt).toBeGreaterThan(share / 4);
  });

  it("parseRepository answers arbitrary text with a repository or a typed error", () => {
    let n = 0;
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 60 }), built), (input) => {
        n++;
        const outcome = fuzzParse(input, () => parseRepository(input));
        if (!outcome.ok && !ALLOWED.has(outcome.error.name)) throw new FuzzFinding(outcome.error.name);
      }),
      { numRuns: 10_000 },
    );
    expect(n).toBe(10_000);
  });

  it("long inputs are answered quickly", () => {
    for (const input of [
      "a".repeat(100_000),
      `${"a/".repeat(50_000)}a`,
      `a${"-".repeat(100_000)}b`,
      `a${"._".repeat(50_000)}`,
      `localhost:${"9".repeat(100_000)}/a`,
      `a:${"b".repeat(100_000)}`,
      `a@sha256:${"a".repeat(100_000)}`,
      `${"[".repeat(10_000)}::1]/a`,
    ]) {
      expect(fuzzParse(input.slice(0, 40), () => parseReference(input), 100)).toBeDefined();
    }
  });
});
