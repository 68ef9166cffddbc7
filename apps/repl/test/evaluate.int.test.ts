import { PassThrough } from "node:stream";
import { createMswDispatcher } from "@regatta/testkit";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { startRepl } from "../src/index.js";
import { drivenRepls } from "./drive-repl.js";

/** A loop whose body awaits on a later line than the one that opens it (QA repl5, finding 2), and its kin. */
const UNFINISHED_WITH_AWAIT = [
  [
    'for (const t of ["a", "b"]) {',
    "  const d = await Promise.resolve(t.toUpperCase())",
    "  console.log(t, d)",
    "}",
  ],
  ["if (true) {", '  console.log("in if", await Promise.resolve(1))', "}"],
  ["const o = {", "  a: await Promise.resolve(5)", "}"],
];

/** A registry that answers every tag list with a 404 in the distribution error format. */
function missingRegistry() {
  return createMswDispatcher([
    http.get(/\/v2\/$/, () => HttpResponse.json({})),
    http.get(/\/v2\/.+\/tags\/list$/, () =>
      HttpResponse.json(
        { errors: [{ code: "NAME_UNKNOWN", message: "repository name not known to registry" }] },
        { status: 404 },
      ),
    ),
  ]);
}

describe("statements over several lines with await on a later line", () => {
  const driveRepl = drivenRepls();

  it("typed: each unfinished line gets the ... prompt and the whole statement runs once", async () => {
    const r = await driveRepl({});
    const from = r.screen().length;
    // One statement at a time, each run to its end before the next is typed (lines typed ahead of a running one are
    // another matter).
    // Node's continuation prompt: "... " up to Node 22, "| " from Node 24.
    for (const [statement, done] of [
      [UNFINISHED_WITH_AWAIT[0]!, /b B/],
      [UNFINISHED_WITH_AWAIT[1]!, /in if 1/],
      [UNFINISHED_WITH_AWAIT[2]!, /(\.\.\.|\|) \}/],
    ] as const) {
      const start = r.screen().length;
      for (const line of statement) r.type(`${line}\r`);
      await r.waitFor((t) => done.test(t) && /docker\.io> $/.test(t), start);
    }
    expect(await r.send("o.a")).toBe("5");
    const shown = r.screen().slice(from);
    expect(shown).not.toMatch(/✖|await is only valid/);
    expect(shown).toContain("a A\nb B\n");
    expect(shown).toMatch(/(\.\.\.|\|) {3}const d = await Promise\.resolve\(t\.toUpperCase\(\)\)/);
    expect(r.running.failures).toBe(0);
  });

  it("piped: the lines are read as one statement and nothing fails", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let screen = "";
    output.on("data", (chunk: Buffer) => {
      screen += chunk.toString("utf8");
    });
    const running = await startRepl({ input, output, terminal: false });
    input.end(`${UNFINISHED_WITH_AWAIT.flat().join("\n")}\nconsole.log("o.a is", o.a)\n`);
    await running.closed;
    expect(screen).not.toMatch(/✖|await is only valid/);
    expect(screen).toMatch(/a A\n(.|\n)*b B\n(.|\n)*in if 1\n(.|\n)*o\.a is 5/);
    expect(running.failures).toBe(0);
  });

  it("a statement that is wrong, not unfinished, still fails at once", async () => {
    const repl = await driveRepl({});
    const out = await repl.send("for (const t of [1]) { await 1 }}");
    expect(out).toMatch(/✖ .*SyntaxError|Unexpected token/);
  });
});

describe("_error", () => {
  const driveRepl = drivenRepls();

  it("holds the last error a line failed with: a thrown one, and a registry's typed error with its code and status", async () => {
    const repl = await driveRepl({ registry: "localhost:5000", options: { dispatcher: missingRegistry() } });
    expect(await repl.send("typeof _error")).toBe("'undefined'");
    await repl.send('throw new Error("boom")');
    expect(await repl.send("_error.message")).toBe("'boom'");
    expect(await repl.send('reg.tags("team/nope")')).toMatch(/✖ .*NAME_UNKNOWN/);
    expect(await repl.send("[_error.code, _error.status]")).toBe("[ 'NAME_UNKNOWN', 404 ]");
    // A line that goes well leaves it alone, as in Node's REPL.
    await repl.send("1 + 1");
    expect(await repl.send("_error.code")).toBe("'NAME_UNKNOWN'");
  });
});

