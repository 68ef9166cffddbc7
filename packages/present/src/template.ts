/**
 * `--format TEMPLATE` (issue 12): a small subset of Go's text/template, the language `docker inspect --format` and
 * `skopeo inspect --format` users already write, over a JSON document. Pure: no I/O, no `eval`, and nothing but a
 * {@link TemplateError} (a usage error naming the position) is ever thrown, whatever the template or the document
 * (template.fuzz.test.ts). The subset is documented in apps/cli/README.md ("Templates"); Go's own reference is
 * https://pkg.go.dev/text/template.
 *
 * Where it differs from Go, on purpose, for scripts over JSON:
 * - a field is looked up by its exact key, then case-insensitively, so `{{.Config.Env}}` (docker) and
 *   `{{.config.Env}}` (the OCI config as stored) both work;
 * - a field the document's declared {@link Shape} does not have, nor the document, is an error, as Go's "can't
 *   evaluate field" is on a struct; a map's missing key is no error (Go's map semantics);
 * - `\n`, `\t` and `\\` in the text between actions are a newline, a tab and a backslash, as in printf's format,
 *   since a shell's single quotes keep them as typed.
 * `printf`, `print` and `println` are Go's fmt (go-fmt.ts), byte for byte, but for Go's `%!…` complaints, which fail.
 * What is missing prints as skopeo's typed structs print it: a declared field the document leaves out (or holds null)
 * as its type's zero value (`[]`, `map[]`, `<nil>` for a time, nothing for a string), anything else — a map's
 * missing key, a field nothing declares — as Go's `<no value>`; a declared time as Go's time.Time String.
 */
import { quoteText, UsageError } from "@regatta/errors";
import { formatValue, GoStringer, goTime, isObject, sprint, sprintf, sprintln } from "./go-fmt.js";

export { formatValue };

/** A template that cannot be parsed or cannot be applied to the document: exit status 2 in the CLI. */
export class TemplateError extends UsageError {
  static override readonly kind: string = "TemplateError";
  static override readonly defaultCode: string = "BAD_TEMPLATE";
  /** Where in the template, 0-based (in UTF-16 code units, as JavaScript indexes strings). */
  readonly offset: number;
  /** 1-based line and column of {@link offset}. */
  readonly line: number;
  readonly column: number;

  constructor(message: string, source: string, offset: number) {
    const before = source.slice(0, offset);
    const line = before.split("\n").length;
    const column = offset - (before.lastIndexOf("\n") + 1) + 1;
    const where = source.includes("\n") ? `line ${line} column ${column}` : `column ${column}`;
    super(`bad template at ${where}: ${message}`);
    this.offset = offset;
    this.line = line;
    this.column = column;
  }
}

/**
 * What a document is declared to hold, so a misspelt field is an error naming the fields there are (Go's "can't
 * evaluate field X in type T") rather than an empty line, and a declared field a document leaves out (or holds null)
 * prints as Go prints its type's zero value. `"any"`: not checked (a string, a number, or what nobody declared;
 * missing, it prints nothing, as Go's empty string). `"bool"`: a Go bool, `false` when missing. `"time"`: an RFC
 * 3339 text Go holds as a *time.Time: printed
 * (and handed to `print`/`printf`/`println`) as Go's time.Time String, `<nil>` when missing; other functions (`json`,
 * `eq`, `slice`…) see the text as stored. `object`: these fields (matched as lookup matches them, exactly then in any
 * case); a key the document has beyond them is read all the same; `aliases` names the key a declared field is stored
 * under when the document has none of its name (Go's `CreatedBy`, the JSON's `created_by`). `map`: any key, each value of this shape; missing,
 * it prints `map[]`, and a missing key `<no value>` (`index` of it: nothing, the zero value). `list`: elements of
 * this shape; missing, it prints `[]`.
 */
export type Shape =
  | "any"
  | "bool"
  | "time"
  | {
      object: string;
      fields: Readonly<Record<string, Shape>>;
      aliases?: Readonly<Record<string, string>>;
    }
  | { map: Shape }
  | { list: Shape };

/** A compiled template: {@link render} applies it to a document. */
export interface Template {
  /**
   * The template applied to `data` (a JSON value), checked against `shape` when given.
   * @throws TemplateError when an action cannot apply to it, or reads a field `shape` does not declare.
   */
  render(data: unknown, shape?: Shape): string;
  /** Whether the template reads a field of this name (in any case, at any depth): to fetch it only when read. */
  reads(name: string): boolean;
}

/** How deep `if`/`range`/`with` and parentheses may nest: deeper is refused, never a stack overflow. */
export const MAX_TEMPLATE_DEPTH = 64;
/** The most a template may print (16 MiB): a nested `range` over a large document is refused, not run for ever. */
export const MAX_TEMPLATE_OUTPUT = 16 * 1024 * 1024;

// ---- syntax tree ---------------------------------------------------------------------------------------------

type Arg =
  | { t: "field"; base: "dot" | "root" | string; path: string[]; pos: number }
  | { t: "literal"; value: unknown; pos: number }
  | { t: "ident"; name: string; pos: number }
  | { t: "pipe"; pipe: Pipe; path: string[]; pos: number };
