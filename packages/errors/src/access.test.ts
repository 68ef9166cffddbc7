import { describe, expect, it } from "vitest";
import { accessOperation, errorFromResponse, SecretSet } from "./index.js";

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

    it.each([
      "your credentials are not allowed to exceed the quota of this project; log in with an account that has access",
      "storage quota exceeded: log in to raise it",
      "quota exceeded for this token",
      "rate limit: authenticate for a higher one",
      "repository is read-only for your account",
      "insufficient permissions: size limit applies",
      "not authorized to exceed the quota",
    ])("%s: a reason that also speaks of credentials keeps the credentials hint", (message) => {
      const anonymous = denied(message, "none");
      expect(anonymous.access?.otherReason).toBeUndefined();
      expect(anonymous.hint).toContain("no credentials were sent");
      expect(denied(message, "basic").hint).toContain("the credentials of me");
      // The registry's own words are in the message anyway.
      expect(anonymous.message).toContain(message);
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

  describe("a body in plain text is shown after the status, and read for a reason (QA: it was dropped)", () => {
    const plain = (body: string, contentType?: string, secrets?: SecretSet) =>
      errorFromResponse({
        method: "PUT",
        url: "https://r.example/v2/team/api/manifests/1",
        status: 403,
        body,
        ...(contentType ? { contentType } : {}),
        ...(secrets ? { secrets } : {}),
        auth: { registry: "r.example", scopes: repo(["pull", "push"]), credentials: "none" },
      });

    it.each([["text/plain; charset=utf-8"], ["TEXT/PLAIN"], [undefined]])(
      "%s: the text follows the status, and a quota is not about credentials",
      (contentType) => {
        const error = plain("storage quota exceeded for namespace\n", contentType);
        expect(error.summary).toBe(
          "403 Forbidden: storage quota exceeded for namespace (PUT https://r.example/v2/team/api/manifests/1)",
        );
        expect(error.access?.otherReason).toBe(true);
        expect(error.hint).not.toContain("no credentials were sent");
        expect(error.errors).toEqual([]);
      },
    );

    it("a text that speaks of credentials keeps their hint", () => {
      const error = plain("access denied: log in to push");
      expect(error.summary).toContain("403 Forbidden: access denied: log in to push");
      expect(error.hint).toContain("no credentials were sent");
    });

    it("is scrubbed of the secrets sent, escaped, on one line and capped", () => {
      const secrets = new SecretSet().add("hunter2-secret-value");
      const error = plain(
        `bad \x1b[31mred\x1b[0m\nline two hunter2-secret-value ${"x".repeat(400)}`,
        "text/plain",
        secrets,
      );
      expect(error.summary).not.toContain("hunter2-secret-value");
      expect(error.summary).not.toContain("\x1b");
      expect(error.summary).toContain("bad \\u001b[31mred\\u001b[0m line two");
      expect(error.summary).not.toContain("\n");
      expect(error.summary).toMatch(/x… \(PUT /);
      expect(error.summary.length).toBeLessThan(450);
    });

    it.each([
      ["<html><body>quota exceeded</body></html>", "text/html"],
      ["<html><body>quota exceeded</body></html>", undefined],
      ["quota exceeded", "text/html; charset=utf-8"],
      ['{"detail":"quota exceeded"}', "application/json"],
      ['{"detail":"quota exceeded"}', undefined],
      ["   ", "text/plain"],
    ])("%j (%s): a page or JSON of another shape says nothing", (body, contentType) => {
      const error = plain(body, contentType);
      expect(error.summary).toBe("403 Forbidden (PUT https://r.example/v2/team/api/manifests/1)");
      expect(error.access?.otherReason).toBeUndefined();
    });
  });

  describe("a refusal from a registry that never asked for credentials (no 401 challenge)", () => {
    const unasked = (credentials: "none" | "basic", unchallenged: boolean) =>
      errorFromResponse({
        method: "PUT",
        url: "https://r.example/v2/team/api/manifests/1",
        status: 403,
        auth: {
          registry: "r.example",
          scopes: repo(["pull", "push"]),
          credentials,
          ...(unchallenged ? { unchallenged } : {}),
        },
      });

    it("says the registry never asked, not to log in", () => {
      const error = unasked("none", true);
      expect(error.access?.unchallenged).toBe(true);
      expect(error.hint).toBe(
        "r.example refused to push to team/api without ever asking for credentials (no 401 challenge), so none were sent",
      );
    });

    it("credentials that went are not 'unchallenged'; a challenged anonymous request still hints a login", () => {
      expect(unasked("basic", true).access?.unchallenged).toBeUndefined();
      expect(unasked("none", false).hint).toContain("no credentials were sent; log in to r.example");
    });
  });

  it("errors without facts keep the status hints", () => {
    const error = errorFromResponse({ method: "GET", url: "https://r.example/v2/", status: 429 });
    expect(error.access).toBeUndefined();
    expect(error.hint).toContain("rate limit");
  });
});
