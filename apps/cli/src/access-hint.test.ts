import type { AccessFacts, AccessOperation } from "@regatta/client";
import { describe, expect, it } from "vitest";
import { type CredentialSide, cliAccessHint } from "./access-hint.js";

const R = "registry.example";
const one = (given: boolean): CredentialSide[] => [{ registry: R, flags: "-u/-p", given }];
const facts = (
  operation: AccessOperation,
  credentials: AccessFacts["credentials"],
  extra: Partial<AccessFacts> = {},
) => ({ registry: R, repository: "team/api", operation, credentials, ...extra }) satisfies AccessFacts;

const WORDS: Record<AccessOperation, string> = {
  pull: "pull from team/api",
  push: "push to team/api",
  delete: "delete in team/api",
  catalog: "list the catalog of registry.example",
  check: "use registry.example",
};

describe("cliAccessHint: what was sent × the operation × the flags of the run", () => {
  for (const operation of ["pull", "push", "delete", "catalog"] as const) {
    for (const status of [401, 403]) {
      it(`${operation}, ${status}, nothing sent: says so and names -u/-p and regatta login`, () => {
        const hint = cliAccessHint(facts(operation, "none"), status, one(false));
        expect(hint).toContain(`no credentials were sent to ${R}`);
        expect(hint).toContain("-u/-p");
        expect(hint).toContain(`run "regatta login ${R}"`);
        expect(hint).not.toContain("docker login");
        expect(hint).not.toMatch(/these credentials|credentials of/);
        if (operation === "catalog") expect(hint).toContain("catalog");
        else expect(hint).toContain(WORDS[operation]);
      });

      it(`${operation}, ${status === 401 ? "401 insufficient_scope" : status}, credentials from -u/-p`, () => {
        const extra = status === 401 ? { insufficientScope: true, username: "me" } : { username: "me" };
        const hint = cliAccessHint(facts(operation, "bearer", extra), status, one(true));
        expect(hint).toContain("the credentials of me given with -u/-p may not");
        expect(hint).toContain(WORDS[operation]);
        expect(hint).not.toContain("no credentials were sent");
        expect(hint).not.toContain("gives others");
      });

      it(`${operation}, ${status}, credentials from the docker config`, () => {
        const extra = status === 401 ? { insufficientScope: true } : {};
        const hint = cliAccessHint(facts(operation, "basic", extra), status, one(false));
        expect(hint).toContain(`for ${R} (regatta auth explain says where from)`);
        expect(hint).toContain("-u/-p gives others");
      });
    }
  }

  it("a 403 whose message gives another reason (quota, size…) names no flag or login as the fix (QA LOW #2)", () => {
    for (const credentials of ["none", "basic"] as const) {
      for (const given of [false, true]) {
        const hint = cliAccessHint(facts("push", credentials, { otherReason: true }), 403, one(given));
        expect(hint).not.toMatch(/-u\/-p|regatta login|no credentials were sent|may not/);
        expect(hint).toContain("push to team/api");
        expect(hint).toContain("not about credentials");
      }
    }
  });

  it("a registry that never challenged: -u/-p given were not sent, and neither a flag nor a login is the fix", () => {
    for (const operation of ["pull", "push", "delete"] as const) {
      const given = cliAccessHint(facts(operation, "none", { unchallenged: true }), 403, one(true));
      expect(given).toBe(
        `${R} refused to ${WORDS[operation]} without ever asking for credentials (no 401 challenge), so those given with -u/-p were not sent`,
      );
      const none = cliAccessHint(facts(operation, "none", { unchallenged: true }), 403, one(false));
      expect(none).not.toMatch(/pass -u\/-p|regatta login|no credentials were sent/);
      expect(none).toContain("so none were sent");
    }
  });

  it("credentials withheld by the origin rules: neither refused nor missing, -u/-p given were not sent", () => {
    for (const status of [401, 403]) {
      for (const operation of ["pull", "push"] as const) {
        const withheld = facts(operation, "none", { withheldAfter: "cdn.example" });
        expect(cliAccessHint(withheld, status, one(true))).toBe(
          `credentials are not sent on a request that came back from another host (cdn.example, where ${R} sent it), so those given with -u/-p were not sent: a registry that needs credentials must keep its redirects and upload Locations on its own host`,
        );
        expect(cliAccessHint(withheld, status, one(false))).not.toMatch(
          /pass -u\/-p|regatta login|no credentials were sent|refused the/,
        );
      }
    }
  });

  it("a 401 that refuses the credentials themselves says to check them", () => {
    expect(cliAccessHint(facts("pull", "basic", { username: "me" }), 401, one(true))).toBe(
      `${R} refused the credentials of me given with -u/-p: check them`,
    );
  });

  it("insufficient_scope on a pull may also mean the repository does not exist", () => {
    const hint = cliAccessHint(facts("pull", "bearer", { insufficientScope: true }), 401, one(true));
    expect(hint).toContain("the repository does not exist");
  });

  describe("a copy names the side's own flags", () => {
    const copy = (src: boolean, dst: boolean, sameRegistry = false): CredentialSide[] => [
      { registry: "src.example", repository: "a", flags: "--src-username/--src-password", given: src },
      {
        registry: sameRegistry ? "src.example" : R,
        repository: "b",
        flags: "--dest-username/--dest-password or -u/-p",
        given: dst,
      },
    ];
    it("the source needs credentials although -u was given (it applies to the target)", () => {
      const hint = cliAccessHint(
        { registry: "src.example", repository: "a", operation: "pull", credentials: "none" },
        401,
        copy(false, true),
      );
      expect(hint).toContain("--src-username/--src-password");
      expect(hint).not.toContain("-u/-p");
    });
    it("the target refuses the credentials of -u", () => {
      const hint = cliAccessHint(facts("push", "basic", { username: "ci" }), 403, copy(false, true));
      expect(hint).toContain(
        "the credentials of ci given with --dest-username/--dest-password or -u/-p may not push",
      );
    });
    it("one registry on both sides: the repository tells the side", () => {
      const sides = copy(false, true, true);
      const src = cliAccessHint(
        { registry: "src.example", repository: "a", operation: "pull", credentials: "none" },
        401,
        sides,
      );
      const dst = cliAccessHint(
        { registry: "src.example", repository: "b", operation: "push", credentials: "none" },
        401,
        sides,
      );
      expect(src).toContain("--src-username");
      expect(dst).toContain("--dest-username");
    });
  });

  it("a registry the run has no flags for is told to regatta login", () => {
    const hint = cliAccessHint(
      { registry: "other.example", operation: "pull", credentials: "none" },
      401,
      one(false),
    );
    expect(hint).toBe(
      'no credentials were sent to other.example: to pull from other.example, run "regatta login other.example"',
    );
  });
});
