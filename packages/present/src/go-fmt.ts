/**
 * Go's fmt for the values of a `--format` template (template.ts): `printf`'s verbs, flags, widths and argument
 * indexes, and `print`'s `%v`, over JSON values, byte for byte as Go prints the same values decoded from JSON
 * (https://pkg.go.dev/fmt). A JSON number is Go's float64, but a whole one prints as an integer, as skopeo's typed
 * fields (int64 sizes) do. Where Go writes a complaint into the output (`%!d(string=abc)`, `%!s(MISSING)`), this
 * fails instead (`fail`), so a script sees an error, not a wrong line.
 */

/**
 * A value of a Go type with a String method (skopeo's *time.Time), handed to fmt: it prints as `text`, and `print`
 * puts a space beside it as beside any operand that is no string.
 */
export class GoStringer {
  constructor(
    readonly text: string,
    /** Its Go type, for `%T`. */
    readonly type: string,
  ) {}
}

/** How a value prints, as Go's `%v` prints the same JSON: lists `[a b]`, objects `map[k:v]` with sorted keys. */
export function formatValue(v: unknown, nested = false): string {
  if (v === undefined) return "";
  if (v instanceof GoStringer) return v.text;
  if (v === null) return nested ? "<nil>" : "";
  if (Array.isArray(v)) return `[${v.map((x) => formatValue(x, true)).join(" ")}]`;
  if (isObject(v))
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${formatValue(v[k], true)}`)
      .join(" ")}]`;
  // A fraction as Go's %v of a float64 (`1e-06`); a whole number as an integer, as skopeo's typed fields print.
  if (typeof v === "number" && !Number.isInteger(v)) return general(v);
  return String(v);
}

/**
 * An RFC 3339 time as Go's time.Time String prints it after decoding it (`2024-01-02 03:04:05.123456789 +0000 UTC`):
 * the wall clock as written, the fraction cut to 9 digits and its trailing zeros dropped, the zone `+0000 UTC` for
 * `Z` or a zero offset and `+0200 +0200` (Go's nameless fixed zone) for another. Go names a zero offset after the
 * local zone, which is UTC where skopeo runs in a container or CI. Undefined for a text that is no such time (Go's
 * decoding refuses it).
 */
export function goTime(text: string): string | undefined {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/.exec(
      text,
    );
  if (!m) return undefined;
  const [, year, month, day, hour, minute, second, fraction = "", sign = "+", zh = "00", zm = "00"] = m;
  const n = Number;
  const leap = n(year) % 4 === 0 && (n(year) % 100 !== 0 || n(year) % 400 === 0);
  const days = n(month) === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(n(month)) ? 30 : 31;
  if (n(month) < 1 || n(month) > 12 || n(day) < 1 || n(day) > days) return undefined;
  if (n(hour) > 23 || n(minute) > 59 || n(second) > 59 || n(zh) > 23 || n(zm) > 59) return undefined;
  const nanos = fraction.slice(0, 9).replace(/0+$/, "");
  const offset = `${sign}${zh}${zm}`;
  const zone = zh === "00" && zm === "00" ? "+0000 UTC" : `${offset} ${offset}`;
  return `${year}-${month}-${day} ${hour}:${minute}:${second}${nanos ? `.${nanos}` : ""} ${zone}`;
}

/** A JSON object (not a list, not null): Go's map[string]interface {}. */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** An argument of a Go function: null and missing are Go's nil interface, `<nil>`. */
function argValue(v: unknown): string {
  return formatValue(v ?? null, true);
}

/** Go's `%T` of a value decoded from JSON into `interface{}`. */
export function goType(v: unknown): string {
  if (v === undefined || v === null) return "<nil>";
  if (typeof v === "string") return "string";
  if (typeof v === "number") return "float64";
  if (typeof v === "boolean") return "bool";
  if (v instanceof GoStringer) return v.type;
  if (Array.isArray(v)) return "[]interface {}";
  return "map[string]interface {}";
}

/** Go's fmt.Sprint: values as `%v` (nil as `<nil>`), a space between two operands when neither is a string. */
export function sprint(args: unknown[]): string {
  let out = "";
  args.forEach((v, i) => {
    if (i > 0 && typeof v !== "string" && typeof args[i - 1] !== "string") out += " ";
    out += argValue(v);
  });
  return out;
}

