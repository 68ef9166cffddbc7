/** tag-selection.ts: natural and semver order, whole-tag include/exclude patterns as regctl's, and the limit. */
import { UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { compareNatural, compareSemver, selectTags, sortTags, tagFilter } from "./tag-selection.js";

describe("natural order (sort: name)", () => {
  it.each([
    [
      ["1.10", "1.9", "1.2", "latest", "1.2.1", "v10", "v2"],
      ["1.2", "1.2.1", "1.9", "1.10", "latest", "v2", "v10"],
    ],
    // Digit runs of any length compare as numbers, not as floats (no precision lost past 2^53).
    [
      ["20260101000000000001", "20260101000000000000", "9"],
      ["9", "20260101000000000000", "20260101000000000001"],
    ],
    // Leading zeros: equal as numbers, then ordered by code unit so the order is total and stable.
    [
      ["1", "01", "001"],
      ["001", "01", "1"],
    ],
    // Upper case before lower case (code units), never a locale's collation.
    [
      ["b", "B", "a", "A"],
      ["A", "B", "a", "b"],
    ],
    [
      ["alpine3.9", "alpine3.10", "alpine", "3.20-alpine"],
      ["3.20-alpine", "alpine", "alpine3.9", "alpine3.10"],
    ],
  ])("sorts %j as %j", (tags, sorted) => {
    expect(sortTags(tags, "name")).toEqual(sorted);
  });

  it("is antisymmetric and zero only for the same tag", () => {
    const tags = ["1", "01", "a1", "a01", "1a", "", "a", "10"];
    for (const a of tags) {
      for (const b of tags) {
        expect(Math.sign(compareNatural(a, b)) + Math.sign(compareNatural(b, a))).toBe(0);
        expect(compareNatural(a, b) === 0).toBe(a === b);
      }
    }
  });
});

describe("semver order (sort: semver)", () => {
  it("orders versions by precedence, a pre-release before its release, other tags after, naturally", () => {
    const tags = [
      "latest",
      "v2.0.0",
      "2.0.0-rc.10",
      "2.0.0-rc.2",
      "2.0.0-alpha",
      "1.10",
      "1.9.9",
      "edge",
      "1",
      "10.0",
    ];
    expect(sortTags(tags, "semver")).toEqual([
      "1",
      "1.9.9",
      "1.10",
      "2.0.0-alpha",
      "2.0.0-rc.2",
      "2.0.0-rc.10",
      "v2.0.0",
      "10.0",
      "edge",
      "latest",
    ]);
  });

  it("follows semver §11.4: numeric identifiers below words, a longer set of identifiers above its prefix", () => {
    expect(
      sortTags(
        ["1.0.0-beta", "1.0.0-1", "1.0.0-alpha.1", "1.0.0-alpha", "1.0.0-alpha.beta", "1.0.0"],
        "semver",
      ),
    ).toEqual(["1.0.0-1", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0"]);
  });

  it("breaks ties between equal versions (1.2, 1.2.0, v1.2.0) by natural order, so the order is total", () => {
    expect(sortTags(["v1.2.0", "1.2.0", "1.2"], "semver")).toEqual(["1.2", "1.2.0", "v1.2.0"]);
    expect(compareSemver("1.2", "1.2")).toBe(0);
  });
});

describe("selectTags", () => {
  const tags = ["1.10", "1.9", "latest", "1.9-alpine", "2.0", "nightly-2026"];

  it("keeps the registry's order by default and leaves its input alone", () => {
    const input = [...tags];
    expect(selectTags(input)).toEqual(tags);
    expect(selectTags(input, { sort: "name" })).toEqual([
      "1.9",
      "1.9-alpine",
      "1.10",
      "2.0",
      "latest",
      "nightly-2026",
    ]);
    expect(input).toEqual(tags);
  });

  it("matches patterns against the whole tag, as regctl does: 1\\.9 is not 1.9-alpine", () => {
    expect(selectTags(tags, { include: ["1\\.9"] })).toEqual(["1.9"]);
    expect(selectTags(tags, { include: ["1\\..*"] })).toEqual(["1.10", "1.9", "1.9-alpine"]);
    // An alternation stays inside the anchors: `a|b` is ^(?:a|b)$, not ^a or b$.
    expect(selectTags(tags, { include: ["latest|2.0"] })).toEqual(["latest", "2.0"]);
  });

  it("keeps a tag matching any include and no exclude; a RegExp is used as given", () => {
    expect(selectTags(tags, { include: ["1\\..*", "2\\..*"], exclude: [".*-alpine", "1\\.10"] })).toEqual([
      "1.9",
      "2.0",
    ]);
    expect(selectTags(tags, { exclude: [/^nightly-/] })).toEqual([
      "1.10",
      "1.9",
      "latest",
      "1.9-alpine",
      "2.0",
    ]);
  });

  it("applies the limit after filtering and sorting", () => {
    expect(selectTags(tags, { sort: "semver", exclude: ["1\\.9"], limit: 2 })).toEqual([
      "1.9-alpine",
      "1.10",
    ]);
    expect(selectTags(tags, { limit: 0 })).toEqual([]);
    expect(selectTags(tags, { limit: 100 })).toEqual(tags);
  });

  it("takes RE2's leading flag group, as regctl's patterns write case-insensitivity", () => {
    expect(selectTags(["V1", "v2", "x"], { include: ["(?i)v.*"] })).toEqual(["V1", "v2"]);
  });

  it.each([
    [{ include: ["("] }, 'include pattern "(" is not a regular expression'],
    [{ exclude: ["[a-"] }, 'exclude pattern "[a-" is not a regular expression'],
    [{ limit: -1 }, "tag limit must be a whole number of tags, not -1"],
    [{ limit: 1.5 }, "tag limit must be a whole number of tags, not 1.5"],
    [{ sort: "random" as "name" }, 'tag sort must be one of none, name, semver, not "random"'],
  ])("refuses %j as a usage error", (selection, message) => {
    expect(() => selectTags(tags, selection)).toThrow(UsageError);
    expect(() => selectTags(tags, selection)).toThrow(message);
  });

  it("builds the patterns once: a filter is reusable across pages", () => {
    const keep = tagFilter({ include: ["t[0-9]"] });
    expect(["t1", "t22", "x"].filter(keep)).toEqual(["t1"]);
    expect(["t3"].filter(keep)).toEqual(["t3"]);
  });
});

describe("a caller's RegExp with state", () => {
  it("matches every tag it should, whatever lastIndex a /g pattern was left at", () => {
    const keep = tagFilter({ include: [/^t\d$/g] });
    expect(["t1", "t2", "t3", "x"].filter(keep)).toEqual(["t1", "t2", "t3"]);
  });
});
