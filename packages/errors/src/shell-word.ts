/**
 * A word of a command Regatta suggests (a hint's `regatta pull REF oci:DIR:NAME`), written so that a POSIX shell reads
 * it back as the very word: a path with a space stays one argument, a `$` or a backquote is not expanded. One home for
 * it: every suggested command quotes its interpolated words here.
 */
import { CONTROL } from "./path-text.js";

/** Characters no shell treats specially anywhere in a word: such a word is shown bare (`oci:./lay:1.0`, `a/b.tar`). */
const BARE = /^[A-Za-z0-9@%_+=:,./-]+$/;
const CONTROLS = new RegExp(CONTROL.source, "gu");

/**
 * `word` for a shell: as it is when made only of `[A-Za-z0-9@%_+=:,./-]`; else in single quotes, a quote inside
 * written `'\''` (POSIX); and, when it holds a control or invisible format character (those {@link quotePath}
 * escapes: a raw one would restyle the terminal or forge a line), in dollar-single quotes (`$'…'`, POSIX.1-2024,
 * bash, zsh, ksh), each such character as its UTF-8 bytes `\xHH`, so the line shown is safe and still runs.
 */
export function shellWord(word: string): string {
  if (BARE.test(word)) return word;
  if (!CONTROL.test(word)) return `'${word.replaceAll("'", "'\\''")}'`;
  const escaped = word
    .replace(/[\\']/g, (ch) => `\\${ch}`)
    .replace(CONTROLS, (ch) =>
      [...new TextEncoder().encode(ch)].map((b) => `\\x${b.toString(16).padStart(2, "0")}`).join(""),
    );
  return `$'${escaped}'`;
}
