import { runInNewContext } from "node:vm";
import { NotFoundError, UsageError } from "@regatta/client";
import pc from "picocolors";
import { describe, expect, it } from "vitest";
import { colorJson, columns, errorLine } from "./format.js";

const plain = pc.createColors(false);

describe("columns", () => {
  it.each([
    [["a", "b", "c"], 80, "  a  b  c"],
    // Column-major, as ls: down, then across.
    [["1.0", "1.1", "1.2", "2.0", "2.1"], 16, "  1.0  2.0\n  1.1  2.1\n  1.2"],
    [["a-very-long-tag"], 10, "  a-very-long-tag"],
    [[], 80, ""],
  ])("%j in %i columns", (words, width, expected) => {
    expect(columns(words, width)).toBe(expected);
  });
});

describe("colorJson", () => {
  it("is JSON.stringify(…, 2) when colours are off", () => {
    const value = { a: "x:y", b: [1, -2.5e3, true, null], 'c"d': { e: "\\" } };
    expect(colorJson(value, plain)).toBe(JSON.stringify(value, null, 2));
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

describe("errorLine", () => {
  it("adds the code only when the message does not say it already", () => {
    expect(errorLine(new UsageError("bad input"), false, plain)).toBe("✖ bad input (USAGE)");
    const registry = new NotFoundError("list tags of x: 404 NAME_UNKNOWN: unknown", { status: 404 });
    expect(errorLine(registry, false, plain)).toBe("✖ list tags of x: 404 NAME_UNKNOWN: unknown");
  });

  it("names other errors, also those thrown inside the REPL's context (another realm)", () => {
    const foreign = runInNewContext("(() => { try { nope } catch (e) { return e } })()");
    expect(foreign instanceof Error).toBe(false);
    expect(errorLine(foreign, false, plain)).toBe("✖ ReferenceError: nope is not defined");
    expect(errorLine("a string", false, plain)).toBe("✖ thrown: a string");
  });

  it("with verbose, adds the request, the registry errors and the causes", () => {
    const error = new NotFoundError("get manifest x: 404", {
      request: { method: "GET", url: "https://r/v2/x/manifests/1" },
      errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }],
      cause: new Error("socket said no"),
    });
    expect(errorLine(error, true, plain).split("\n")).toEqual([
      "✖ get manifest x: 404 (MANIFEST_UNKNOWN)",
      "  request: GET https://r/v2/x/manifests/1",
      "  registry error: MANIFEST_UNKNOWN: manifest unknown",
      "  caused by: socket said no",
    ]);
  });
});
