/**
 * template.ts under arbitrary input: whatever the template and whatever the JSON document, compiling and rendering
 * either succeed with a string or throw a TemplateError whose position is inside the template. Nothing else.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sprintf } from "./go-fmt.js";
import { compileTemplate, TemplateError } from "./template.js";

/** Pieces templates are made of, so that the fuzzer reaches the parser's deep paths, not only its first error. */
const piece = fc.constantFrom(
  "{{",
  "}}",
  "{{-",
  "-}}",
  " ",
  ".",
  ".Config",
  ".Env",
  "$",
  "$k",
  "$v",
  "$k, $v :=",
  "$v :=",
  "range",
  "if",
  "else",
  "end",
  "with",
  "index",
  "json",
  "join",
  "len",
  "split",
  "eq",
  "not",
  "println",
  "upper",
  "|",
  "(",
  ")",
  '"a"',
  '"\\',
  "`x`",
  "0",
  "-1",
  "1.5",
  "true",
  "nil",
  "/*",
  "*/",
  "\\n",
  "\n",
  "x",
);
const template = fc.oneof(
  fc.string(),
  fc.array(piece, { maxLength: 40 }).map((p) => p.join("")),
);

/** Pieces of printf formats: flags, widths, argument indexes, `*`, verbs known and unknown. */
const formatPiece = fc.constantFrom(
  ..."% %% %[1] [2] [0] [9 ] * . .* 3 0 -1 + # x é 😀 \n".split(" "),
  ..."v s q d b o O x X c U e E f F g G t T ! y".split(" ").map((verb) => `%${verb}`),
);
const formatValueArb = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.integer({ min: -0x200000, max: 0x200000 }),
  fc.constantFrom(2 ** 53, -(2 ** 60), 1e21, 1e-7, 0.5, -0),
);

function outcome(source: string, data: unknown): string | TemplateError {
  try {
    return compileTemplate(source).render(data);
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
}

describe("template fuzz", () => {
  it("returns a string or throws a TemplateError positioned inside the template", () => {
    fc.assert(
      fc.property(template, fc.jsonValue({ maxDepth: 4 }), (source, data) => {
        const got = outcome(source, data);
        if (typeof got === "string") return;
        expect(got.offset).toBeGreaterThanOrEqual(0);
        expect(got.offset).toBeLessThanOrEqual(source.length);
        expect(got.message).toMatch(/^bad template at (line \d+ )?column \d+: \S/);
        expect(got.message).not.toContain("\n");
      }),
      { numRuns: 3000 },
    );
  });

  it("printf: whatever the format and the values, a string or one line of error, never another exception", () => {
    class Refused extends Error {}
    fc.assert(
      fc.property(
        fc.array(formatPiece, { maxLength: 12 }).map((p) => p.join("")),
        fc.array(formatValueArb, { maxLength: 4 }),
        (format, values) => {
          try {
            expect(
              typeof sprintf(format, values, (m) => {
                throw new Refused(m);
              }),
            ).toBe("string");
          } catch (error) {
            if (!(error instanceof Refused)) throw error;
            expect(error.message).toMatch(/^printf: \S/);
            expect(error.message).not.toMatch(/\p{Cc}/u);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("renders the same document the same way twice (no state kept between renders)", () => {
    fc.assert(
      fc.property(template, fc.jsonValue({ maxDepth: 3 }), (source, data) => {
        const first = outcome(source, data);
        const second = outcome(source, data);
        expect(typeof first === "string" ? first : first.message).toBe(
          typeof second === "string" ? second : second.message,
        );
      }),
      { numRuns: 500 },
    );
  });
});
