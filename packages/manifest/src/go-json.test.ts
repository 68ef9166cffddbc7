import { describe, expect, it } from "vitest";
import { compareUtf8, goCompactRaw, goIndent, goMarshal, goString, rawMembers } from "./go-json.js";

describe("Go's encoding/json, byte for byte", () => {
  it.each([
    ["plain", "abc", '"abc"'],
    ["quote and backslash", 'a"b\\c', '"a\\"b\\\\c"'],
    ["newline, return, tab", "\n\r\t", '"\\n\\r\\t"'],
    [
      "other controls as \\u00XX (Go before 1.22 for \\b and \\f)",
      "\u0000\b\f\u001f",
      '"\\u0000\\u0008\\u000c\\u001f"',
    ],
    ["HTML characters", "<a href='x'>&</a>", "\"\\u003ca href='x'\\u003e\\u0026\\u003c/a\\u003e\""],
    ["line and paragraph separators", "\u2028\u2029", '"\\u2028\\u2029"'],
    ["other Unicode as itself", "é€😀", '"é€😀"'],
    ["a lone surrogate as U+FFFD", "a\ud800b\udc00", '"a\ufffdb\ufffd"'],
  ])("writes a string: %s", (_, value, written) => {
    expect(goString(value)).toBe(written);
  });

  it("marshals compactly in key order, and refuses numbers it would not write exactly", () => {
    expect(goMarshal({ b: [1, true, null], a: { c: "d" }, e: [], f: {} })).toBe(
      '{"b":[1,true,null],"a":{"c":"d"},"e":[],"f":{}}',
    );
    expect(() => goMarshal(1.5)).toThrow("goMarshal writes integers only, got 1.5");
  });

  it("indents as json.Indent: prefix after each newline, empty containers kept, strings untouched", () => {
    expect(goIndent('{"a":[],"b":{},"c":[1,{"d":"x,y:[z]"}]}', ">", "  ")).toBe(
      '{\n>  "a": [],\n>  "b": {},\n>  "c": [\n>    1,\n>    {\n>      "d": "x,y:[z]"\n>    }\n>  ]\n>}',
    );
  });

  it("compacts a RawMessage: spaces out, escapes kept as written, HTML characters escaped", () => {
    expect(goCompactRaw('{ "a" : [ 1 , "x y\\u0026<" ] ,\n "b":"\\"" }')).toBe(
      '{"a":[1,"x y\\u0026\\u003c"],"b":"\\""}',
    );
  });

  it("splits an object into raw members, the last of a repeated key winning, as map[string]json.RawMessage", () => {
    const members = rawMembers(' { "a" : { "x" : [1, "}"] } , "b":"s\\"}", "a":2 ,"c":null, "d":-1.5e3 } ');
    expect([...members]).toEqual([
      ["a", "2"],
      ["b", '"s\\"}"'],
      ["c", "null"],
      ["d", "-1.5e3"],
    ]);
    expect([...rawMembers("{}")]).toEqual([]);
  });

  it("orders keys by UTF-8 bytes, as Go sorts map keys", () => {
    // UTF-16 puts U+FF01 after U+1F600's high surrogate (0xD83D); UTF-8 puts it before (EF… < F0…).
    expect(["😀", "！", "a"].sort(compareUtf8)).toEqual(["a", "！", "😀"]);
    expect(["😀", "！"].sort()).toEqual(["😀", "！"]);
  });
});
