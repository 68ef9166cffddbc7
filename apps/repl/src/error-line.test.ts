import { runInNewContext } from "node:vm";
import { errorFromResponse, NotFoundError, UsageError } from "@regatta/client";
import pc from "picocolors";
import { describe, expect, it } from "vitest";
import { errorLine } from "./error-line.js";

const plain = pc.createColors(false);

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

  it("a refusal of a request whose credentials the origin rules withheld says so, and offers no .login", () => {
    const error = errorFromResponse({
      method: "GET",
      url: "http://127.0.0.1:5710/v2/base/img/blobs/back",
      status: 401,
      auth: {
        registry: "127.0.0.1:5710",
        scopes: [{ type: "repository", name: "base/img", actions: ["pull"] }],
        credentials: "none",
        withheldAfter: "127.0.0.2:5711",
      },
    });
    const line = errorLine(error, false, plain, "127.0.0.1:5710");
    expect(line).toContain(
      "(credentials are not sent on a request that came back from another host (127.0.0.2:5711, where 127.0.0.1:5710 sent it): a registry that needs credentials must keep its redirects and upload Locations on its own host)",
    );
    expect(line).not.toContain(".login");
  });
});
