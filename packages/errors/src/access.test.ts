import { describe, expect, it } from "vitest";
import { accessOperation, errorFromResponse } from "./index.js";

const repo = (actions: string[]) => [{ type: "repository", name: "team/api", actions }];

describe("accessOperation", () => {
  it.each([
    ["GET", repo(["pull"]), "pull"],
    ["HEAD", repo(["pull"]), "pull"],
    ["POST", repo(["pull", "push"]), "push"],
    ["PUT", repo(["pull", "push"]), "push"],
    ["DELETE", repo(["delete"]), "delete"],
    ["GET", [{ type: "registry", name: "catalog", actions: ["*"] }], "catalog"],
    // A token POST with a pull scope is a pull, whatever its method.
    ["POST", repo(["pull"]), "pull"],
    ["GET", [], "check"],
    ["DELETE", [], "delete"],
  ] as const)("%s %j is %s", (method, scopes, expected) => {
    expect(accessOperation(method, scopes)).toBe(expected);
  });
});

describe("errorFromResponse: the hint fits what was sent (issue 10, item 16)", () => {
  const refused = (status: number, credentials: "none" | "basic" | "bearer", scopes = repo(["pull"])) =>
    errorFromResponse({
      method: "GET",
      url: "https://r.example/v2/team/api/tags/list",
      status,
      body: "",
      ...(status === 401 ? { challenge: 'Bearer realm="x",error="insufficient_scope"' } : {}),
      auth: {
        registry: "r.example",
        scopes,
        credentials,
        ...(credentials !== "none" ? { username: "me" } : {}),
      },
    });

  it("an anonymous token refused a scope: no credentials were sent, not 'these credentials'", () => {
    const error = refused(401, "none");
    expect(error.hint).toContain("no credentials were sent");
    expect(error.hint).not.toMatch(/these credentials/);
    expect(error.access).toMatchObject({ credentials: "none", operation: "pull", insufficientScope: true });
  });

  it("a catalog refused with credentials talks about the catalog", () => {
    const error = refused(403, "bearer", [{ type: "registry", name: "catalog", actions: ["*"] }]);
    expect(error.hint).toContain("may not list the catalog of r.example");
  });

  it("a push refused with credentials names the push and the user", () => {
    const error = refused(403, "basic", repo(["pull", "push"]));
    expect(error.hint).toBe("the credentials of me are valid but may not push to team/api");
    expect(error.summary).not.toContain(error.hint);
    expect(error.message).toBe(`${error.summary} (${error.hint})`);
  });

  describe("a 403 whose message gives a reason other than credentials is not told to log in (QA LOW #2)", () => {
    const denied = (
      message: string | undefined,
      credentials: "none" | "basic",
      scopes = repo(["pull", "push"]),
    ) =>
      errorFromResponse({
        method: "PUT",
        url: "https://r.example/v2/team/api/manifests/1",
        status: 403,
        body: JSON.stringify({ errors: [{ code: "DENIED", ...(message === undefined ? {} : { message }) }] }),
        auth: {
          registry: "r.example",
          scopes,
          credentials,
          ...(credentials !== "none" ? { username: "me" } : {}),
        },
      });

    it.each([
      "quota exceeded",
      "storage quota exceeded for namespace team",
      "pull rate limit reached",
      "too many requests",
      "tag retention policy forbids overwriting 1",
      "manifest size too large",
      "blob exceeds the maximum size",
      "repository is read-only",
      "disk full: no space left",
      "tag 1 is immutable",
      "registry under maintenance",
    ])("%s: the hint names no credentials as the fix, anonymous or not", (message) => {
      for (const credentials of ["none", "basic"] as const) {
        const error = denied(message, credentials);
        expect(error.access?.otherReason).toBe(true);
        expect(error.hint).not.toMatch(/no credentials were sent|log in|credentials of me|lack permission/);
        expect(error.hint).toContain("not about credentials");
      }
    });

    it.each([
      "requested access to the resource is denied",
      "access denied",
      "denied",
      "insufficient permissions to push to team/api",
      "not authorized",
      "",
      undefined,
    ])("%j: still the credentials hint", (message) => {
      const anonymous = denied(message, "none");
      expect(anonymous.access?.otherReason).toBeUndefined();
      expect(anonymous.hint).toContain("no credentials were sent");
      expect(denied(message, "basic").hint).toContain("the credentials of me");
    });

    it("a 403 without facts keeps no credential claim for a reason of the registry's own", () => {
      const error = errorFromResponse({
        method: "GET",
        url: "https://r.example/v2/team/api/tags/list",
        status: 403,
        body: JSON.stringify({ errors: [{ code: "DENIED", message: "quota exceeded" }] }),
      });
      expect(error.hint).not.toMatch(/credentials are valid|lack permission/);
    });
  });

  it("errors without facts keep the status hints", () => {
    const error = errorFromResponse({ method: "GET", url: "https://r.example/v2/", status: 429 });
    expect(error.access).toBeUndefined();
    expect(error.hint).toContain("rate limit");
  });
});
