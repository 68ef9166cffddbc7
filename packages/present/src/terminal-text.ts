/**
 * Text for a terminal (issue 10, item 4). A registry chooses tag and repository names, labels, annotations, error
 * messages and header values; printed raw, `ESC]0;…BEL` retitles the window, `ESC[2J` clears the screen, C1 CSI
 * (U+009B) does the same on terminals that honour 8-bit controls, `\r` overwrites what was printed, and bidi
 * overrides (U+202E) make a name read backwards ("Trojan Source", CVE-2021-42574). The CLI and the REPL pass every
 * human output through {@link escapeControls} at their output boundary, so a new command gets it without asking.
 */

/**
 * Styles Regatta itself draws (bold, dim, underline, and the REPL's red, green, yellow, blue, magenta, cyan, grey
 * and default colour: picocolors' and `util.inspect`'s codes) pass: they can only restyle text, never hide it (no
 * black, white, background or conceal), move the cursor, clear the screen or talk to the terminal. Everything else
 * that is a control is shown as a `\uXXXX` escape.
 */
const ALLOWED_STYLE = /^\x1b\[(?:1|2|4|22|24|3[1-6]|39|90)m/;

/**
 * C0 controls except tab and newline, DEL, C1 controls, and the Unicode format characters that reorder or hide text:
 * bidi marks, embeddings, overrides and isolates, the line and paragraph separators, zero-width and BOM.
 */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** `\u001b`: the JSON spelling, so JSON text stays valid JSON with the same value after escaping. */
function escaped(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * Makes `text` safe to print on a terminal: every control character (C0 but tab and newline, DEL, C1, bidi and
 * other invisible format characters) becomes a visible `\uXXXX` escape; Regatta's own bold, dim and colours stay.
 * Text without controls comes back unchanged.
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (ch, offset: number) => {
    if (ch === "\x1b" && ALLOWED_STYLE.test(text.slice(offset, offset + 5))) return ch;
    return escaped(ch);
  });
}

/**
 * A value a registry chose that stands inside one line of output: a listed tag or repository, a table cell, a
 * `key=value` label, a header. Every control is escaped, ESC included even where it starts a style Regatta itself
 * draws: the output boundary ({@link escapeControls}) lets those pass for Regatta's own colours, and a registry's
 * `ESC[31m` in a label looks the same there, so it is escaped here, before it meets Regatta's styling, on a terminal
 * and in a pipe alike. Tab and newline are escaped too, so a hostile tag `a\nb` cannot forge a second line of a
 * one-per-line listing (the line a script reads) nor `a\tsha256:…` a column. Tag and repository grammars allow
 * none of these (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests), so a real
 * name never changes.
 */
export function escapeField(text: string): string {
  return escapeLine(text).replace(/\x1b/g, escaped);
}

/**
 * Text of many lines that carries registry values and none of Regatta's styles (a `--format` template's output):
 * every ESC escaped, so a label's `ESC[31m` cannot pass for one of Regatta's own styles at the output boundary
 * ({@link escapeControls}); tab and newline kept, as the template wrote them.
 */
export function escapeStyles(text: string): string {
  return text.replace(/\x1b/g, escaped);
}

/**
 * One line of Regatta's own making, which may carry its styles, kept on its line: controls escaped as at the output
 * boundary, and tab and newline too. Registry values in it are escaped with {@link escapeField} first.
 */
export function escapeLine(text: string): string {
  return escapeControls(text).replace(/[\t\n]/g, escaped);
}
