import pc from "picocolors";
import { describe, expect, it } from "vitest";
import { colorJson } from "./color-json.js";

describe("colorJson", () => {
  it("is JSON.stringify(…, 2) when colours are off", () => {
    const value = { a: "x:y", b: [1, -2.5e3, true, null], 'c"d': { e: "\\" } };
    expect(colorJson(value, pc.createColors(false))).toBe(JSON.stringify(value, null, 2));
  });

  it("colours keys, strings, numbers and literals apart", () => {
    const c = pc.createColors(true);
    const out = colorJson({ size: 2, ok: true, name: "n" }, c);
    expect(out).toContain(c.blue(c.bold('"size"')));
    expect(out).toContain(c.cyan("2"));
    expect(out).toContain(c.magenta("true"));
    expect(out).toContain(c.green('"n"'));
  });
});