/** Go's fmt.Sprintln: values as `%v`, always a space between them, and a newline. */
export function sprintln(args: unknown[]): string {
  return `${args.map(argValue).join(" ")}\n`;
}

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const SHORT_ESCAPES: Record<string, string> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
  "\\": "\\\\",
};

/** One rune as Go's strconv quotes it between `quote`s: `\n`, `\x1b`, `\u00a0`, `\U0001f600` or itself. */
function quoteRune(ch: string, quote: string): string {
  if (ch === quote) return `\\${ch}`;
  const short = SHORT_ESCAPES[ch];
  if (short) return short;
  if (PRINTABLE.test(ch)) return ch;
  const cp = ch.codePointAt(0) as number;
  // A lone surrogate is no rune: Go sees invalid UTF-8 there, which JSON decoding made U+FFFD.
  if (cp >= 0xd800 && cp <= 0xdfff) return "\ufffd";
  if (cp < 0x20 || cp === 0x7f) return `\\x${cp.toString(16).padStart(2, "0")}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, "0")}`;
  return `\\U${cp.toString(16).padStart(8, "0")}`;
}

/** Go's strconv.Quote. */
export function goQuote(s: string): string {
  return `"${Array.from(s, (ch) => quoteRune(ch, '"')).join("")}"`;
}

/** The rune a whole number is (Go's `%c`): U+FFFD for a number that is none. */
function rune(n: number): string {
  return n < 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff) ? "\ufffd" : String.fromCodePoint(n);
}

/** Go's strconv.FormatFloat(v, 'e', prec): at least two exponent digits. */
function exponent(n: number, prec?: number): string {
  return n.toExponential(prec).replace(/e([-+])(\d)$/, "e$10$2");
}

/** Go's `%f` with `prec` decimals, also past 1e21 where JavaScript's toFixed switches to an exponent. */
function fixed(n: number, prec: number): string {
  if (Math.abs(n) < 1e21) return n.toFixed(prec);
  return `${BigInt(n)}${prec > 0 ? `.${"0".repeat(prec)}` : ""}`;
}

/**
 * Go's `%g`: the shortest digits (or `prec` significant ones, trailing zeros dropped), with an exponent when it is
 * below -4 or at least the precision (6 for the shortest: Go's strconv, not JSON's or JavaScript's 21), as
 * strconv.FormatFloat(v, 'g', prec) writes it.
 */
function general(n: number, prec?: number): string {
  if (n === 0) return Object.is(n, -0) ? "-0" : "0";
  const digits = prec === undefined ? n.toExponential() : n.toExponential(Math.max(prec, 1) - 1);
  const [mantissa = "", exp = "0"] = digits.split("e");
  const x = Number(exp);
  const trimmed = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
  if (x < -4 || x >= (prec === undefined ? 6 : Math.max(prec, 1))) return exponent(Number(`${trimmed}e${x}`));
  const significant = trimmed.replace(/^-/, "").replace(".", "").length;
  return fixed(Number(digits), Math.max(significant - (x + 1), 0));
}

/** The widest `printf` field and the longest precision a template may ask for. */
export const MAX_WIDTH = 100_000;
export const MAX_PRECISION = 100;

interface Spec {
  text: string;
  flags: string;
  width?: number;
  precision?: number;
  verb: string;
}

/**
 * Go's fmt.Sprintf over JSON values: verbs `%v %s %q %d %b %o %O %x %X %c %U %e %E %f %F %g %G %t %T %%`, flags
 * `-+# 0`, widths and precisions (`*` takes them from the values), explicit argument indexes (`%[2]s`). A verb that
 * does not fit its value, a missing value, a bad index or an unused value fails, where Go prints `%!…` into the text.
 */