/**
 * Lines in the JavaScript Node 20 runs (ES2021 and later) with a top-level `await`: node-repl-await parsed them as
 * ES2020 and gave up, so each failed with "await is only valid in async functions".
 */
describe("current JavaScript with top-level await", () => {
  const driveRepl = drivenRepls();

  it("logical assignment, numeric separators, the regexp d flag and top-level for await", async () => {
    const repl = await driveRepl({});
    await repl.send("let x; let a = 0; let b = 1");
    expect(await repl.send('x ??= await Promise.resolve("set")')).toBe("'set'");
    expect(await repl.send('x ??= await Promise.resolve("again")')).toBe("'set'");
    expect(await repl.send("a ||= await Promise.resolve(2)")).toBe("2");
    expect(await repl.send("b &&= await Promise.resolve(3)")).toBe("3");
    expect(await repl.send("[x, a, b]")).toBe("[ 'set', 2, 3 ]");
    expect(await repl.send("1_000 + await Promise.resolve(1)")).toBe("1001");
    expect(await repl.send('(await Promise.resolve(/a(b)/d)).exec("ab").indices[1]')).toBe("[ 1, 2 ]");
    const loop = await repl.send(
      'for await (const v of (async function* () { yield "p"; yield "q" })()) console.log("got", v)',
    );
    expect(loop).toBe("got p\ngot q");
    expect(repl.running.failures).toBe(0);
  });

  it("dynamic import() loads a module, with and without await, as in Node's REPL", async () => {
    const repl = await driveRepl({});
    expect(await repl.send('const { posix } = await import("node:path"); posix.join("a", "b")')).toBe(
      "'a/b'",
    );
    expect(await repl.send('import("node:os").then((os) => typeof os.tmpdir)')).toBe("'function'");
    expect(repl.running.failures).toBe(0);
  });

  it("class fields, private members and static blocks, the class kept for the next line", async () => {
    const repl = await driveRepl({});
    await repl.send(
      "class Box { #v = 1; static made = 0; static { this.ready = true } get v() { return this.#v } static #n() { return 2 } static n() { return Box.#n() } }; const box = await Promise.resolve(new Box())",
    );
    expect(await repl.send("[box.v, Box.made, Box.ready, Box.n(), box instanceof Box]")).toBe(
      "[ 1, 0, true, 2, true ]",
    );
    expect(repl.running.failures).toBe(0);
  });

  it("declarations persist across lines, the last expression is the result, nested await is left alone", async () => {
    const repl = await driveRepl({});
    await repl.send("const { p, q: [r] } = await Promise.resolve({ p: 1, q: [2] }); let s = 3, t; var u = 4");
    expect(await repl.send("[p, r, s, t, u]")).toBe("[ 1, 2, 3, undefined, 4 ]");
    await repl.send("async function twice(n) { return 2 * (await Promise.resolve(n)) }; await 0");
    expect(await repl.send("await twice(21)")).toBe("42");
    expect(
      await repl.send("const k = () => 5; await Promise.resolve(1); k() + (await Promise.resolve(1));;"),
    ).toBe("6");
    expect(await repl.send("k()")).toBe("5");
    // An object typed alone is an object with await in it too, not a block with a label.
    expect(await repl.send("{ one: await Promise.resolve(1), two: 2 }")).toBe("{ one: 1, two: 2 }");
    expect(await repl.send("{ const inBlock = await Promise.resolve(3); console.log(inBlock) }")).toBe("3");
    expect(await repl.send("typeof inBlock")).toBe("'undefined'");
    // A declaration last: nothing to print, as in Node's REPL.
    expect(await repl.send("const last = await Promise.resolve(9)")).toBe("");
    expect(await repl.send("last")).toBe("9");
    expect(repl.running.failures).toBe(0);
  });

  it("an unfinished line in newer syntax gets the continuation prompt; a wrong one fails in one line", async () => {
    const repl = await driveRepl({});
    const start = repl.screen().length;
    for (const line of ["const big = [", "  1_000,", "  await Promise.resolve(2_000),", "]"])
      repl.type(`${line}\r`);
    await repl.waitFor((text) => /(\.\.\.|\|) \]/.test(text) && /docker\.io> $/.test(text), start);
    expect(await repl.send("big")).toBe("[ 1000, 2000 ]");
    expect(repl.running.failures).toBe(0);
    const wrong = await repl.send("let w; w ??= await Promise.resolve(1) }");
    expect(wrong).toMatch(/^✖ .*SyntaxError.*$/);
    expect(wrong).not.toContain("\n");
    expect(repl.running.failures).toBe(1);
  });
});
