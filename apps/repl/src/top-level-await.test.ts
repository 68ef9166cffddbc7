import { createContext, Script } from "node:vm";
import { describe, expect, it } from "vitest";
import { wrapTopLevelAwait } from "./top-level-await.js";

/** Runs REPL lines one after another in one context, as the REPL does, and returns each line's value. */
async function run(...lines: string[]): Promise<unknown[]> {
  const context = createContext({});
  const values: unknown[] = [];
  for (const line of lines) {
    const code = wrapTopLevelAwait(line) ?? line;
    values.push(await new Script(code).runInContext(context));
  }
  return values;
}

describe("wrapTopLevelAwait", () => {
  it("keeps every name a destructuring declaration binds, defaults, rests and holes included", async () => {
    const [, names] = await run(
      "const { a, b: [, c = 3, ...d], e = 5, ...f } = await ({ a: 1, b: [0, undefined, 4], g: 7 })",
      "[a, c, d, e, f, Object.keys(globalThis)]",
    );
    // Declared (as Node's REPL declares them, with let), not left to become properties of the global by assignment.
    expect(names).toEqual([1, 3, [4], 5, { g: 7 }, []]);
  });

  it("hoists var from blocks and for-in/of heads, leaves a var without a value as it was", async () => {
    const [, , seen] = await run(
      "var kept = 1",
      "if (true) { var inner = await 2 } for (var k in { x: 1 }); for (var v of [await 3]); var kept",
      "[kept, inner, k, v]",
    );
    expect(seen).toEqual([1, 2, "x", 3]);
  });

  it("keeps functions for the next line; their own await, var and return stay theirs", async () => {
    const [, value] = await run(
      "function f() { var local = 1; return local } async function g() { return await 2 } await 0",
      "[f(), typeof local]",
    );
    expect(value).toEqual([1, "undefined"]);
    const [, fromG] = await run("async function g() { return await 2 }; await 0", "g()");
    expect(fromG).toBe(2);
  });

  it("keeps a class's static block var its own", async () => {
    const [, value] = await run(
      "class S { static { var mine = 1; this.m = mine } }; await 0",
      "[S.m, typeof mine]",
    );
    expect(value).toEqual([1, "undefined"]);
  });

  it("returns the last expression, past empty statements and a trailing comment", async () => {
    expect(await run("await 1; 2 + (await 3);; // the sum")).toEqual([5]);
    expect(await run("const x = await 1")).toEqual([undefined]);
  });

  it("leaves code with no top-level await, a top-level return, or that acorn cannot parse", () => {
    expect(wrapTopLevelAwait("async () => await 1")).toBeNull();
    expect(wrapTopLevelAwait("const s = 'await'")).toBeNull();
    expect(wrapTopLevelAwait("return await 1")).toBeNull();
    expect(wrapTopLevelAwait("for (const t of ts) {\n  await t")).toBeNull();
  });

  it("wraps a line whose only await is a for await or an await using", () => {
    expect(wrapTopLevelAwait("for await (const x of xs) ;")).toMatch(/^\(async/);
    expect(wrapTopLevelAwait("await using r = make()")).toMatch(/^\(async .*await using r = make\(\)/s);
  });
});
