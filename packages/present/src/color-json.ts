import type pc from "picocolors";

/** picocolors' palette, on or off (`pc.createColors(useColors)`). */
export type Colors = ReturnType<typeof pc.createColors>;

/** JSON indented by two spaces, with keys, strings, numbers and literals coloured (`jq`'s palette). */
export function colorJson(value: unknown, c: Colors): string {
  const text = JSON.stringify(value, null, 2) ?? String(value);
  // One token at a time: a key (a string followed by a colon), a string, a number, or a literal.
  return text.replace(
    /("(?:\\.|[^"\\])*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b/g,
    (match, str: string | undefined, colon: string | undefined, num: string | undefined) => {
      if (str !== undefined) return colon ? `${c.blue(c.bold(str))}${colon}` : c.green(str);
      if (num !== undefined) return c.cyan(num);
      return c.magenta(match);
    },
  );
}
