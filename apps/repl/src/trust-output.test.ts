/**
 * Issue 10, items 3, 4 and 16 in the REPL: what it prints of a registry is escaped, what a server echoes of the
 * client's secrets is scrubbed, and a refused request suggests `.login` in words that fit what was sent.
 */
import {
  AuthenticationError,
  AuthorizationError,
  errorFromResponse,
  RegattaError,
  type SecretSet,
} from "@regatta/client";
import { startHostileRegistry, TERMINAL_PAYLOADS } from "@regatta/testkit";
import pc from "picocolors";
import { describe, expect, it } from "vitest";
import { errorLine, replAccessHint } from "./error-line.js";
import { present } from "./present.js";
import { ReplSession } from "./session.js";

const plain = pc.createColors(false);
const colors = pc.createColors(true);
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
/** Strips the styles the REPL itself draws, leaving only what came from elsewhere. */
const unstyled = (text: string) => text.replace(/\x1b\[(?:1|2|4|22|24|3[1-6]|39|90)m/g, "");

describe("the REPL escapes what a registry supplies", () => {
  const tags = TERMINAL_PAYLOADS.map((p, i) => `p${i}${p}`);
  it.each([
    ["a tag list", { name: "x", tags }],
    ["a catalog page", { repositories: tags.map((t) => `repo/${t}`) }],
    ["a list of strings", tags],
    ["an object", { labels: Object.fromEntries(tags.map((t, i) => [`l${i}`, t])) }],
  ])("%s", (_, value) => {
    for (const c of [plain, colors]) {
      const out = present(value, { colors: c, useColors: c === colors, width: 80 });
      expect(unstyled(out)).not.toMatch(CONTROL);
      expect(out).toMatch(/\\u001b|\\u009b|\\u202e/);
    }
  });

  it("error messages and their registry errors, verbose or not", () => {
    const error = errorFromResponse({
      method: "GET",
      url: "http://r.example/v2/x/manifests/fail",
      status: 400,
      body: JSON.stringify({ errors: tags.map((t) => ({ code: "MANIFEST_INVALID", message: t })) }),
    });
    for (const verbose of [false, true]) {
      const out = errorLine(error, verbose, colors);
      expect(unstyled(out)).not.toMatch(CONTROL);
      // One line per registry error with -v: a newline in a message cannot forge a line.
      expect(out.split("\n").length).toBe(verbose ? 2 + tags.length : 1);
    }
  });

  it("a message with a newline stays on its line", () => {
    const out = errorLine(new RegattaError("bad\n✖ forged line"), false, plain);
    expect(out.split("\n")).toHaveLength(1);
  });
});

describe("the REPL's hints suggest .login in words that fit", () => {
  const R = "r.example";
  it.each([
    [
      { registry: R, repository: "a", operation: "pull", credentials: "none" },
      401,
      `no credentials were sent to ${R}: .login USER to pull from a`,
    ],
    [
      { registry: R, operation: "catalog", credentials: "none" },
      401,
      "needs an account allowed to list it: .login USER",
    ],
    [
      { registry: R, repository: "a", operation: "push", credentials: "basic", username: "me" },
      403,
      "the credentials of me may not push to a: .login as another user",
    ],
    [
      { registry: R, repository: "a", operation: "delete", credentials: "bearer", username: "me" },
      403,
      "may not delete in a",
    ],
    [
      { registry: R, repository: "a", operation: "pull", credentials: "basic", username: "me" },
      401,
      `${R} refused the credentials of me: .login again`,
    ],
    [
      { registry: R, operation: "catalog", credentials: "bearer" },
      403,
      "may not list the catalog of r.example (often for administrators only)",
    ],
  ] as const)("%j %i", (access, status, expected) => {
    expect(replAccessHint(access, status)).toContain(expected);
    const error = new (status === 401 ? AuthenticationError : AuthorizationError)("refused", {
      status,
      access,
    });
    expect(errorLine(error, false, plain)).toContain(expected);
    expect(errorLine(error, false, plain)).not.toContain("docker login");
    // reg on the same registry: .login is the way.
    expect(replAccessHint(access, status, R)).toContain(expected);
  });

  it("a 403 from a registry that never challenged offers no .login: it would not be sent either", () => {
    const access = {
      registry: R,
      repository: "a",
      operation: "push",
      credentials: "none",
      unchallenged: true,
    } as const;
    for (const current of [undefined, R, "home.example"]) {
      const hint = replAccessHint(access, 403, current);
      expect(hint).not.toMatch(/\.login|\.connect|no credentials were sent/);
      expect(hint).toContain("without ever asking for credentials (no 401 challenge)");
    }
  });

  it("a 403 whose message gives another reason (quota, size…) offers no .login (QA LOW #2)", () => {
    for (const credentials of ["none", "basic"] as const) {
      const access = {
        registry: R,
        repository: "a",
        operation: "push",
        credentials,
        otherReason: true,
      } as const;
      for (const current of [undefined, R, "home.example"]) {
        const hint = replAccessHint(access, 403, current);
        expect(hint).not.toMatch(/\.login|\.connect|no credentials were sent|may not/);
        expect(hint).toContain("not about credentials");
      }
    }
  });

  it.each([
    [{ registry: R, repository: "a", operation: "pull", credentials: "none" }, 401],
    [{ registry: R, repository: "a", operation: "push", credentials: "basic", username: "me" }, 401],
    [{ registry: R, repository: "a", operation: "push", credentials: "basic", username: "me" }, 403],
  ] as const)(
    "for another registry than reg's (%j %i), .connect comes first: .login alone logs in to reg's",
    (access, status) => {
      const hint = replAccessHint(access, status, "home.example");
      expect(hint).toContain(`.connect ${R} then .login `);
      expect(hint).toContain(`connect("${R}", { username, password })`);
      const error = new (status === 401 ? AuthenticationError : AuthorizationError)("refused", {
        status,
        access,
      });
      expect(errorLine(error, false, plain, "home.example")).toContain(`.connect ${R} then .login`);
    },
  );
});

describe("the REPL scrubs what its clients sent", () => {
  it("a token echoed into a result is not shown", async () => {
    const registry = await startHostileRegistry({ behaviour: "escapes" });
    try {
      const session = new ReplSession(registry.url, {}, false, () => {});
      const client = session.open(registry.url);
      // What the authenticator would have added after a token exchange.
      const token = "issued-Token-1234567890";
      (client.ctx.transport.secrets as SecretSet).add(token);
      const out = session.redact(
        present({ annotation: `echo ${token}` }, { colors: plain, useColors: false, width: 80 }),
      );
      expect(out).not.toContain(token);
      expect(out).toContain("echo REDACTED");
      await session.close();
    } finally {
      await registry.close();
    }
  });
});
