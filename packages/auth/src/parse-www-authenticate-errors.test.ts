import { ProtocolError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { parseWwwAuthenticate } from "./parse-www-authenticate.js";

// What parse-www-authenticate.test.ts left unsaid: which rule broke and where (found by mutation testing).

const HINT = "the registry's challenge does not follow RFC 7235";

describe("parseWwwAuthenticate: a malformed header says what is wrong and at which offset", () => {
  it.each([
    ["", "no challenge"],
    [" , , ", "no challenge"],
    ['Bearer realm="https://a/t', "unterminated quoted string at offset 13"],
    ['Bearer realm="abc\\', "unterminated quoted string at offset 13"],
    ['Bearer realm="a" service="b"', "expected a comma at offset 17"],
    ['Bearer realm="a",,=x', "expected an auth-param at offset 18"],
    ["Bearer realm=@", 'expected a value for "realm" at offset 13'],
    ['"Bearer"', "expected an auth-scheme at offset 0"],
    ['Bearer"x"', "expected a space after the auth-scheme at offset 6"],
    ['Bearer realm="a\u0001b"', "control character at offset 15"],
    ['Bearer realm="a\u007fb"', "control character at offset 15"],
    ['Bearer realm="a\u001fb"', "control character at offset 15"],
    ['Bearer realm="a\\\u0001b"', "control character at offset 16"],
    ['Bearer realm="a", REALM="b"', 'duplicate parameter "realm" at offset 18'],
    ["Negotiate abc== x", 'expected a value for "abc" at offset 14'],
  ])("%j: %s", (header, what) => {
    let error: unknown;
    try {
      parseWwwAuthenticate(header);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProtocolError);
    const { message, hint } = error as ProtocolError;
    expect(message.replace(` (${HINT})`, "")).toBe(`malformed WWW-Authenticate header: ${what}`);
    expect(hint).toBe(HINT);
  });
});

describe("parseWwwAuthenticate: what the grammar allows", () => {
  it("takes spaces around `=`, a trailing comma, escapes and tabs in quoted strings", () => {
    expect(parseWwwAuthenticate("Basic realm = x ,")).toEqual([{ scheme: "basic", params: { realm: "x" } }]);
    expect(parseWwwAuthenticate('Basic realm="a\\"b\\\\c\td", charset=UTF-8')).toEqual([
      { scheme: "basic", params: { realm: 'a"b\\c\td', charset: "UTF-8" } },
    ]);
    expect(parseWwwAuthenticate('Bearer\trealm="r"')).toEqual([{ scheme: "bearer", params: { realm: "r" } }]);
    expect(parseWwwAuthenticate("Basic realm=a,\tcharset=b,\t\tBearer realm=c")).toEqual([
      { scheme: "basic", params: { realm: "a", charset: "b" } },
      { scheme: "bearer", params: { realm: "c" } },
    ]);
  });

  it("reads a token68 only when a comma or the end follows it", () => {
    expect(parseWwwAuthenticate("Negotiate abc== , Basic realm=x")).toEqual([
      { scheme: "negotiate", params: {}, token68: "abc==" },
      { scheme: "basic", params: { realm: "x" } },
    ]);
    expect(parseWwwAuthenticate("Negotiate a/b+c~d\t")).toEqual([
      { scheme: "negotiate", params: {}, token68: "a/b+c~d" },
    ]);
    // `realm=` alone is a token68: the only reading the grammar allows.
    expect(parseWwwAuthenticate("Bearer REALM=")).toEqual([
      { scheme: "bearer", params: {}, token68: "REALM=" },
    ]);
    expect(parseWwwAuthenticate("Basic, Bearer realm=r")).toEqual([
      { scheme: "basic", params: {} },
      { scheme: "bearer", params: { realm: "r" } },
    ]);
  });

  it("keeps the tchar set of RFC 7230 in names and values", () => {
    const tchars = "!#$%&'*+-.^_`|~09AZaz";
    expect(parseWwwAuthenticate(`X-${tchars} ${tchars}=${tchars}`)).toEqual([
      { scheme: `x-${tchars}`.toLowerCase(), params: { [tchars.toLowerCase()]: tchars } },
    ]);
  });
});
