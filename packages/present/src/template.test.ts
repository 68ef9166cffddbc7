/**
 * The `--format` template subset (template.ts), as docker and skopeo users write it, over an image config and an
 * inspect document; every error is a TemplateError (a UsageError) naming where.
 */
import { UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import {
  compileTemplate,
  formatValue,
  MAX_TEMPLATE_DEPTH,
  MAX_TEMPLATE_OUTPUT,
  type Shape,
  TEMPLATE_FUNCTIONS,
  TemplateError,
} from "./template.js";

/** An OCI image config as stored (lower-case `config`), with what docker inspect users reach for. */
const CONFIG = {
  architecture: "arm64",
  os: "linux",
  created: "2024-06-20T20:16:57Z",
  config: {
    Env: ["PATH=/usr/local/bin:/usr/bin", "LANG=C.UTF-8"],
    Cmd: ["/bin/sh"],
    Entrypoint: null,
    WorkingDir: "",
    Labels: { "org.opencontainers.image.version": "3.20.1", maintainer: "me" },
    ExposedPorts: { "80/tcp": {}, "443/tcp": {} },
  },
  RepoTags: ["alpine:3.20", "alpine:latest"],
  history: [{ created_by: "ADD" }, { created_by: "CMD", empty_layer: true }],
};

const render = (template: string, data: unknown = CONFIG) => compileTemplate(template).render(data);
const failure = (template: string, data: unknown = CONFIG): TemplateError => {
  try {
    render(template, data);
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error(`no error for ${template}`);
};

/** Rendering `template` fails with a usage error at `offset` saying `message`. */
function expectFailure(template: string, offset: number, message: string): void {
  const error = failure(template);
  expect(error).toBeInstanceOf(UsageError);
  expect(error.code).toBe("BAD_TEMPLATE");
  expect([error.offset, error.message]).toEqual([offset, `bad template at column ${offset + 1}: ${message}`]);
}

describe("what docker and skopeo users write", () => {
  it.each([
    ["{{.Architecture}}", "arm64"],
    ["{{.architecture}}/{{.Os}}", "arm64/linux"],
    ["{{.Config.Env}}", "[PATH=/usr/local/bin:/usr/bin LANG=C.UTF-8]"],
    ["{{.Config.Labels}}", "map[maintainer:me org.opencontainers.image.version:3.20.1]"],
    ['{{index .Config.Labels "org.opencontainers.image.version"}}', "3.20.1"],
    // No shape: Go's map[string]interface {}, where a missing key has no value.
    ['{{index .Config.Labels "absent"}}', "<no value>"],
    ["{{json .Config.Cmd}}", '["/bin/sh"]'],
    // Fields read off a parenthesised value, as Go allows: skopeo's `(index .LayersData 0).Size`.
    ["{{(index .history 1).created_by}}", "CMD"],
    ["{{(index .history 0).created_by | lower}}", "add"],
    ["{{(.config).Labels.maintainer}}", "me"],
    ["{{(index .history 0).absent.deeper}}", "<no value>"],
    ["{{json .Config.Entrypoint}}", "null"],
    ["{{json .Nothing}}", "null"],
    ["{{range .Config.Env}}{{.}}\\n{{end}}", "PATH=/usr/local/bin:/usr/bin\nLANG=C.UTF-8\n"],
    ['{{join .RepoTags ","}}', "alpine:3.20,alpine:latest"],
    ["{{len .history}}", "2"],
    ["{{.Config.Env | json}}", '["PATH=/usr/local/bin:/usr/bin","LANG=C.UTF-8"]'],
    [
      "{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}",
      "maintainer=me;org.opencontainers.image.version=3.20.1;",
    ],
    ["{{range $p, $_ := .Config.ExposedPorts}}{{$p}} {{end}}", "443/tcp 80/tcp "],
    ["{{range $i, $e := .RepoTags}}{{$i}}:{{$e}} {{end}}", "0:alpine:3.20 1:alpine:latest "],
    ["{{range .Config.Entrypoint}}x{{else}}none{{end}}", "none"],
    ["{{if .Config.User}}user{{else if .Config.WorkingDir}}dir{{else}}root{{end}}", "root"],
    ["{{with .Config}}{{.Cmd}}{{end}}", "[/bin/sh]"],
    ["{{with .Config.User}}{{.}}{{else}}-{{end}}", "-"],
    ["{{range .RepoTags}}{{$.Os}} {{end}}", "linux linux "],
    ['{{if eq .os "linux"}}yes{{end}}{{if ne .os "linux"}}no{{end}}', "yes"],
    ["{{if not .Config.Entrypoint}}no entrypoint{{end}}", "no entrypoint"],
    ["{{upper .os}} {{lower `ARM`}}", "LINUX arm"],
    ['{{index (split "a/b/c" "/") 1}}', "b"],
    ["{{index .RepoTags 1}}", "alpine:latest"],
    ["{{println .os .architecture}}", "linux arm64\n"],
    ["a {{- /* a comment */ -}} b", "ab"],
    ["{{- .os -}}  \\t  x", "linux\t  x"],
    ["literal \\\\n and {{`{{`}}", "literal \\n and {{"],
    ["{{.}}", formatValue(CONFIG)],
    ["{{true}} {{1.5}} {{nil}} {{-3}}", "true 1.5  -3"],
    ['{{"tab\\there"}}', "tab\there"],
    // Go's builtins a skopeo/docker --format line uses (outside QA: printf, and, or, lt… were "unknown function").
    ['{{printf "%s-%s" .os .architecture}}', "linux-arm64"],
    [
      '{{printf "%-8s|%5d|%05d|%.2f|%x|%X|%q|%t|%v|%%" .os 42 -42 3.14159 255 "hi" .os true .RepoTags}}',
      'linux   |   42|-0042|3.14|ff|6869|"linux"|true|[alpine:3.20 alpine:latest]|%',
    ],
    ['{{printf "%+d %e %g" 5 1234.5678 0.5}}', "+5 1.234568e+03 0.5"],
    ['{{print .os "/" .architecture}} {{print 1 2 "x" 3}}', "linux/arm64 1 2x3"],
    // Byte for byte as Go's fmt (outside QA against skopeo inspect --format).
    ['{{printf "% x|%x|% X|%# x" "hi" "hi" "hi" "hi"}}', "68 69|6869|68 69|0x68 0x69"],
    // Go's strconv: an exponent below -4 or from 6 on for the shortest form (JSON and JavaScript switch at 21).
    [
      '{{printf "%g %g %g %g %G %g %g" 0.000001 1e20 1e21 100 1e-7 123456 1234567.5}}',
      "1e-06 1e+20 1e+21 100 1E-07 123456 1.2345675e+06",
    ],
    ['{{printf "%.3g|%.3g|%.2g|%g|%g" 3.14159 1000 0.5 -2.5 0.0001}}', "3.14|1e+03|0.5|-2.5|0.0001"],
    ['{{printf "%q|%q|%q" 65 10 39}}', "'A'|'\\n'|'\\''"],
    [`{{printf "%q" "a\x1b\u00a0\u{1f600}\\"\x07\x7f"}}`, `"a\\x1b\\u00a0\u{1f600}\\"\\a\\x7f"`],
    ['{{printf "%q" .RepoTags}}', '["alpine:3.20" "alpine:latest"]'],
    [
      '{{print nil}}|{{printf "%v" nil}}|{{println nil 1}}|{{print .Config.Entrypoint}}',
      "<nil>|<nil>|<nil> 1\n|<nil>",
    ],
    [
      '{{printf "%[2]s %[1]s %s" "a" "b"}}|{{printf "%*d|%-*d|%.*f" 4 7 3 7 2 3.14159}}',
      "b a b|   7|7  |3.14",
    ],
    [
      '{{printf "%c%c|%U|%#U|%b|%o|%#o|%O|%#x|%X" 72 105 65 8364 5 8 8 8 255 -255}}',
      "Hi|U+0041|U+20AC '€'|101|10|010|0o10|0xff|-FF",
    ],
    [
      '{{printf "%T %T %T %T %T %T" .os 1 true .RepoTags .config nil}}',
      "string float64 bool []interface {} map[string]interface {} <nil>",
    ],
    [
      '{{printf "%.3d|%+.1e|% d|%08.3f|%-5s|%5.1s|%x|%U" 7 12345.678 5 -3.14159 "ab" "xyz" 3500 -1}}',
      "007|+1.2e+04| 5|-003.142|ab   |    x|dac|U+FFFFFFFFFFFFFFFF",
    ],
    ["{{1e-7}} {{print 0.000001}} {{printf `%v` 0.5}} {{1e6}}", "1e-07 1e-06 0.5 1000000"],
    ['{{printf "%f %d" 1e21 1e21}}', "1000000000000000000000.000000 1000000000000000000000"],
    ['{{printf "%5s|%-4q|" "héé" "é"}}', '  héé|"é" |'],
    ["{{if and .Config.Env .Config.Cmd}}both{{end}}", "both"],
    [
      "{{if and .Config.Entrypoint (index .Config.Entrypoint 5)}}x{{else}}short-circuit{{end}}",
      "short-circuit",
    ],
    ["{{or .Config.User .Config.WorkingDir `root`}}", "root"],
    ["{{and 1 0 2}} {{or 0 `` 3}} {{.os | or .Config.User}}", "0 3 linux"],
    ["{{if lt (len .history) 3}}few{{end}} {{gt .os `a`}} {{le 2 2}} {{ge 1 2}}", "few true true false"],
    ["{{slice .os 1 3}} {{slice .RepoTags 1}} {{slice .os}}", "in [alpine:latest] linux"],
    ['{{html "<a href=\\"x\\">&\'"}}', "&lt;a href=&#34;x&#34;&gt;&amp;&#39;"],
    ['{{js "it\'s <b>=\\n"}}', "it\\'s \\u003Cb\\u003E\\u003D\\u000A"],
    ['{{urlquery "a b&c/d~e*"}}', "a+b%26c%2Fd~e%2A"],
  ])("%s", (template, expected) => {
    expect(render(template)).toBe(expected);
  });

  it("prints lists and objects as Go's %v does, null inside a list as <nil>", () => {
    expect(formatValue([1, null, { b: [true], a: "x" }])).toBe("[1 <nil> map[a:x b:[true]]]");
    expect([formatValue(null), formatValue(undefined), formatValue("s")]).toEqual(["", "", "s"]);
  });

  it("an exact key wins over a key equal but for case", () => {
    expect(render("{{.Name}} {{.name}} {{.NAME}}", { name: "lower", Name: "upper" })).toBe(
      "upper lower upper",
    );
  });

  it("never reads what a JSON document does not own", () => {
    expect(render("{{.constructor}}|{{.__proto__}}|{{index . `toString`}}", {})).toBe(
      "<no value>|<no value>|<no value>",
    );
  });

  it("lists the functions it documents", () => {
    expect([...TEMPLATE_FUNCTIONS].sort()).toEqual(
      [
        ...["and", "eq", "ge", "gt", "html", "index", "join", "js", "json", "le", "len", "lower", "lt", "ne"],
        ...["not", "or", "print", "printf", "println", "slice", "split", "upper", "urlquery"],
      ].sort(),
    );
  });
});

describe("errors name where they are, and are usage errors", () => {
  it.each([
    ["{{.Config.Env", 0, 'unclosed action (no "}}")'],
    ["ab {{if .os}}x", 14, "missing {{end}}"],
    ["{{end}}", 2, "unexpected {{end}}"],
    ["x {{nope .os}}", 4, 'unknown function "nope"'],
    ["{{$x}}", 2, "undefined variable $x"],
    ["{{range $i, $v := .RepoTags}}{{end}}{{$v}}", 38, "undefined variable $v"],
    ["{{.os | .arch}}", 8, "only a function can follow |"],
    ["{{.os .arch}}", 2, "a value cannot take arguments"],
    ['{{"open}}', 2, "unterminated string"],
    ["{{(.os}}", 2, 'unclosed "("'],
    ["{{.os)}}", 5, 'unexpected ")"'],
    ["{{}}", 0, "empty action"],
    ["{{ # }}", 3, 'unexpected "#"'],
    ["{{/* open }}", 0, "unclosed comment"],
    ["{{.a..b}}", 5, 'bad field name after "."'],
    ["{{if .a}}{{else 1}}{{end}}", 16, 'unexpected "1" after else'],
    // The escaped character is quoted, so a newline or a control character after "\\" keeps the message one line.
    ['{{"a\\q"}}', 4, 'unknown escape "\\\\q" in string'],
    // Go refuses these at parse: "integer overflow", "illegal number syntax"; a whole number past 2^53 would print
    // as another number.
    ['{{printf "%d" 99999999999999999999}}', 14, "integer overflow: 99999999999999999999"],
    [
      '{{printf "%d" 9007199254740993}}',
      14,
      "integer 9007199254740993 is past 2^53 and has no exact value here (9007199254740992 is the nearest)",
    ],
    ['{{printf "%f" 1e400}}', 14, "number 1e400 is out of range"],
  ])("%s → at %d: %s", (template, offset, message) => {
    expect(() => compileTemplate(template)).toThrow(TemplateError);
    expectFailure(template, offset, message);
  });

  it("a newline after a backslash in a string is named quoted, and the message stays one line", () => {
    const error = failure('{{"a\\\n"}}');
    expect(error.message).toBe('bad template at line 1 column 5: unknown escape "\\\\\\n" in string');
    expect(error.message).not.toContain("\n");
  });

  it.each([
    ["{{range .os}}{{end}}", 8, "cannot range over a string"],
    ['{{printf "%s %s" .os}}', 2, "printf: %s has no value"],
    // Go prints %!d(string=linux) into the text: here the same words, as an error.
    ['{{printf "%d" .os}}', 2, "printf: %d cannot print string=linux"],
    ['{{printf "%d" 1.5}} ', 2, "printf: %d cannot print float64=1.5"],
    ['{{printf "%t" nil}}', 2, "printf: %t cannot print <nil>"],
    ['{{printf "%!"}}', 2, "printf: %! has no value"],
    ['{{printf "%!" 1}}', 2, "printf: unknown verb %!"],
    ['{{printf "%#v" .os}}', 2, "printf: %#v (Go syntax) is not supported"],
    ['{{printf "%"}}', 2, "printf: % has no verb at the end of the format"],
    ['{{printf "%[3]s" 1}}', 2, "printf: bad argument index in %[3]"],
    ['{{printf "%*d" "a" 1}}', 2, "printf: %* needs a whole number, got string"],
    ['{{printf "%.200f" 1}}', 2, "printf: %.200f has a precision above 100"],
    ['{{printf "%200000d" 1}}', 2, "printf: %200000d is wider than 100000"],
    ['{{printf "%s" .os 1}}', 2, "printf: 1 value(s) more than the format uses"],
    ['{{printf "%y" 1}}', 2, "printf: unknown verb %y"],
    ["{{lt .os 1}}", 2, "lt: incompatible types for comparison (a string and a number)"],
    ["{{slice .os 3 9}}", 2, "slice bounds out of range [3:9] of length 5"],
    ["{{and}}", 2, "and takes at least 1 argument, got 0"],
    ["{{.os.name}}", 2, "cannot read field name of a string"],
    ["{{(index .RepoTags 0).name}}", 2, "cannot read field name of a string"],
    ["{{index .RepoTags 5}}", 2, "index 5 out of range (the list has 2)"],
    ['{{index .RepoTags "a"}}', 2, "index of a list needs a whole number, got a string"],
    ["{{index .Config.Labels 1}}", 2, "index of an object needs a string key, got a number"],
    ["{{index .os 1}}", 2, "cannot index a string"],
    ["{{join .os `,`}}", 2, "join needs a list, got a string"],
    ["{{join .RepoTags 1}}", 2, "join's separator must be a string, got a number"],
    ["{{len 3}}", 2, "len needs a list, an object or a string, got a number"],
    ["{{json}}", 2, "json takes 1 argument, got 0"],
    ["{{upper .Config}}", 2, "upper needs a string, got an object"],
  ])("applying %s → at %d: %s", (template, offset, message) => {
    expect(() => compileTemplate(template)).not.toThrow();
    expectFailure(template, offset, message);
  });

  it("a template of several lines names the line and column", () => {
    const error = failure("{{.os}}\n  {{nope}}");
    expect([error.line, error.column, error.message]).toEqual([
      2,
      5,
      'bad template at line 2 column 5: unknown function "nope"',
    ]);
  });

  it("refuses nesting deeper than the cap, and output larger than the cap", () => {
    const deep = `${"{{if .}}".repeat(MAX_TEMPLATE_DEPTH + 1)}${"{{end}}".repeat(MAX_TEMPLATE_DEPTH + 1)}`;
    expect(failure(deep).message).toMatch(/nested deeper than 64$/);
    const ok = `${"{{if .}}".repeat(MAX_TEMPLATE_DEPTH)}x${"{{end}}".repeat(MAX_TEMPLATE_DEPTH)}`;
    expect(render(ok, true)).toBe("x");
    const parens = `{{${"(".repeat(MAX_TEMPLATE_DEPTH + 1)}.${")".repeat(MAX_TEMPLATE_DEPTH + 1)}}}`;
    expect(failure(parens).message).toMatch(/nested deeper than 64$/);
    const big = Array.from({ length: 4096 }, () => 0);
    expect(failure("{{range .}}{{range $}}{{json $}}{{end}}{{end}}", big).message).toMatch(
      new RegExp(`output is larger than ${MAX_TEMPLATE_OUTPUT} characters$`),
    );
  });

  it("a document nested deeper than the stack is refused as a template error", () => {
    let deep: unknown = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(failure("{{json .}}", deep).message).toBe(
      "bad template at column 1: the document is nested too deeply to print",
    );
  });
});

describe("a declared shape: a misspelt field is an error, a declared one left out prints its zero value", () => {
  const scalar = "any" as const;
  const runtime = {
    object: "the config",
    fields: { Env: { list: scalar }, Cmd: { list: scalar }, Labels: { map: scalar } },
  };
  const SHAPE: Shape = {
    object: "the document",
    fields: {
      architecture: scalar,
      os: scalar,
      created: scalar,
      author: scalar,
      config: runtime,
      RepoTags: { list: scalar },
      history: { list: { object: "a history entry", fields: { created_by: scalar, empty_layer: scalar } } },
    },
  };
  const render = (template: string, data: unknown = CONFIG) => compileTemplate(template).render(data, SHAPE);
  const fails = (template: string, data: unknown = CONFIG) => {
    try {
      render(template, data);
    } catch (error) {
      expect(error).toBeInstanceOf(TemplateError);
      return (error as Error).message;
    }
    throw new Error(`${template} rendered`);
  };

  it("names the misspelt field and the fields there are, at the top, below, past a missing parent and in a range", () => {
    expect(fails("{{.Architecure}}")).toBe(
      'bad template at column 3: the document has no field "Architecure" (it has: architecture, author, config, created, history, os, RepoTags)',
    );
    expect(fails("{{.Config.Nope}}")).toMatch(
      /^bad template at column 3: the config has no field "Nope" \(it has: Cmd, Env, Labels\)$/,
    );
    // Go checks a field against the type, whether the value is there or not.
    expect(fails("{{.Config.Nope}}", { os: "linux" })).toMatch(/the config has no field "Nope"/);
    expect(fails("{{range .History}}{{.CreatedBi}}{{end}}")).toMatch(
      /a history entry has no field "CreatedBi"/,
    );
    expect(fails("{{range $h := .History}}{{$h.Nope}}{{end}}")).toMatch(
      /a history entry has no field "Nope"/,
    );
    expect(fails("{{with .Config}}{{.Nope}}{{end}}")).toMatch(/the config has no field "Nope"/);
    expect(fails("{{(index .History 0).Nope}}")).toMatch(/a history entry has no field "Nope"/);
    expect(fails("{{if .Nope}}x{{end}}")).toMatch(/the document has no field "Nope"/);
  });

  it("a declared field the document leaves out, a map's missing key and an undeclared key the document has print as Go's", () => {
    expect(render("[{{.Author}}]")).toBe("[]");
    expect(render("[{{.Config.Labels.nope}}][{{index .Config.Labels `nope`}}]")).toBe("[<no value>][]");
    expect(render("{{.Config.Labels.maintainer}}")).toBe("me");
    // Not declared, but in the document: read (a registry's config may carry more than the spec says).
    expect(render("{{.Config.WorkingDir}}|{{len .Config.ExposedPorts}}")).toBe("|2");
    expect(render("{{range .History}}{{.created_by}} {{end}}")).toBe("ADD CMD ");
    // Without a shape nothing is checked.
    expect(compileTemplate("[{{.Nope.Deeper}}]").render(CONFIG)).toBe("[<no value>]");
  });

  it("reads() says whether a field is named anywhere, in any case", () => {
    const t = compileTemplate("{{range .Platforms}}{{.platform}}{{end}}{{(index .Repotags 0)}}{{$.X.y}}");
    expect(["platforms", "RepoTags", "x", "Y", "platform"].map((n) => t.reads(n))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(t.reads("Digest")).toBe(false);
  });
});

/**
 * What skopeo's typed structs print (skopeo 1.9 `inspect --format` and `inspect --config --format`, side by side
 * against a local registry): a declared field left out or null as its type's zero value, a map's missing key as
 * `<no value>`, a time as Go's time.Time String.
 */
describe("as skopeo prints: zero values, <no value>, times", () => {
  const SHAPE: Shape = {
    object: "the document",
    fields: {
      Name: "any",
      Created: "time",
      Labels: { map: "any" },
      Env: { list: "any" },
      History: { list: { object: "a history entry", fields: { created: "time", created_by: "any" } } },
      Config: { object: "the config", fields: { Labels: { map: "any" }, Cmd: { list: "any" } } },
    },
  };
  const render = (template: string, data: object) => compileTemplate(template).render(data, SHAPE);

  it.each([
    ["2024-01-02T03:04:05.123456789Z", "2024-01-02 03:04:05.123456789 +0000 UTC"],
    ["2024-01-02T03:04:05Z", "2024-01-02 03:04:05 +0000 UTC"],
    ["2024-01-02T03:04:05.120+02:00", "2024-01-02 03:04:05.12 +0200 +0200"],
    ["2024-06-02T03:04:05.5-05:30", "2024-06-02 03:04:05.5 -0530 -0530"],
    ["2024-06-02T03:04:05.000000100+00:00", "2024-06-02 03:04:05.0000001 +0000 UTC"],
    ["2024-01-02T23:59:59.000-00:00", "2024-01-02 23:59:59 +0000 UTC"],
    ["2024-01-02T03:04:05.1234567891Z", "2024-01-02 03:04:05.123456789 +0000 UTC"],
  ])("a time %s prints as Go's time.Time String: %s", (created, go) => {
    expect(render("{{.Created}}", { Created: created })).toBe(go);
    // fmt's functions get Go's text too, by a field, a pipe or a `with`; `json` and the exact key keep the text.
    expect(
      render('{{print .Created}}|{{printf "%s" .Created}}|{{.Created | printf "%v"}}', { Created: created }),
    ).toBe(`${go}|${go}|${go}`);
    expect(render("{{with .Created}}{{.}}{{end}}|{{json .Created}}", { Created: created })).toBe(
      `${go}|${JSON.stringify(created)}`,
    );
    expect(render("{{range .History}}{{.created}}{{end}}", { History: [{ created }] })).toBe(go);
  });

  it("a time is a *time.Time to fmt: print spaces it from its neighbours, %T and %q say so, missing it is <nil>", () => {
    const doc = { Created: "2024-01-02T03:04:05Z", Env: [] };
    expect(render('{{print .Env .Created .Env}}|{{printf "%T %q" .Created .Created}}', doc)).toBe(
      '[] 2024-01-02 03:04:05 +0000 UTC []|*time.Time "2024-01-02 03:04:05 +0000 UTC"',
    );
    expect(render('{{printf "%x" .Created}}', { Created: "2024-01-02T03:04:05Z" })).toBe(
      Buffer.from("2024-01-02 03:04:05 +0000 UTC").toString("hex"),
    );
    expect(render('{{print .Env .Created}}|{{printf "%s|%v" .Created .Created}}', {})).toBe(
      "[] <nil>|<nil>|<nil>",
    );
    // html, js and urlquery print through fmt.Sprint too (skopeo 1.9, side by side).
    expect(
      render("{{html .Created}}|{{urlquery .Labels}}|{{js .Env}}", { Created: "2024-01-02T03:04:05Z" }),
    ).toBe("2024-01-02 03:04:05 +0000 UTC|map%5B%5D|[]");
    expect(render("{{html .Created}}", {})).toBe("&lt;nil&gt;");
  });

  it("a time that is none (Go's decoding would refuse it) prints as stored", () => {
    for (const text of ["2024-02-30T00:00:00Z", "2024-01-02 03:04:05", "yesterday", "2024-01-02T24:00:00Z"])
      expect(render("{{.Created}}", { Created: text })).toBe(text);
    expect(render("{{.Created}}", { Created: "2024-02-29T00:00:00Z" })).toBe("2024-02-29 00:00:00 +0000 UTC");
    expect(render("{{.Created}}", { Created: "2023-02-29T00:00:00Z" })).toBe("2023-02-29T00:00:00Z");
  });

  it("a declared field left out or null prints its type's zero value: map[], [], <nil>, nothing", () => {
    for (const doc of [
      {},
      { Labels: null, Env: null, Created: null, Name: null, Config: { Labels: null } },
    ]) {
      expect(
        render("{{.Labels}}|{{.Env}}|{{.Created}}|{{.Name}}|{{.Config.Labels}}|{{.Config.Cmd}}", doc),
      ).toBe("map[]|[]|<nil>||map[]|[]");
      expect(
        render('{{print .Labels .Env}}|{{printf "%v %s %v" .Labels .Env .Created}}|{{println .Name}}', doc),
      ).toBe("map[] []|map[] [] <nil>|\n");
      expect(
        render("{{.Labels | print}}|{{json .Labels}}|{{len .Env}}|{{if .Labels}}y{{else}}n{{end}}", doc),
      ).toBe("map[]|null|0|n");
    }
    expect(render("{{.Labels}}|{{.Env}}", { Labels: {}, Env: [] })).toBe("map[]|[]");
  });

  it("a map's missing key, as a field, is <no value>; index of it is the zero value, nothing", () => {
    const doc = { Labels: { a: "1" }, Config: {} };
    expect(render("{{.Labels.nosuch}}|{{index .Labels `nosuch`}}|{{.Labels.a}}", doc)).toBe("<no value>||1");
    expect(render("{{.Config.Labels.x}}|{{.Labels.x.y}}|{{(index .Labels `x`)}}", doc)).toBe(
      "<no value>|<no value>|",
    );
    expect(render("{{with .Labels}}{{.nope}}{{end}}", doc)).toBe("<no value>");
    // fmt's functions get Go's nil for it.
    expect(render("{{print .Labels.nosuch}}", doc)).toBe("<nil>");
  });

  it("a Go name stored under another key (aliases) reads it; a declared bool left out is false", () => {
    const shape: Shape = {
      object: "a history entry",
      fields: { created_by: "any", CreatedBy: "any", EmptyLayer: "bool" },
      aliases: { CreatedBy: "created_by", EmptyLayer: "empty_layer" },
    };
    const t = compileTemplate("{{.CreatedBy}}|{{.createdby}}|{{.EmptyLayer}}|{{.created_by}}");
    expect(t.render({ created_by: "ADD", empty_layer: true }, shape)).toBe("ADD|ADD|true|ADD");
    expect(t.render({}, shape)).toBe("||false|");
    expect(compileTemplate('{{print .EmptyLayer}}|{{printf "%t" .EmptyLayer}}').render({}, shape)).toBe(
      "false|false",
    );
    // The key of the Go name wins over the alias when the document has both.
    expect(t.render({ CreatedBy: "mine", created_by: "ADD" }, shape)).toBe("mine|mine|false|ADD");
  });

  it("without a declared shape, a missing field or a null is Go's <no value>, as in a map[string]interface {}", () => {
    expect(compileTemplate("{{.nope}}|{{.a}}|{{.b.c}}|{{index . `nope`}}").render({ a: null, b: {} })).toBe(
      "<no value>|<no value>|<no value>|<no value>",
    );
  });
});
