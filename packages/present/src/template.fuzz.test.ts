/**
 * template.ts under arbitrary input: whatever the template and whatever the JSON document, compiling and rendering
 * either succeed with a string or throw a TemplateError whose position is inside the template. Nothing else.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
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
