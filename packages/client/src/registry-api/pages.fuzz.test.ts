import { FUZZ_RUNS, FUZZ_TEST_TIMEOUT_MS, FuzzFinding, fuzzParse } from "@regatta/testkit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nextLink, nextPage, sameOriginPageUrl } from "./pages.js";
import { decodedPath } from "./paths.js";

/**
 * Fuzzing of the `Link` header parser and the next-page origin check (issue 10): arbitrary header text, and headers
 * built from RFC 8288's shape whose targets mix same-origin paths with every way of naming another origin (other
 * hosts, ports, schemes, userinfo, `//host`, backslashes, IPv6, upper case, escapes). `nextLink` never throws;
 * `nextPage` answers a page that stays on the registry's origin or a ProtocolError; and the page it answers, passed
 * back as `next` (as callers do), is accepted and names the same URL.
 */

const REQUEST = new URL("https://registry.example:5000/v2/team/app/tags/list?n=100");
const target = fc.oneof(
  fc.constantFrom(
    "/v2/team/app/tags/list?n=100&last=b",
    "https://registry.example:5000/v2/team/app/tags/list?last=y",
    "HTTPS://REGISTRY.EXAMPLE:5000/v2/team/app/tags/list",
    "/v2/team/app/./tags/list?last=c",
    "/v2/team/%61pp/tags/list?n=1",
    "/v2/team/app/../app/tags/list?n=1",
    "/v2/team/app/tags/list/../../../../secret",
    "/v2/team/%2e%2e/secret/tags/list",
    "/v2/_catalog?last=a%2Fb&n=5",
    "v2/relative?last=x",
    "?last=x",
    "https://registry.example:5000/v2/x?last=y",
    "HTTPS://REGISTRY.EXAMPLE:5000/v2/x",
    "https://registry.example/v2/x",
    "http://registry.example:5000/v2/x",
    "https://registry.example:443/v2/x",
    "https://user:pw@registry.example:5000/v2/x",
    "https://registry.example:5000@evil.example/v2/x",
    "//evil.example/v2/x",
    "///evil.example/v2/x",
    "/\\evil.example/v2/x",
    "\\\\evil.example/v2/x",
    "https:evil.example/v2/x",
    "https://169.254.169.254/latest/meta-data",
    "http://[::ffff:a9fe:a9fe]/",
    "https://registry.example%2eevil.example/v2",
    "https://registry.example.:5000/v2/x",
    "https://registry.example:5000//evil.example/v2/x",
    "https://registry.example:5000/\\evil.example/v2/x",
    "javascript:alert(1)",
    "file:///etc/passwd",
    " /v2/x ",
    "/v2/x\t",
    "",
  ),
  fc.string({ unit: fc.constantFrom(..."/\\:@?#%.abc[]".split("")), maxLength: 24 }),
);
const rel = fc.constantFrom(
  'rel="next"',
  "rel=next",
  'rel="prev next"',
  'REL = "Next"',
  'rel="nextish"',
  'rel="prev"',
  "",
);
const link = fc
  .tuple(target, rel, fc.boolean(), fc.constantFrom("", "; type=x", '; title="a,b"'))
  .map(([t, r, angle, extra]) => `${angle ? `<${t}>` : t}${r ? `; ${r}` : ""}${extra}`);
const header = fc.array(link, { minLength: 1, maxLength: 3 }).map((links) => links.join(", "));

describe("Link header fuzz", () => {
  it(`answers ${FUZZ_RUNS} headers with a same-origin page, none, or a ProtocolError`, {
    timeout: FUZZ_TEST_TIMEOUT_MS,
  }, () => {
    let runs = 0;
    let followed = 0;
    const check = (input: string) => {
      runs++;
      const link = fuzzParse(input, () => nextLink(input));
      if (!link.ok) throw new FuzzFinding(`nextLink threw ${link.error.name} for ${JSON.stringify(input)}`);
      const outcome = fuzzParse(input, () => nextPage(input, REQUEST, "list tags"));
      if (!outcome.ok) {
        if (outcome.error.name !== "ProtocolError")
          throw new FuzzFinding(`${outcome.error.name} for ${input}`);
        return;
      }
      if (outcome.value === undefined) return;
      followed++;
      // What a caller does with it: pass it back as `next`, resolved against the registry's URL.
      const again = fuzzParse(outcome.value, () => sameOriginPageUrl(outcome.value!, REQUEST, "list tags"));
      if (!again.ok)
        throw new FuzzFinding(
          `${JSON.stringify(input)} gave page ${JSON.stringify(outcome.value)}, refused when passed back`,
        );
      if (again.value.origin !== REQUEST.origin)
        throw new FuzzFinding(`${JSON.stringify(input)} leads to ${again.value.origin}`);
      if (decodedPath(again.value) !== decodedPath(REQUEST))
        throw new FuzzFinding(`${JSON.stringify(input)} leads to ${again.value.pathname}`);
    };
    const share = Math.ceil(FUZZ_RUNS / 3);
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 80 }), check), { numRuns: share });
    fc.assert(fc.property(header, check), { numRuns: share });
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'<>;,"= relnxt/:@\\'.split("")), maxLength: 40 }),
        check,
      ),
      { numRuns: share },
    );
    expect(runs).toBe(share * 3);
    expect(followed).toBeGreaterThan(share / 20);
  });

  it("a same-origin page whose path starts with // is refused, never passed back as another host", () => {
    // Found by this fuzz: nextPage returned "//evil.example/v2/x", which resolves to https://evil.example/v2/x. It
    // leaves the listing's path, so it is refused before it is passed back at all.
    expect(() =>
      nextPage('<https://registry.example:5000//evil.example/v2/x?n=1>; rel="next"', REQUEST, "list tags"),
    ).toThrow(expect.objectContaining({ code: "NEXT_LINK_PATH" }));
    expect(() => sameOriginPageUrl("//evil.example/v2/x", REQUEST, "list tags")).toThrow(
      expect.objectContaining({ code: "FOREIGN_NEXT_LINK" }),
    );
  });

  it("long and pathological headers are answered quickly", () => {
    for (const input of [
      `${"<".repeat(100_000)}/v2/x>; rel="next"`,
      `</v2/x>; ${'rel="next";'.repeat(20_000)}`,
      `${'"'.repeat(100_000)}`,
      `${"</a>; rel=prev, ".repeat(20_000)}</v2/x>; rel=next`,
      `</v2/x>; rel="${" ".repeat(100_000)}next"`,
    ]) {
      expect(fuzzParse(input.slice(0, 40), () => nextPage(input, REQUEST, "list tags"), 200)).toBeDefined();
    }
  });
});