interface Cmd {
  args: Arg[];
  pos: number;
}
interface Pipe {
  cmds: Cmd[];
  pos: number;
}
type Node =
  | { t: "text"; text: string }
  | { t: "print"; pipe: Pipe }
  | { t: "if" | "with"; pipe: Pipe; body: Node[]; orElse: Node[] }
  | { t: "range"; pipe: Pipe; key?: string; value?: string; body: Node[]; orElse: Node[] };

// ---- lexer of one action --------------------------------------------------------------------------------------

type Token =
  | { t: "field"; base: "dot" | "root" | string; path: string[]; pos: number }
  | { t: "string" | "number" | "ident"; value: string; pos: number }
  | { t: "|" | "(" | "," | ":="; pos: number }
  /** A `)`, and the fields read off the value it closes: `(index .Layers 0).Size`, as Go allows. */
  | { t: ")"; path: string[]; pos: number };

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const FIELD_NAME = /[A-Za-z0-9_-]+/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

function lexAction(source: string, start: number, end: number): Token[] {
  const tokens: Token[] = [];
  let i = start;
  const fail = (message: string, at = i): never => {
    throw new TemplateError(message, source, at);
  };
  const match = (re: RegExp, at: number): string | undefined => {
    re.lastIndex = at;
    const m = re.exec(source);
    return m && m.index === at && at + m[0].length <= end ? m[0] : undefined;
  };
  /** `.A.B` after a base, at `at`: the names and the index after them. */
  const path = (at: number): [string[], number] => {
    const names: string[] = [];
    while (source[at] === ".") {
      const name = match(FIELD_NAME, at + 1);
      if (name === undefined) break;
      names.push(name);
      at += 1 + name.length;
    }
    return [names, at];
  };
  while (i < end) {
    const c = source[i] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
    } else if (c === ")") {
      const [names, next] = path(i + 1);
      tokens.push({ t: c, path: names, pos: i });
      i = names.length ? next : i + 1;
    } else if (c === "|" || c === "(" || c === ",") {
      tokens.push({ t: c, pos: i });
      i++;
    } else if (c === ":" && source[i + 1] === "=") {
      tokens.push({ t: ":=", pos: i });
      i += 2;
    } else if (c === ".") {
      const [names, next] = path(i);
      // `.` alone is the current value, and must stand alone: `.` before anything but a name is an error.
      if (names.length === 0 && i + 1 < end && !/[\s|()]/.test(source[i + 1] as string))
        fail(`bad field name after "."`, i + 1);
      tokens.push({ t: "field", base: "dot", path: names, pos: i });
      i = names.length ? next : i + 1;
    } else if (c === "$") {
      const name = match(IDENT, i + 1) ?? "";
      const [names, next] = path(i + 1 + name.length);
      tokens.push({ t: "field", base: name ? `$${name}` : "root", path: names, pos: i });
      i = next;
    } else if (c === '"') {
      let value = "";
      let j = i + 1;
      for (;;) {
        if (j >= end) fail("unterminated string", i);
        const d = source[j] as string;
        if (d === '"') break;
        if (d === "\n") fail("newline in string", j);
        if (d === "\\") {
          const e = source[j + 1];
          const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\" };
          const decoded = e === undefined || j + 1 >= end ? undefined : escapes[e];
          // Quoted as JSON: the character after the backslash may be a newline or another control character,
          // and the message is one line (a fuzz run found "\" then a newline).
          if (decoded === undefined) fail(`unknown escape ${quoteText(`\\${e ?? ""}`)} in string`, j);
          value += decoded;
          j += 2;
        } else {
          value += d;
          j++;
        }
      }
      tokens.push({ t: "string", value, pos: i });
      i = j + 1;
    } else if (c === "`") {
      const close = source.indexOf("`", i + 1);
      if (close < 0 || close >= end) fail("unterminated raw string", i);
      tokens.push({ t: "string", value: source.slice(i + 1, close), pos: i });
      i = close + 1;
    } else if (match(NUMBER, i) !== undefined) {
      const n = match(NUMBER, i) as string;
      tokens.push({ t: "number", value: n, pos: i });
      i += n.length;
    } else if (match(IDENT, i) !== undefined) {
      const name = match(IDENT, i) as string;
      tokens.push({ t: "ident", value: name, pos: i });
      i += name.length;
    } else {
      fail(`unexpected ${quoteText(c)}`);
    }
  }
  return tokens;
}

// ---- parser -----------------------------------------------------------------------------------------------------

/** Where an action's text is, between its delimiters (trim markers excluded). */
interface Action {
  start: number;
  end: number;
  /** The offset of `{{`. */
  open: number;
}

const KEYWORDS = new Set(["if", "else", "end", "range", "with"]);

class Parser {
  /** Every field name the template reads, lower-cased. */
  readonly names = new Set<string>();
  #i = 0;
  #depth = 0;
  /** The variables in scope: `$` and those a `range` declared. */
  readonly #scopes: string[][] = [[]];
  constructor(readonly source: string) {}

  fail(message: string, at: number): never {
    throw new TemplateError(message, this.source, at);
  }