export function sprintf(format: string, values: unknown[], failWith: (m: string) => never): string {
  // The message is one line whatever the format and the values hold: their control characters escaped as Go's.
  const fail = (message: string): never => failWith(message.replace(/\p{Cc}/gu, (ch) => quoteRune(ch, "")));
  let out = "";
  let next = 0;
  let reordered = false;
  let i = 0;
  /** An explicit `[n]` at `i`: moves `next` to it. */
  const index = (spec: () => string): void => {
    if (format[i] !== "[") return;
    reordered = true;
    const m = /^\[(\d+)\]/.exec(format.slice(i));
    const n = m ? Number(m[1]) : 0;
    if (!m || n < 1 || n > values.length)
      fail(`printf: bad argument index in ${spec()}${format.slice(i, i + (m?.[0].length ?? 1))}`);
    next = n - 1;
    i += (m as RegExpExecArray)[0].length;
  };
  /** A `*` width or precision: the next value, a whole number. */
  const star = (spec: () => string): number => {
    if (next >= values.length) return fail(`printf: ${spec()} has no value`);
    const n = values[next++];
    if (typeof n !== "number" || !Number.isSafeInteger(n))
      return fail(`printf: ${spec()} needs a whole number, got ${goType(n)}`);
    return n;
  };
  while (i < format.length) {
    const percent = format.indexOf("%", i);
    if (percent < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, percent);
    i = percent + 1;
    const spec = () => format.slice(percent, i);
    let flags = (/^[-+# 0]*/.exec(format.slice(i)) as RegExpExecArray)[0];
    i += flags.length;
    index(spec);
    let width: number | undefined;
    if (format[i] === "*") {
      i++;
      width = star(spec);
      if (width < 0) {
        flags += "-";
        width = -width;
      }
    } else {
      const w = /^\d+/.exec(format.slice(i))?.[0];
      if (w !== undefined) {
        width = Number(w);
        i += w.length;
      }
    }
    let precision: number | undefined;
    if (format[i] === ".") {
      i++;
      index(spec);
      if (format[i] === "*") {
        i++;
        const p = star(spec);
        precision = p < 0 ? undefined : p;
      } else {
        // `%.f`: a precision of 0.
        const p = /^\d*/.exec(format.slice(i))?.[0] ?? "";
        precision = Number(p);
        i += p.length;
      }
    }
    index(spec);
    const verb = String.fromCodePoint(format.codePointAt(i) ?? 0);
    if (i >= format.length) return fail(`printf: ${spec()} has no verb at the end of the format`);
    i += verb.length;
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (next >= values.length) return fail(`printf: ${spec()} has no value`);
    // Bounds of ours (Go has none): JavaScript's number formatting stops at 100 digits, and a width is output.
    if ((width ?? 0) > MAX_WIDTH) return fail(`printf: ${spec()} is wider than ${MAX_WIDTH}`);
    if ((precision ?? 0) > MAX_PRECISION)
      return fail(`printf: ${spec()} has a precision above ${MAX_PRECISION}`);
    const s: Spec = {
      text: spec(),
      flags,
      verb,
      ...(width !== undefined ? { width } : {}),
      ...(precision !== undefined ? { precision } : {}),
    };
    const v = values[next++];
    out += pad(formatOne(v, s, fail), s, typeof v === "number");
  }
  if (!reordered && next < values.length)
    return fail(`printf: ${values.length - next} value(s) more than the format uses`);
  return out;
}

/** `text` padded to the spec's width (in runes, as Go counts): left, right, or a number with zeros after its sign. */
function pad(text: string, s: Spec, isNumber: boolean): string {
  const length = Array.from(text).length;
  const width = s.width ?? 0;
  if (length >= width) return text;
  if (s.flags.includes("-")) return text + " ".repeat(width - length);
  if (s.flags.includes("0") && isNumber && "dboOxXeEfFgG".includes(s.verb)) {
    const prefix = (/^[-+ ]?(?:0[xXbo]|0o)?/.exec(text) as RegExpExecArray)[0];
    return prefix + "0".repeat(width - length) + text.slice(prefix.length);
  }
  return " ".repeat(width - length) + text;
}

function formatOne(v: unknown, s: Spec, fail: (m: string) => never): string {
  // Go prints `%!d(string=abc)` into the text; this names the same.
  const bad = (): never => {
    const shown = Array.from(argValue(v));
    const value = shown.length > 60 ? `${shown.slice(0, 60).join("")}…` : shown.join("");
    return fail(
      `printf: ${s.text} cannot print ${v === undefined || v === null ? value : `${goType(v)}=${value}`}`,
    );
  };
  const { flags, precision, verb } = s;
  const number = (): number => (typeof v === "number" ? v : bad());
  const whole = (): number => (Number.isInteger(v) ? (v as number) : bad());
  /** A sign for a number that has none: `+` or ` ` as the flags ask. */
  const sign = (n: number, text: string): string =>
    n < 0 || Object.is(n, -0)
      ? text
      : flags.includes("+")
        ? `+${text}`
        : flags.includes(" ")
          ? ` ${text}`
          : text;
  /** A whole number in `base`, with Go's prefix for `#` (or always, for `%O`) and `precision` digits at least. */
  const integer = (base: number, prefix: string): string => {
    const n = whole();
    let digits = (n < 0 ? -BigInt(n) : BigInt(n)).toString(base);
    if (precision !== undefined) digits = precision === 0 && n === 0 ? "" : digits.padStart(precision, "0");
    if (verb === "X") digits = digits.toUpperCase();
    return sign(n, `${n < 0 ? "-" : ""}${prefix}${digits}`);
  };
  switch (verb) {
    case "v":
    case "s": {
      // `%#v` is Go syntax (`map[string]interface {}{…}`), which this does not write: refused, not printed as `%v`.
      if (verb === "v" && flags.includes("#")) return fail(`printf: ${s.text} (Go syntax) is not supported`);
      if (verb === "s" && (v === undefined || v === null)) return "";
      const text = verb === "v" ? argValue(v) : formatValue(v);
      return precision === undefined ? text : Array.from(text).slice(0, precision).join("");
    }
    case "q":
      return quoted(v, s, bad);
    case "d":
      return integer(10, "");
    case "b":
      return integer(2, flags.includes("#") ? "0b" : "");
    case "o":
      return integer(8, flags.includes("#") ? "0" : "");
    case "O":
      return integer(8, "0o");
    case "x":
    case "X": {
      // A Stringer (a time) as the bytes of its text, as Go's fmt does.
      const str = v instanceof GoStringer ? v.text : v;
      if (typeof str !== "string") return integer(16, flags.includes("#") ? `0${verb}` : "");
      const bytes = Array.from(new TextEncoder().encode(str), (b) => b.toString(16).padStart(2, "0"));
      const limited = precision === undefined ? bytes : bytes.slice(0, precision);
      const prefix = flags.includes("#") ? `0${verb}` : "";
      // The space flag puts a space between the bytes, each with its own prefix; else one prefix in front.
      const text = flags.includes(" ") ? limited.map((b) => prefix + b).join(" ") : prefix + limited.join("");
      return verb === "X" ? text.toUpperCase().replace(/^0X|(?<= )0X/g, "0X") : text;
    }
    case "c":
      return rune(whole());
    case "U": {
      const n = whole();
      // Go's %U reads a negative number as its 64-bit two's complement.
      const hex = `U+${BigInt.asUintN(64, BigInt(n))
        .toString(16)
        .toUpperCase()
        .padStart(precision ?? 4, "0")}`;
      return flags.includes("#") && PRINTABLE.test(rune(n)) ? `${hex} '${rune(n)}'` : hex;
    }
    case "e":
    case "E": {
      const n = number();
      const text = sign(n, exponent(n, precision ?? 6));
      return verb === "E" ? text.toUpperCase() : text;
    }
    case "f":
    case "F": {
      const n = number();
      return sign(n, fixed(n, precision ?? 6));
    }
    case "g":
    case "G": {
      const n = number();
      const text = sign(n, general(n, precision));
      return verb === "G" ? text.toUpperCase() : text;
    }
    case "t":
      return typeof v === "boolean" ? String(v) : bad();
    case "T":
      return goType(v);
    default:
      return fail(`printf: unknown verb ${s.text}`);
  }
}

/** Go's `%q`: a string quoted (`%#q`: in backquotes when it can), a whole number as a quoted rune, lists and objects element by element. */
function quoted(v: unknown, s: Spec, bad: () => never): string {
  if (v instanceof GoStringer) return goQuote(v.text);
  if (typeof v === "string") {
    if (s.flags.includes("#") && !/[`\p{Cc}]/u.test(v) && !/[\ud800-\udfff]/.test(v)) return `\`${v}\``;
    return goQuote(v);
  }
  if (typeof v === "number" && Number.isInteger(v)) return `'${quoteRune(rune(v), "'")}'`;
  if (Array.isArray(v)) return `[${v.map((x) => quoted(x, s, bad)).join(" ")}]`;
  if (isObject(v))
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${goQuote(k)}:${quoted(v[k], s, bad)}`)
      .join(" ")}]`;
  return bad();
}
