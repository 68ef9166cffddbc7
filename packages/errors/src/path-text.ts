/**
 * A file name as it stands in a message. A path is the user's or anyone's who may write the directory (a planted
 * `.NAME.regatta-lock`, a pull to a name with `ESC[2J` or a newline in it): printed raw, its control characters
 * restyled or cleared the terminal and a newline forged a second line of the one-line error. So a path with any
 * control in it is quoted as a JSON string, every control a visible `\uXXXX` (or `\n`), its quotes and backslashes
 * escaped, so the text shown is unambiguous; a path without one, the common case, is shown as it is. Every message that names a path builds it through {@link quotePath}.
 */

/**
 * C0 and C1 controls (tab and newline included: a path is one field of one line), DEL, and the Unicode format
 * characters that reorder or hide text (bidi marks, overrides and isolates, line and paragraph separators,
 * zero-width, BOM), as @regatta/present's terminal escaping counts them.
 */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
const CONTROLS = new RegExp(CONTROL.source, "g");

/** `path` for a message: as it is, or, when it holds a control character, quoted with every control escaped. */
export function quotePath(path: string): string {
  if (!CONTROL.test(path)) return path;
  // JSON.stringify escapes C0, quotes and backslashes; DEL, C1 and the format characters it leaves are done here.
  return JSON.stringify(path).replace(
    CONTROLS,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
