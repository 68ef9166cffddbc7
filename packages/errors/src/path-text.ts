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
export const CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
const CONTROLS = new RegExp(CONTROL.source, "g");

/** `path` for a message: as it is, or, when it holds a control character, quoted with every control escaped. */
export function quotePath(path: string): string {
  return CONTROL.test(path) ? quoteText(path) : path;
}

/**
 * A name or value for a message, always quoted: a tag, repository, tar entry name, annotation title, a word the user
 * typed. `JSON.stringify` alone escapes C0 controls, quotes and backslashes but leaves DEL, C1 controls (U+0080–
 * U+009F, the 8-bit CSI among them) and the bidi and invisible format characters raw; they are escaped here as
 * {@link quotePath} escapes them, so a library message built with it is safe on a terminal before any output
 * boundary sees it. Every library message that quotes a name uses this (path-text.test.ts scans the sources).
 */
export function quoteText(text: unknown): string {
  // JSON.stringify escapes C0, quotes and backslashes; DEL, C1 and the format characters it leaves are done here.
  // What JSON cannot spell (undefined, a function) is shown as String() shows it.
  return (JSON.stringify(text) ?? String(text)).replace(
    CONTROLS,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
