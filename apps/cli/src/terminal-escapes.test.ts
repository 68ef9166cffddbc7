/**
 * Issue 10, item 4: names, labels, annotations and error messages a registry chooses are printed escaped, never raw,
 * in every human output of the CLI (and `--json` stays valid JSON with the same values).
 */
import { type HostileRegistry, startHostileRegistry, TERMINAL_PAYLOADS } from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

let registry: HostileRegistry;
beforeAll(async () => {
  registry = await startHostileRegistry({ behaviour: "escapes" });
});
afterAll(async () => {
  await registry.close();
});

/** Characters a terminal acts on: C0 but tab and newline, DEL, C1, bidi and invisible format characters. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

describe("registry-supplied strings reach the terminal escaped", () => {
  it.each([
    ["tags", (host: string) => ["tags", `${host}/x`], 0],
    ["catalog", (host: string) => ["catalog", host], 0],
    ["inspect (labels)", (host: string) => ["inspect", `${host}/x:1`], 0],
    ["an error message", (host: string) => ["manifest", `${host}/x:fail`], 1],
    ["an error message with -v", (host: string) => ["manifest", `${host}/x:fail`, "-v"], 1],
    ["a 404's message", (host: string) => ["blob", `${host}/x@sha256:${"0".repeat(64)}`, "-v"], 3],
  ])("%s", async (_, args, code) => {
    const result = await regatta(args(registry.host));
    if (code) expect(result.code).toBe(code);
    const out = `${result.stdout}${result.stderr}`;
    expect(out).not.toMatch(CONTROL);
    // Each payload is there, visibly: the user can see what the registry tried.
    expect(out).toMatch(/\\u001b|\\u009b|\\u202e/);
  });

  it("a tag list leaves out the payloads (no valid tag) and names them escaped on stderr", async () => {
    // QA scripter6 #12: a name that is no tag is dropped from `tags`, so `for t in $(regatta tags R)` never gets it.
    const { stdout, stderr } = await regatta(["tags", `${registry.host}/x`]);
    expect(stdout).toBe("1.0\n");
    expect(stderr).toContain(
      `note: ${TERMINAL_PAYLOADS.length} names the registry listed are not a valid tag`,
    );
    expect(stderr).toContain('"p0\\u001b]0;pwned-title\\u0007"');
    expect(stderr).not.toMatch(CONTROL);
  });

  it("--json stays valid JSON with the registry's exact values, and no raw control", async () => {
    const { stdout } = await regatta(["inspect", `${registry.host}/x:1`, "--json"]);
    expect(stdout).not.toMatch(CONTROL);
    const labels = Object.values((JSON.parse(stdout) as { labels?: Record<string, string> }).labels ?? {});
    for (const [i, payload] of TERMINAL_PAYLOADS.entries()) expect(labels).toContain(`p${i}${payload}`);
    // A tag list's --json leaves out what is no tag, as its text does.
    const tags = await regatta(["tags", `${registry.host}/x`, "--json"]);
    expect(tags.stdout).not.toMatch(CONTROL);
    expect((JSON.parse(tags.stdout) as { tags: string[] }).tags).toEqual(["1.0"]);
  });
});

/**
 * QA trust3 finding 5: a registry's own styles (the colours and dim Regatta draws with) were let through by the output
 * boundary, in tags, catalog and completion, on a terminal and in a pipe: they looked like Regatta's. Every byte of a
 * name is the registry's, so none of them passes.
 */
describe("a registry's styles in names are escaped like any control; completion offers only valid names", () => {
  let styled: HostileRegistry;
  /** Each style `escapeControls` lets pass for Regatta's own output, and a newline that forges a candidate. */
  const STYLES = ["\x1b[31mred", "\x1b[2mdim", "\x1b[1mbold", "\x1b[4munder", "\x1b[90mgrey\x1b[39m\x1b[22m"];
  const FORGED = "\nevil.example/x:latest";
  beforeAll(async () => {
    styled = await startHostileRegistry({ behaviour: "escapes", payloads: [...STYLES, FORGED] });
  });
  afterAll(async () => {
    await styled.close();
  });

  it("catalog: no ESC reaches the pipe, each name is one escaped line", async () => {
    const { code, stdout, stderr } = await regatta(["catalog", styled.host]);
    expect([code, stderr]).toEqual([0, ""]);
    expect(stdout).not.toContain("\x1b");
    expect(stdout).toContain("p0\\u001b[31mred");
    expect(stdout).toContain("p1\\u001b[2mdim");
    expect(stdout).toContain("p4\\u001b[90mgrey\\u001b[39m\\u001b[22m");
    // plain/repo, and one line per payload: the newline payload forges none.
    expect(stdout.trimEnd().split("\n")).toHaveLength(STYLES.length + 2);
  });

  it.each([
    ["tags", (host: string) => ["tags", `${host}/x`]],
    ["tags --full-ref", (host: string) => ["tags", `${host}/x`, "--full-ref"]],
  ])(
    "%s: only valid tags on stdout; the others named escaped on stderr, no ESC anywhere",
    async (_, args) => {
      const { code, stdout, stderr } = await regatta(args(styled.host));
      expect(code).toBe(0);
      expect(stdout.trimEnd().split("\n")).toEqual([expect.stringMatching(/(^|:)1\.0$/)]);
      expect(`${stdout}${stderr}`).not.toContain("\x1b");
      expect(stderr).toContain('"p0\\u001b[31mred"');
      expect(stderr).toContain(`note: ${STYLES.length + 1} names the registry listed are not a valid tag`);
    },
  );

  it("--json of tags and catalog: valid JSON, no raw ESC; catalog's exact names, tags' valid ones", async () => {
    const tags = await regatta(["tags", `${styled.host}/x`, "--json"]);
    expect(tags.stdout).not.toContain("\x1b");
    expect((JSON.parse(tags.stdout) as { tags: string[] }).tags).toEqual(["1.0"]);
    const catalog = await regatta(["catalog", styled.host, "--json"]);
    expect(catalog.stdout).not.toContain("\x1b");
    expect((JSON.parse(catalog.stdout) as { repositories: string[] }).repositories).toContain(
      `repop5${FORGED}`,
    );
  });

  it("__complete offers only names of the tag and repository grammar: no ESC, no forged candidate", async () => {
    const tags = await regatta(["__complete", "--", "tags", `${styled.host}/x:`]);
    expect([tags.code, tags.stdout, tags.stderr]).toEqual([0, `${styled.host}/x:1.0\n`, ""]);
    const repos = await regatta(["__complete", "--", "tags", `${styled.host}/`]);
    expect([repos.code, repos.stdout, repos.stderr]).toEqual([0, `${styled.host}/plain/repo\n`, ""]);
  });
});
