import { NotFoundError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { causeLines, oneLine, registryErrorLines } from "./error-lines.js";

describe("error lines", () => {
  const error = new NotFoundError("get manifest x: 404", {
    status: 404,
    request: { method: "GET", url: "https://r/v2/x/manifests/1" },
    errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest\nunknown" }],
    cause: new Error("socket said no", { cause: new Error("reset") }),
  });

  it("keeps a registry's newline from forging a line", () => {
    expect(oneLine("a\r\nb\nc")).toBe("a\\nb\\nc");
    // A 100 000-character flag value is not echoed whole: the middle is left out and counted.
    const long = oneLine(`--include ${"x".repeat(100_000)} end`);
    expect(long.length).toBeLessThan(2100);
    expect(long).toMatch(/^--include x+…\(98014 characters left out\)…x+ end$/);
  });

  it("lists the code and status, the request and the registry's errors", () => {
    expect(registryErrorLines(error, true)).toEqual([
      "  code: MANIFEST_UNKNOWN, status: 404",
      "  request: GET https://r/v2/x/manifests/1",
      "  registry error: MANIFEST_UNKNOWN: manifest\\nunknown",
    ]);
    expect(registryErrorLines(error, false)[0]).toBe("  request: GET https://r/v2/x/manifests/1");
  });

  it("follows causes, eight deep at most", () => {
    expect(causeLines(error)).toEqual(["  caused by: socket said no", "  caused by: reset"]);
    const loop = new Error("loop");
    (loop as { cause?: unknown }).cause = loop;
    expect(causeLines(loop)).toHaveLength(8);
  });
});