  /** Nodes up to one of `stops` (a keyword action), which is returned with its tokens; at the top, up to the end. */
  list(stops: readonly string[]): {
    nodes: Node[];
    stop?: { word: string; tokens: Token[]; action: Action };
  } {
    const nodes: Node[] = [];
    const src = this.source;
    let trimNext = false;
    for (;;) {
      const open = src.indexOf("{{", this.#i);
      let text = src.slice(this.#i, open < 0 ? src.length : open);
      if (trimNext) text = text.replace(/^\s+/, "");
      if (open < 0) {
        if (text) nodes.push({ t: "text", text: unescapeText(text) });
        if (stops.length) this.fail(`missing {{end}}`, src.length);
        return { nodes };
      }
      const trimBefore = src[open + 2] === "-" && /[ \t\r\n]/.test(src[open + 3] ?? "");
      if (trimBefore) text = text.replace(/\s+$/, "");
      if (text) nodes.push({ t: "text", text: unescapeText(text) });
      const start = open + (trimBefore ? 3 : 2);
      const close = src.indexOf("}}", start);
      if (close < 0) this.fail(`unclosed action (no "}}")`, open);
      const trimAfter =
        src[close - 1] === "-" && close - 2 >= start && /[ \t\r\n]/.test(src[close - 2] ?? "");
      const action: Action = { start, end: trimAfter ? close - 1 : close, open };
      this.#i = close + 2;
      trimNext = trimAfter;
      const inner = src.slice(action.start, action.end).trim();
      if (inner.startsWith("/*")) {
        if (!inner.endsWith("*/") || inner.length < 4) this.fail("unclosed comment", open);
        continue;
      }
      const tokens = lexAction(src, action.start, action.end);
      for (const token of tokens)
        if (token.t === "field" || token.t === ")")
          for (const name of token.path) this.names.add(name.toLowerCase());
      const first = tokens[0];
      if (!first) this.fail("empty action", open);
      if (first.t === "ident" && KEYWORDS.has(first.value)) {
        if (stops.includes(first.value)) return { nodes, stop: { word: first.value, tokens, action } };
        if (first.value === "else" || first.value === "end")
          this.fail(`unexpected {{${first.value}}}`, first.pos);
        nodes.push(this.block(first.value as "if" | "range" | "with", tokens, action));
      } else {
        nodes.push({ t: "print", pipe: this.pipe(tokens, 0, action) });
      }
    }
  }

  block(word: "if" | "range" | "with", tokens: Token[], action: Action): Node {
    if (++this.#depth > MAX_TEMPLATE_DEPTH)
      this.fail(`nested deeper than ${MAX_TEMPLATE_DEPTH}`, action.open);
    let at = 1;
    let key: string | undefined;
    let value: string | undefined;
    if (word === "range") [key, value, at] = this.rangeVariables(tokens);
    const pipe = this.pipe(tokens, at, action);
    this.#scopes.push([key, value].filter((v): v is string => v !== undefined));
    const body = this.list(["else", "end"]);
    this.#scopes.pop();
    let orElse: Node[] = [];
    const stop = body.stop as NonNullable<typeof body.stop>;
    if (stop.word === "else") {
      const next = stop.tokens[1];
      if (word === "if" && next?.t === "ident" && next.value === "if") {
        // `{{else if …}}`: an `if` in the else branch that ends at this block's {{end}}.
        orElse = [this.block("if", stop.tokens.slice(1), stop.action)];
        this.#depth--;
        return { t: "if", pipe, body: body.nodes, orElse };
      }
      if (next) this.fail(`unexpected ${describeToken(next)} after else`, next.pos);
      const rest = this.list(["end"]);
      orElse = rest.nodes;
      this.endOnly(rest.stop?.tokens ?? []);
    } else {
      this.endOnly(stop.tokens);
    }
    this.#depth--;
    return word === "range"
      ? {
          t: "range",
          pipe,
          body: body.nodes,
          orElse,
          ...(key !== undefined ? { key } : {}),
          ...(value !== undefined ? { value } : {}),
        }
      : { t: word, pipe, body: body.nodes, orElse };
  }

  endOnly(tokens: Token[]): void {
    const extra = tokens[1];
    if (extra) this.fail(`unexpected ${describeToken(extra)} after end`, extra.pos);
  }

  /** `range $v := …` or `range $k, $v := …`: the names declared and where the pipeline starts. */
  rangeVariables(tokens: Token[]): [string | undefined, string | undefined, number] {
    const variable = (k: number) => {
      const t = tokens[k];
      return t?.t === "field" && t.base.startsWith("$") && t.path.length === 0 ? t.base : undefined;
    };
    const a = variable(1);
    if (a && tokens[2]?.t === ":=") return [undefined, a, 3];
    const b = variable(3);
    if (a && tokens[2]?.t === "," && b && tokens[4]?.t === ":=") return [a, b, 5];
    return [undefined, undefined, 1];
  }

  pipe(tokens: Token[], from: number, action: Action): Pipe {
    const [pipe, next] = this.pipeAt(tokens, from, action.open);
    const extra = tokens[next];
    if (extra) this.fail(`unexpected ${describeToken(extra)}`, extra.pos);
    return pipe;
  }

  /** A pipeline from `tokens[from]` up to the end or an unmatched `)`: the pipeline and the index after it. */
  pipeAt(tokens: Token[], from: number, pos: number): [Pipe, number] {
    const cmds: Cmd[] = [];
    let k = from;
    for (;;) {
      const args: Arg[] = [];
      const cmdPos = tokens[k]?.pos ?? pos;
      while (k < tokens.length) {
        const t = tokens[k] as Token;
        if (t.t === "|" || t.t === ")") break;
        if (t.t === "(") {
          if (++this.#depth > MAX_TEMPLATE_DEPTH)
            this.fail(`nested deeper than ${MAX_TEMPLATE_DEPTH}`, t.pos);
          const [inner, after] = this.pipeAt(tokens, k + 1, t.pos);
          const close = tokens[after];
          if (close?.t !== ")") return this.fail(`unclosed "("`, t.pos);
          this.#depth--;
          args.push({ t: "pipe", pipe: inner, path: close.path, pos: t.pos });
          k = after + 1;
          continue;
        }
        args.push(this.arg(t));
        k++;
      }
      const head = args[0];
      if (head === undefined) return this.fail("missing value", tokens[k]?.pos ?? cmdPos);
      // Only a function takes arguments, and what a `|` hands on is an argument.
      if (head.t !== "ident" && cmds.length > 0) this.fail("only a function can follow |", cmdPos);
      if (head.t !== "ident" && args.length > 1) this.fail("a value cannot take arguments", cmdPos);
      cmds.push({ args, pos: cmdPos });
      if (tokens[k]?.t !== "|") return [{ cmds, pos: tokens[from]?.pos ?? pos }, k];
      k++;
    }
  }

  /**
   * A number literal, refused where Go refuses it at parse (a whole number past 64 bits: "integer overflow"; a
   * number past float64: "illegal number syntax") or where JavaScript would change it (a whole number past 2^53
   * that is not exactly a float64), so `printf "%d"` never prints another number than the one typed.
   */
  number(text: string, pos: number): number {
    const n = Number(text);
    if (!Number.isFinite(n)) this.fail(`number ${text} is out of range`, pos);
    if (/^-?\d+$/.test(text)) {
      const exact = BigInt(text);
      if (exact < -(2n ** 63n) || exact >= 2n ** 64n) this.fail(`integer overflow: ${text}`, pos);
      if (BigInt(n) !== exact)
        this.fail(
          `integer ${text} is past 2^53 and has no exact value here (${BigInt(n)} is the nearest)`,
          pos,
        );
    }
    return n;
  }

  arg(t: Token): Arg {
    switch (t.t) {
      case "field":
        if (t.base !== "dot" && t.base !== "root" && !this.#scopes.some((s) => s.includes(t.base)))
          this.fail(`undefined variable ${t.base}`, t.pos);
        return { t: "field", base: t.base, path: t.path, pos: t.pos };
      case "string":
        return { t: "literal", value: t.value, pos: t.pos };
      case "number":
        return { t: "literal", value: this.number(t.value, t.pos), pos: t.pos };
      case "ident":
        if (t.value === "true" || t.value === "false")
          return { t: "literal", value: t.value === "true", pos: t.pos };
        if (t.value === "nil") return { t: "literal", value: null, pos: t.pos };
        if (KEYWORDS.has(t.value)) this.fail(`unexpected keyword ${t.value}`, t.pos);
        if (!Object.hasOwn(FUNCTIONS, t.value)) this.fail(`unknown function "${t.value}"`, t.pos);
        return { t: "ident", name: t.value, pos: t.pos };
      default:
        return this.fail(`unexpected ${describeToken(t)}`, t.pos);
    }
  }
}

function describeToken(t: Token): string {
  if (t.t === "field")
    return `${t.base === "dot" ? "" : t.base === "root" ? "$" : t.base}.${t.path.join(".")}`;
  if (t.t === "string" || t.t === "number" || t.t === "ident") return JSON.stringify(t.value);
  return `"${t.t}"`;
}

/** `\n`, `\t` and `\\` in text are a newline, a tab and a backslash; any other backslash stays as typed. */
function unescapeText(text: string): string {
  return text.replace(/\\([nt\\])/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : "\\"));
}

// ---- evaluation ---------------------------------------------------------------------------------------------------

type Fn = (fail: (message: string) => never, args: unknown[]) => unknown;

function typeName(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return `a ${typeof v}`;
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return true;
}

function arity(name: string, args: unknown[], min: number, max: number, fail: (m: string) => never): void {
  if (args.length < min || args.length > max) {
    const wanted =
      min === max ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`;
    fail(`${name} takes ${wanted} argument${wanted === "1" ? "" : "s"}, got ${args.length}`);
  }
}

function text(name: string, v: unknown, fail: (m: string) => never): string {
  if (typeof v === "string") return v;
  if (v === undefined || v === null) return "";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return fail(`${name} needs a string, got ${typeName(v)}`);
}

/** The functions of the subset. Each checks its arguments and fails with a message; none throws otherwise. */
const FUNCTIONS: Record<string, Fn> = {
  json: (fail, args) => {
    arity("json", args, 1, 1, fail);
    return JSON.stringify(args[0] ?? null);
  },
  index: (fail, args) => {
    arity("index", args, 1, Number.POSITIVE_INFINITY, fail);
    let v = args[0];
    for (const key of args.slice(1)) {
      if (v === undefined || v === null) return undefined;
      if (Array.isArray(v)) {
        if (typeof key !== "number" || !Number.isInteger(key))
          return fail(`index of a list needs a whole number, got ${typeName(key)}`);
        if (key < 0 || key >= v.length) return fail(`index ${key} out of range (the list has ${v.length})`);
        v = v[key];
      } else if (isObject(v)) {
        if (typeof key !== "string")
          return fail(`index of an object needs a string key, got ${typeName(key)}`);
        v = Object.hasOwn(v, key) ? v[key] : undefined;
      } else {
        return fail(`cannot index ${typeName(v)}`);
      }
    }
    return v;
  },
  join: (fail, args) => {
    arity("join", args, 2, 2, fail);
    const [list, sep] = args;
    if (typeof sep !== "string") return fail(`join's separator must be a string, got ${typeName(sep)}`);
    if (list === undefined || list === null) return "";
    if (!Array.isArray(list)) return fail(`join needs a list, got ${typeName(list)}`);
    return list.map((x) => formatValue(x, true)).join(sep);
  },
  split: (fail, args) => {
    arity("split", args, 2, 2, fail);
    return text("split", args[0], fail).split(text("split", args[1], fail));
  },
  len: (fail, args) => {
    arity("len", args, 1, 1, fail);
    const v = args[0];
    if (v === undefined || v === null) return 0;
    if (typeof v === "string" || Array.isArray(v)) return v.length;
    if (isObject(v)) return Object.keys(v).length;
    return fail(`len needs a list, an object or a string, got ${typeName(v)}`);
  },
  lower: (fail, args) => {
    arity("lower", args, 1, 1, fail);
    return text("lower", args[0], fail).toLowerCase();
  },
  upper: (fail, args) => {
    arity("upper", args, 1, 1, fail);
    return text("upper", args[0], fail).toUpperCase();
  },
  println: (_, args) => sprintln(args),
  eq: (fail, args) => {
    arity("eq", args, 2, Number.POSITIVE_INFINITY, fail);
    return args.slice(1).some((b) => JSON.stringify(args[0] ?? null) === JSON.stringify(b ?? null));
  },
  ne: (fail, args) => {
    arity("ne", args, 2, 2, fail);
    return JSON.stringify(args[0] ?? null) !== JSON.stringify(args[1] ?? null);
  },
  not: (fail, args) => {
    arity("not", args, 1, 1, fail);
    return !truthy(args[0]);
  },
  // `and` and `or` are here for the list of names and for a pipe's value; the renderer evaluates their arguments one
  // at a time and stops at the first that decides, as Go's (since 1.18) do: `and .A (index .A 0)` is safe.
  and: (fail, args) => {
    arity("and", args, 1, Number.POSITIVE_INFINITY, fail);
    return args.find((v) => !truthy(v)) ?? args[args.length - 1];
  },
  or: (fail, args) => {
    arity("or", args, 1, Number.POSITIVE_INFINITY, fail);
    return args.find((v) => truthy(v)) ?? args[args.length - 1];
  },
  lt: (fail, args) => compare("lt", args, fail) < 0,
  le: (fail, args) => compare("le", args, fail) <= 0,
  gt: (fail, args) => compare("gt", args, fail) > 0,
  ge: (fail, args) => compare("ge", args, fail) >= 0,
  print: (_, args) => sprint(args),
  printf: (fail, args) => {
    arity("printf", args, 1, Number.POSITIVE_INFINITY, fail);
    const [format, ...values] = args;
    if (typeof format !== "string") return fail(`printf's format must be a string, got ${typeName(format)}`);
    return sprintf(format, values, fail);
  },
  slice: (fail, args) => {
    arity("slice", args, 1, 3, fail);
    const [v, ...bounds] = args;
    if (typeof v !== "string" && !Array.isArray(v)) return fail(`cannot slice ${typeName(v)}`);
    const [from = 0, to = v.length] = bounds as number[];
    for (const b of bounds)
      if (typeof b !== "number" || !Number.isInteger(b))
        return fail(`slice's bounds must be whole numbers, got ${typeName(b)}`);
    if (from < 0 || to > v.length || from > to)
      return fail(`slice bounds out of range [${from}:${to}] of length ${v.length}`);
    return v.slice(from, to);
  },
  html: (_, args) => sprint(args).replace(/[&'<>"\0]/g, (c) => HTML_ESCAPES[c as keyof typeof HTML_ESCAPES]),
  js: (_, args) => jsEscape(sprint(args)),
  urlquery: (_, args) =>
    // Go's url.QueryEscape: every byte but letters, digits and `-_.~` escaped, a space as `+`.
    encodeURIComponent(sprint(args))
      .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
      .replace(/%20/g, "+"),
};

/** Go's template.HTMLEscapeString. */
const HTML_ESCAPES = { "&": "&amp;", "'": "&#39;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "\0": "\uFFFD" };

/** Go's template.JSEscapeString: quotes, backslash, `<>&=` and control characters as `\uXXXX` or `\c`. */
function jsEscape(text: string): string {
  return text.replace(/[\\'"<>&=\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === "\\" || c === "'" || c === '"') return `\\${c}`;
    return `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
  });
}

/** `lt`/`le`/`gt`/`ge`: two numbers or two strings, as Go compares basic kinds; anything else is an error. */
function compare(name: string, args: unknown[], fail: (m: string) => never): number {
  arity(name, args, 2, 2, fail);
  const [a, b] = args;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  return fail(`${name}: incompatible types for comparison (${typeName(a)} and ${typeName(b)})`);
}

/** The names of the functions a template may call, for the documentation and its test. */
export const TEMPLATE_FUNCTIONS: readonly string[] = Object.keys(FUNCTIONS);

interface Scope {
  dot: unknown;
  root: unknown;
  vars: Map<string, unknown>;
  /** The shapes of `.`, `$` and the variables ("any" when not known). */
  dotShape: Shape;
  rootShape: Shape;
  varShapes: Map<string, Shape>;
}

/** A shape with nothing under it: "any", "bool" or "time". */
function isLeaf(shape: Shape): shape is "any" | "bool" | "time" {
  return typeof shape === "string";
}

/** The shape of the elements of a list or the values of a map. */
function elementShape(shape: Shape): Shape {
  if (isLeaf(shape) || "object" in shape) return "any";
  return "list" in shape ? shape.list : shape.map;
}

/** What a declared value the document leaves out (or holds null) prints as: Go's zero value of its type. */
function zeroText(shape: Shape): string {
  if (shape === "time") return "<nil>";
  if (shape === "bool") return "false";
  if (isLeaf(shape) || "object" in shape) return "";
  return "list" in shape ? "[]" : "map[]";
}

/** The zero value handed to `print`, `printf` and `println`: an empty list or object, a nil time, or "". */
function zeroValue(shape: Shape): unknown {
  if (shape === "time") return new GoStringer("<nil>", "*time.Time");
  if (shape === "bool") return false;
  if (isLeaf(shape) || "object" in shape) return zeroText(shape);
  return "list" in shape ? [] : {};
}

/**
 * The functions that print their arguments as Go's fmt (`html`, `js` and `urlquery` through fmt.Sprint): they see a
 * time as Go's String and a zero as its type's.
 */
const FMT_FUNCTIONS = new Set(["print", "printf", "println", "html", "js", "urlquery"]);

class Renderer {
  #out: string[] = [];
  #size = 0;
  constructor(readonly source: string) {}

  fail(message: string, at: number): never {
    throw new TemplateError(message, this.source, at);
  }

  run(nodes: Node[], root: unknown, shape: Shape): string {
    this.nodes(nodes, {
      dot: root,
      root,
      vars: new Map(),
      dotShape: shape,
      rootShape: shape,
      varShapes: new Map(),
    });
    return this.#out.join("");
  }

  write(s: string, at: number): void {
    this.#size += s.length;
    if (this.#size > MAX_TEMPLATE_OUTPUT)
      this.fail(`the output is larger than ${MAX_TEMPLATE_OUTPUT} characters`, at);
    this.#out.push(s);
  }

  nodes(nodes: Node[], scope: Scope): void {
    for (const node of nodes) {
      switch (node.t) {
        case "text":
          this.write(node.text, 0);
          break;
        case "print": {
          const v = this.pipe(node.pipe, scope);
          this.write(
            this.printed(v, this.pipeShape(node.pipe, scope), this.pipeZero(node.pipe, scope)),
            node.pipe.pos,
          );
          break;
        }
        case "if": {
          const v = this.pipe(node.pipe, scope);
          this.nodes(truthy(v) ? node.body : node.orElse, scope);
          break;
        }
        case "with": {
          const v = this.pipe(node.pipe, scope);
          if (truthy(v))
            this.nodes(node.body, { ...scope, dot: v, dotShape: this.pipeShape(node.pipe, scope) });
          else this.nodes(node.orElse, scope);
          break;
        }
        case "range":
          this.range(node, scope);
          break;
      }
    }
  }

  range(node: Extract<Node, { t: "range" }>, scope: Scope): void {
    const v = this.pipe(node.pipe, scope);
    let entries: [unknown, unknown][];
    if (v === undefined || v === null) entries = [];
    else if (Array.isArray(v)) entries = v.map((x, i) => [i, x]);
    else if (isObject(v))
      entries = Object.keys(v)
        .sort()
        .map((k) => [k, v[k]]);
    else this.fail(`cannot range over ${typeName(v)}`, node.pipe.pos);
    if (entries.length === 0) {
      this.nodes(node.orElse, scope);
      return;
    }
    const shape = elementShape(this.pipeShape(node.pipe, scope));
    const varShapes = new Map(scope.varShapes);
    if (node.key !== undefined) varShapes.set(node.key, "any");
    if (node.value !== undefined) varShapes.set(node.value, shape);
    for (const [key, value] of entries) {
      const vars = new Map(scope.vars);
      if (node.key !== undefined) vars.set(node.key, key);
      if (node.value !== undefined) vars.set(node.value, value);
      this.nodes(node.body, { ...scope, dot: value, vars, dotShape: shape, varShapes });
    }
  }

  pipe(pipe: Pipe, scope: Scope): unknown {
    let value: unknown;
    pipe.cmds.forEach((cmd, i) => {
      // What a `|` hands on keeps the shape of the commands before it, for a fmt function after it.
      const before = { cmds: pipe.cmds.slice(0, i), pos: pipe.pos };
      value = this.cmd(cmd, scope, i === 0 ? [] : [value], i === 0 ? undefined : before);
    });
    return value;
  }

  /**
   * How a value prints as Go's text/template prints it: a missing or null one as its declared type's zero value
   * (`zero`), or `<no value>` where Go has no value (a map's missing key, an undeclared field); a time as Go's.
   */
  printed(v: unknown, shape: Shape, zero: Shape | undefined): string {
    if (v === undefined || v === null) return zero === undefined ? "<no value>" : zeroText(zero);
    if (shape === "time" && typeof v === "string") return goTime(v) ?? v;
    return formatValue(v);
  }

  /** A value handed to a fmt function, as Go would hand it: a time as its String, a declared zero as its type's. */
  fmtValue(v: unknown, shape: Shape, zero: Shape | undefined): unknown {
    if ((v === undefined || v === null) && zero !== undefined) return zeroValue(zero);
    const time = shape === "time" && typeof v === "string" ? goTime(v) : undefined;
    if (time !== undefined) return new GoStringer(time, "*time.Time");
    return v;
  }

  /**
   * The declared shape of a pipeline's value when Go would hold a typed zero value for it where the document has
   * none: a declared field of an object, or `index` of a map (its value type's zero). Undefined where Go has no value
   * at all: a map's missing key read as a field, a field nothing declares, what a function other than `index` made.
   */
  pipeZero(pipe: Pipe, scope: Scope): Shape | undefined {
    const last = pipe.cmds[pipe.cmds.length - 1];
    const [head, ...rest] = last?.args ?? [];
    if (head === undefined) return undefined;
    // `{{nil}}`, which Go refuses ("nil is not a command"): nothing, as before.
    if (head.t === "literal") return "any";
    if (head.t !== "ident") return this.argZero(head, scope);
    if (head.name !== "index" || pipe.cmds.length > 1) return undefined;
    const [of, ...keys] = rest;
    if (of?.t !== "field" && of?.t !== "pipe") return undefined;
    let shape = this.argShape(of, scope);
    let zero: Shape | undefined;
    for (const key of keys) {
      if (isLeaf(shape)) return undefined;
      if ("object" in shape) {
        zero = key.t === "literal" && typeof key.value === "string" ? declared(shape, key.value) : undefined;
        shape = zero ?? "any";
      } else {
        shape = elementShape(shape);
        zero = shape;
      }
    }
    return zero;
  }

  /** {@link pipeZero} of one argument: a field path, or a parenthesised pipeline and the path after it. */
  argZero(arg: Arg, scope: Scope): Shape | undefined {
    if (arg.t === "field") return pathZero(this.baseShape(arg.base, scope), arg.path);
    if (arg.t === "pipe")
      return arg.path.length
        ? pathZero(this.pipeShape(arg.pipe, scope), arg.path)
        : this.pipeZero(arg.pipe, scope);
    return undefined;
  }

  /** The shape of one argument's value, as far as it is known. */
  argShape(arg: Arg, scope: Scope): Shape {
    if (arg.t === "field") return pathShape(this.baseShape(arg.base, scope), arg.path);
    if (arg.t === "pipe") return pathShape(this.pipeShape(arg.pipe, scope), arg.path);
    return "any";
  }

  cmd(cmd: Cmd, scope: Scope, piped: unknown[], before?: Pipe): unknown {
    const [head, ...rest] = cmd.args as [Arg, ...Arg[]];
    if (head.t === "ident" && (head.name === "and" || head.name === "or")) {
      // Evaluated one at a time, stopping at the first that decides (Go 1.18's short-circuit); a piped value last.
      const thunks = [...rest.map((a) => () => this.arg(a, scope)), ...piped.map((v) => () => v)];
      if (!thunks.length) this.fail(`${head.name} takes at least 1 argument, got 0`, head.pos);
      let value: unknown;
      for (const thunk of thunks) {
        value = thunk();
        if (truthy(value) === (head.name === "or")) return value;
      }
      return value;
    }
    if (head.t === "ident") {
      const fn = FUNCTIONS[head.name] as Fn;
      let args = [...rest.map((a) => this.arg(a, scope)), ...piped];
      if (FMT_FUNCTIONS.has(head.name)) {
        const shapes = rest.map((a) => [this.argShape(a, scope), this.argZero(a, scope)] as const);
        if (before) shapes.push([this.pipeShape(before, scope), this.pipeZero(before, scope)]);
        args = args.map((v, i) => this.fmtValue(v, shapes[i]?.[0] ?? "any", shapes[i]?.[1]));
      }
      return fn((message) => this.fail(`${message}`, head.pos), args);
    }
    // A value with arguments, or after a `|`, was refused by the parser.
    return this.arg(head, scope);
  }

  arg(arg: Arg, scope: Scope): unknown {
    switch (arg.t) {
      case "literal":
        return arg.value;
      case "pipe":
        return this.walk(this.pipe(arg.pipe, scope), arg.path, arg.pos, this.pipeShape(arg.pipe, scope));
      case "ident":
        return this.cmd({ args: [arg], pos: arg.pos }, scope, []);
      case "field": {
        const base =
          arg.base === "dot" ? scope.dot : arg.base === "root" ? scope.root : scope.vars.get(arg.base);
        return this.walk(base, arg.path, arg.pos, this.baseShape(arg.base, scope));
      }
    }
  }

  baseShape(base: string, scope: Scope): Shape {
    return base === "dot"
      ? scope.dotShape
      : base === "root"
        ? scope.rootShape
        : (scope.varShapes.get(base) ?? "any");
  }

  /**
   * The shape of a pipeline's value, as far as it is known: a field's, or `index`'s of a declared list, map or
   * object; "any" for what a function makes.
   */
  pipeShape(pipe: Pipe, scope: Scope): Shape {
    const last = pipe.cmds[pipe.cmds.length - 1];
    const [head, ...rest] = last?.args ?? [];
    if (head === undefined) return "any";
    if (head.t === "field") return pathShape(this.baseShape(head.base, scope), head.path);
    if (head.t === "pipe") return pathShape(this.pipeShape(head.pipe, scope), head.path);
    if (head.t !== "ident" || head.name !== "index" || pipe.cmds.length > 1) return "any";
    const [of, ...keys] = rest;
    if (of?.t !== "field" && of?.t !== "pipe") return "any";
    let shape = of.t === "field" ? pathShape(this.baseShape(of.base, scope), of.path) : "any";
    for (const key of keys) {
      if (isLeaf(shape)) return "any";
      shape =
        "object" in shape
          ? key.t === "literal" && typeof key.value === "string"
            ? (declared(shape, key.value) ?? "any")
            : "any"
          : elementShape(shape);
    }
    return shape;
  }

  /**
   * The value at `path` under `v`: nothing past a missing field or a null, an error past a string or a list, and an
   * error at a field its declared shape does not have (nor the document).
   */
  walk(v: unknown, path: string[], pos: number, shape: Shape): unknown {
    for (const name of path) {
      if (v !== undefined && v !== null && !isObject(v))
        this.fail(`cannot read field ${name} of ${typeName(v)}`, pos);
      let value = v === undefined || v === null ? undefined : field(v, name);
      if (!isLeaf(shape) && "object" in shape) {
        const next = declared(shape, name);
        // Go's name of a field stored under another key (`CreatedBy`: `created_by`).
        const aliases = shape.aliases ?? {};
        const alias = declaredKey(aliases, name);
        if (value === undefined && alias !== undefined && isObject(v))
          value = field(v, aliases[alias] as string);
        if (next === undefined && value === undefined) {
          const names = Object.keys(shape.fields).sort((a, b) => a.localeCompare(b, "en"));
          this.fail(`${shape.object} has no field ${quoteText(name)} (it has: ${names.join(", ")})`, pos);
        }
        shape = next ?? "any";
      } else {
        shape = isLeaf(shape) ? "any" : elementShape(shape);
        if (v === undefined || v === null) return undefined;
      }
      v = value;
    }
    return v;
  }
}

/** The shape of a declared field, matched as {@link field} matches keys: exactly, else in any case. */
function declared(shape: { fields: Readonly<Record<string, Shape>> }, name: string): Shape | undefined {
  const key = declaredKey(shape.fields, name);
  return key === undefined ? undefined : shape.fields[key];
}

/** The key of `record` that `name` matches: itself, else the first (in sorted order) equal to it but for case. */
function declaredKey(record: Readonly<Record<string, unknown>>, name: string): string | undefined {
  if (Object.hasOwn(record, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(record)
    .sort()
    .find((k) => k.toLowerCase() === lower);
}

/** The shape at `path` under `shape`, without a document: "any" past what is declared. */
function pathShape(shape: Shape, path: string[]): Shape {
  for (const name of path) {
    if (isLeaf(shape)) return "any";
    shape = "object" in shape ? (declared(shape, name) ?? "any") : elementShape(shape);
  }
  return shape;
}

/**
 * The declared shape at `path` when its last step is a field an object declares (Go's struct field, which has a zero
 * value when the document leaves it out); undefined past a map (Go's missing key has none) or what nobody declared.
 */
function pathZero(shape: Shape, path: string[]): Shape | undefined {
  let zero: Shape | undefined;
  for (const name of path) {
    zero = !isLeaf(shape) && "object" in shape ? declared(shape, name) : undefined;
    shape = zero ?? (isLeaf(shape) ? "any" : elementShape(shape));
  }
  return zero;
}

/** The exact key, else the first key (in sorted order) equal to it but for case. */
function field(v: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(v, name)) return v[name];
  const lower = name.toLowerCase();
  const key = Object.keys(v)
    .sort()
    .find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : v[key];
}

/**
 * Parses a template. Errors in its syntax, unknown functions and undefined variables are found here, before any
 * document is fetched.
 * @throws TemplateError
 */
export function compileTemplate(source: string): Template {
  const parser = new Parser(source);
  const nodes = parser.list([]).nodes;
  return {
    reads: (name) => parser.names.has(name.toLowerCase()),
    render: (data, shape = "any") => {
      try {
        return new Renderer(source).run(nodes, data, shape);
      } catch (error) {
        // A document nested deeper than the stack (a hostile config of nested lists) is refused like a bad template.
        if (error instanceof RangeError)
          throw new TemplateError("the document is nested too deeply to print", source, 0);
        throw error;
      }
    },
  };
}
