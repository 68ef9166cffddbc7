/**
 * How Go's encoding/json (and so distribution) reports a body it cannot decode, so the fake registry can answer with
 * the same `detail`: a syntax error is `{"Offset":n}` (json.SyntaxError: the offending byte's index + 1, or the length
 * at an unexpected end), a value of the wrong type is json.UnmarshalTypeError
 * (`{"Value":"array","Type":{},"Offset":n,"Struct":"…","Field":"…"}`, where Offset is just past a literal, or just
 * past the opening `[`/`{`). https://pkg.go.dev/encoding/json#SyntaxError
 */

/** A JSON value's kind as Go names it in UnmarshalTypeError.Value. */
export type GoJsonKind = "object" | "array" | "string" | "number" | "bool" | "null";

/** Where a top-level value or a top-level member's value sits: its kind and the offset Go would report. */
export interface GoJsonValue {
  kind: GoJsonKind;
  /** UnmarshalTypeError.Offset for this value. */
  offset: number;
}

/** A Go type a JSON value is decoded into, as far as json.Unmarshal's type checks go. */
export type GoType =
  | { kind: "int" | "string" }
  | { kind: "struct"; name: string; fields: Record<string, GoType> }
  | { kind: "slice" | "map"; elem: GoType };

/** json.UnmarshalTypeError as distribution writes it in `detail` (Go 1.20+: `Field` is the dotted JSON path). */
export interface GoTypeError {
  Value: string;
  Type: Record<string, never>;
  Offset: number;
  Struct: string;
  Field: string;
}

/** What {@link scanGoJson} found: a syntax error's offset, or the top-level value, its members, the first type error. */
export type GoJsonScan =
  | { syntaxError: number }
  | { syntaxError?: undefined; top: GoJsonValue; members: Map<string, GoJsonValue>; typeError?: GoTypeError };

const INT64 = /^-?(?:0|[1-9][0-9]{0,18})$/;

/**
 * Checks `bytes` as Go's scanner does and describes the top-level value (and, for an object, its members). With
 * `into`, also finds the first value (in document order, as Go reports it) that does not fit the Go type it decodes
 * into. Unknown keys are ignored and keys match fields case-insensitively, as in Go.
 */
