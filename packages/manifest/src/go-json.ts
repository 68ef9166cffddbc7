/**
 * JSON written byte for byte as Go's encoding/json writes it, for documents whose bytes are signed or hashed by Go
 * programs: schema 1 manifests (distribution's `json.MarshalIndent(m, "", "   ")`), their `v1Compatibility` strings,
 * and libtrust's signatures. JSON.stringify differs from Go in three ways that change bytes: Go escapes `<`, `>`, `&`,
 * U+2028 and U+2029 as `\u003c`… (HTML-safe by default), writes other control characters as `\u00XX`, and indents
 * with a prefix as json.Indent does. https://pkg.go.dev/encoding/json#Marshal
 */

/** A JSON value to write; object keys are written in insertion order (sort them first where Go writes a map). */
export type GoJsonValue = string | number | boolean | null | GoJsonValue[] | { [key: string]: GoJsonValue };

/**
 * A string as Go's encoder writes it. Control characters other than `\n`, `\r`, `\t` are `\u00XX`: what Go wrote
 * before 1.22 (which writes `\b` and `\f` short), so what every libtrust signer in the wild wrote. A lone surrogate
 * (what invalid UTF-8 becomes) is written as U+FFFD, as Go replaces invalid UTF-8.
 */
export function goString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
      out += `\\u${c.toString(16).padStart(4, "0")}`;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = value.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += value[i]! + value[i + 1]!;
        i++;
      } else out += "\ufffd";
    } else out += value[i];
  }
  return `${out}"`;
}

/** `json.Marshal(value)`: compact. Numbers must be safe integers (the only numbers these documents hold). */
export function goMarshal(value: GoJsonValue): string {
  if (value === null) return "null";
  if (typeof value === "string") return goString(value);
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new TypeError(`goMarshal writes integers only, got ${value}`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(goMarshal).join(",")}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${goString(k)}:${goMarshal(v)}`)
    .join(",")}}`;
}

/** `json.MarshalIndent(value, prefix, indent)`. */
export function goMarshalIndent(value: GoJsonValue, prefix: string, indent: string): string {
  return goIndent(goMarshal(value), prefix, indent);
}

/**
 * `json.Indent(compact, prefix, indent)` over compact JSON text: a newline, the prefix and one indent per level after
 * every `{`, `[` and `,`; `": "` after keys; empty `{}` and `[]` stay as they are.
 */
export function goIndent(compact: string, prefix: string, indent: string): string {
  let out = "";
  let depth = 0;
  const newline = () => `\n${prefix}${indent.repeat(depth)}`;
  for (let i = 0; i < compact.length; i++) {
    const ch = compact[i]!;
    if (ch === '"') {
      const end = stringEnd(compact, i);
      out += compact.slice(i, end);
      i = end - 1;
    } else if (ch === "{" || ch === "[") {
      const close = ch === "{" ? "}" : "]";
      if (compact[i + 1] === close) {
        out += ch + close;
        i++;
      } else {
        depth++;
        out += ch + newline();
      }
    } else if (ch === "}" || ch === "]") {
      depth--;
      out += newline() + ch;
    } else if (ch === ",") out += `,${newline()}`;
    else if (ch === ":") out += ": ";
    else out += ch;
  }
  return out;
}

/** The index just past the JSON string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  return i + 1;
}

const JSON_SPACE = new Set([" ", "\t", "\n", "\r"]);

/**
 * What Go writes for a `json.RawMessage` holding `text` (valid JSON): the text compacted with its string escapes kept
 * as written, and `<`, `>`, `&`, U+2028, U+2029 escaped (json.Compact with HTML escaping).
 */
export function goCompactRaw(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') {
      const end = stringEnd(text, i);
      out += text
        .slice(i, end)
        .replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
      i = end - 1;
    } else if (!JSON_SPACE.has(ch)) out += ch;
  }
  return out;
}

/**
 * The members of the JSON object `text` (valid JSON, checked by the caller) as raw value texts, as Go decodes into
 * `map[string]json.RawMessage`: a repeated key keeps its last value.
 */
export function rawMembers(text: string): Map<string, string> {
  const members = new Map<string, string>();
  let i = skipSpace(text, 0) + 1; // past `{`
  for (;;) {
    i = skipSpace(text, i);
    if (text[i] === "}") return members;
    const keyEnd = stringEnd(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipSpace(text, keyEnd) + 1; // past `:`
    i = skipSpace(text, i);
    const end = valueEnd(text, i);
    members.set(key, text.slice(i, end));
    i = skipSpace(text, end);
    if (text[i] === ",") i++;
  }
}

function skipSpace(text: string, i: number): number {
  while (JSON_SPACE.has(text[i]!)) i++;
  return i;
}

/** The index just past the JSON value that starts at `start`. */
function valueEnd(text: string, start: number): number {
  const first = text[start];
  if (first === '"') return stringEnd(text, start);
  if (first !== "{" && first !== "[") {
    let i = start;
    while (i < text.length && !/[,}\]\s]/.test(text[i]!)) i++;
    return i;
  }
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') i = stringEnd(text, i) - 1;
    else if (ch === "{" || ch === "[") depth++;
    else if (ch === "}" || ch === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return text.length;
}

/** Compares two strings by their UTF-8 bytes, the order Go sorts map keys in. */
export function compareUtf8(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}