export function scanGoJson(bytes: Uint8Array, into?: GoType): GoJsonScan {
  let i = 0;
  let typeError: GoTypeError | undefined;
  const mismatch = (value: GoJsonValue, lexeme: string, want: GoType, struct: string, field: string) => {
    if (typeError || value.kind === "null") return;
    const fits =
      want.kind === "int"
        ? value.kind === "number" &&
          INT64.test(lexeme) &&
          BigInt(lexeme) <= 2n ** 63n - 1n &&
          BigInt(lexeme) >= -(2n ** 63n)
        : want.kind === "string"
          ? value.kind === "string"
          : want.kind === "slice"
            ? value.kind === "array"
            : value.kind === "object";
    if (fits) return;
    const what = want.kind === "int" && value.kind === "number" ? `number ${lexeme}` : value.kind;
    typeError = { Value: what, Type: {}, Offset: value.offset, Struct: struct, Field: field };
  };
  const fail = (at: number): never => {
    throw new GoSyntax(at >= bytes.length ? bytes.length : at + 1);
  };
  const ws = () => {
    while (
      i < bytes.length &&
      (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)
    )
      i++;
  };
  const expect = (text: string) => {
    for (const ch of text) {
      if (bytes[i] !== ch.charCodeAt(0)) fail(i);
      i++;
    }
  };
  const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;
  const string = (): string => {
    const start = i;
    i++;
    for (;;) {
      const b = bytes[i];
      if (b === undefined) fail(i);
      if (b === 0x22) break;
      if (b! < 0x20) fail(i);
      if (b === 0x5c) {
        i++;
        const e = bytes[i];
        if (e === 0x75) {
          for (let k = 0; k < 4; k++) {
            i++;
            if (!/[0-9a-fA-F]/.test(String.fromCharCode(bytes[i] ?? 0x20))) fail(i);
          }
        } else if (e === undefined || !'"\\/bfnrt'.includes(String.fromCharCode(e))) fail(i);
      }
      i++;
    }
    i++;
    return JSON.parse(Buffer.from(bytes.subarray(start, i)).toString("utf8")) as string;
  };
  const number = () => {
    if (bytes[i] === 0x2d) i++;
    if (bytes[i] === 0x30) i++;
    else if (isDigit(bytes[i])) while (isDigit(bytes[i])) i++;
    else fail(i);
    if (bytes[i] === 0x2e) {
      i++;
      if (!isDigit(bytes[i])) fail(i);
      while (isDigit(bytes[i])) i++;
    }
    if (bytes[i] === 0x65 || bytes[i] === 0x45) {
      i++;
      if (bytes[i] === 0x2b || bytes[i] === 0x2d) i++;
      if (!isDigit(bytes[i])) fail(i);
      while (isDigit(bytes[i])) i++;
    }
  };
  /** Parses one value; `want` is the Go type it decodes into, `struct`/`field` where it sits (for the error). */
  const value = (members?: Map<string, GoJsonValue>, want?: GoType, struct = "", field = ""): GoJsonValue => {
    ws();
    const start = i;
    const result = rawValue(members, want, struct, field);
    if (want) mismatch(result, Buffer.from(bytes.subarray(start, i)).toString("latin1"), want, struct, field);
    return result;
  };
  const rawValue = (
    members: Map<string, GoJsonValue> | undefined,
    want: GoType | undefined,
    struct: string,
    field: string,
  ): GoJsonValue => {
    const b = bytes[i];
    // What the members or elements of this value decode into, when it is of the type wanted.
    const structWanted = want?.kind === "struct" ? want : undefined;
    const elem = want?.kind === "slice" || want?.kind === "map" ? want.elem : undefined;
    const join = (name: string) => (field ? `${field}.${name}` : name);
    if (b === undefined) return fail(i);
    if (b === 0x7b) {
      i++;
      const at = i;
      ws();
      if (bytes[i] === 0x7d) {
        i++;
        return { kind: "object", offset: at };
      }
      for (;;) {
        ws();
        if (bytes[i] !== 0x22) fail(i);
        const key = string();
        ws();
        if (bytes[i] !== 0x3a) fail(i);
        i++;
        let v: GoJsonValue;
        if (structWanted) {
          const name = Object.keys(structWanted.fields).find((f) => f.toLowerCase() === key.toLowerCase());
          v = name ? value(undefined, structWanted.fields[name], structWanted.name, join(name)) : value();
        } else if (want?.kind === "map" && elem) {
          // A map's values report the struct that holds the map, and the map's own path.
          v = value(undefined, elem, struct, field);
        } else v = value();
        // Go matches struct fields case-insensitively; the first spelling wins here, as it does there.
        if (members && !members.has(key.toLowerCase())) members.set(key.toLowerCase(), v);
        ws();
        if (bytes[i] === 0x2c) {
          i++;
          continue;
        }
        if (bytes[i] === 0x7d) {
          i++;
          return { kind: "object", offset: at };
        }
        fail(i);
      }
    }
    if (b === 0x5b) {
      i++;
      const at = i;
      ws();
      if (bytes[i] === 0x5d) {
        i++;
        return { kind: "array", offset: at };
      }
      for (;;) {
        // A slice's elements report the struct that holds the slice, and the slice's own path.
        if (want?.kind === "slice" && elem) value(undefined, elem, struct, field);
        else value();
        ws();
        if (bytes[i] === 0x2c) {
          i++;
          continue;
        }
        if (bytes[i] === 0x5d) {
          i++;
          return { kind: "array", offset: at };
        }
        fail(i);
      }
    }
    if (b === 0x22) {
      string();
      return { kind: "string", offset: i };
    }
    if (b === 0x2d || isDigit(b)) {
      number();
      return { kind: "number", offset: i };
    }
    if (b === 0x74 || b === 0x66) {
      expect(b === 0x74 ? "true" : "false");
      return { kind: "bool", offset: i };
    }
    if (b === 0x6e) {
      expect("null");
      return { kind: "null", offset: i };
    }
    return fail(i);
  };
  try {
    const members = new Map<string, GoJsonValue>();
    // The top-level value reports an empty Struct and Field (json.Unmarshal's own target).
    const top = value(members, into);
    ws();
    if (i < bytes.length) fail(i);
    return typeError ? { top, members, typeError } : { top, members };
  } catch (error) {
    if (error instanceof GoSyntax) return { syntaxError: error.offset };
    throw error;
  }
}

class GoSyntax {
  constructor(readonly offset: number) {}
}
