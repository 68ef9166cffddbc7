/**
 * Passwords in userinfo position (RFC 3986 §3.2.1, `user:password@host`), the one rule every text a user typed and
 * every text a server sent is masked by: an error quoting a registry, reference or proxy URL the user gave, the
 * REPL's output, and what the REPL keeps out of its history.
 *
 * The rule: at the start of a word (after white space, a quote, a bracket, `=`, `,` or `;`), with or without a
 * `scheme://`, `//` or `/` before it (a parser may quote the input from its first `/`), a user (no `/?#@:`, quotes or white space), a `:`, then everything up to the last
 * `@` of the word that does not start a digest (`@sha256:<hex>`). What lies between that `:` and that `@` is the
 * password, whatever it holds: `/`, `//`, `?` and `#` included, since a password typed unencoded (a CI proxy's
 * `http://u:ab/cd@proxy`) is still a password, though a URL parser would end the authority at its `/`.
 */

/** What {@link maskUserinfo} puts in place of a password. */
export const USERINFO_MASK = "***";

/** Passwords shorter than this are masked where the rule finds them, but their pieces are not looked for elsewhere. */
const MIN_PIECE = 4;

/**
 * Group 1: the word's scheme, user and colon (kept); group 2: the password, which does not start with `//` (in
 * `https://docs.example/a:b@c` the `https:` is a scheme, not a user). A digest after the `@` (`sha256:`,
 * `sha512:`, a shortened one too, or any algorithm, a colon and at least 32 hex digits) makes the `@` a reference's (`reg:5000/app@sha256:…`), not userinfo's; a
 * registry's port is at most 5 digits, so `alice:pw@127.0.0.1:5000` is still userinfo.
 */
const USERINFO =
  /(?<=^|[\s"'`(<[{=,;])((?:[A-Za-z][A-Za-z0-9+.-]*:\/\/|\/+)?[^\s/?#@:"'`<>(<[{=,;]*:)(?!\/\/)([^\s"'`<>]*)@(?!(?:sha256|sha384|sha512|blake3):|[a-z][a-z0-9]*(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,})/g;

/**
 * The user part above holds none of the characters a word may start after (`=`, `(`, …): a user written with one
 * (`a=b:pw@h`) is matched from after it, with the same password, and each character is scanned from one start only.
 * Linear time matters: error text may be a registry's 64 KiB, and the rule runs on every error (a 96 KiB
 * `FOO=y_FOO=y_…` platform took 17 s when every `=` started a scan to the word's end).
 */

/** A run of text no password crosses: {@link USERINFO}'s password stops at white space, quotes, `<` and `>`. */
const WORD = /[^\s"'`<>]+/g;

/** An `@` that can end a password: not one that starts a digest (`@sha256:…`), as {@link USERINFO}'s lookahead. */
const PASSWORD_END =
  /@(?!(?:sha256|sha384|sha512|blake3):|[a-z][a-z0-9]*(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,})/g;

/** Passwords longer than this are masked where found, but not cut into pieces to look for elsewhere. */
const MAX_PIECED = 256;

/**
 * Every {@link USERINFO} match of `text`, in linear time: each word holding a `:` and an `@` is matched only up to its
 * last `@` that can end a password (no password reaches past it; the regular expression alone would scan to the
 * word's end from every start and backtrack), with the character before the word kept for the lookbehind.
 */
function* userinfoMatches(text: string): Generator<{ index: number; head: string; password: string }> {
  for (const word of text.matchAll(WORD)) {
    const w = word[0];
    if (!w.includes(":") || !w.includes("@")) continue;
    let end = -1;
    for (const at of w.matchAll(PASSWORD_END)) end = at.index ?? end;
    if (end < 0) continue;
    const from = Math.max(0, (word.index ?? 0) - 1);
    const view = text.slice(from, (word.index ?? 0) + end + 1);
    for (const m of view.matchAll(USERINFO)) {
      yield { index: from + (m.index ?? 0), head: m[1]!, password: m[2]! };
    }
  }
}

/**
 * The [start, end) ranges of every userinfo password in `text`, and of every other occurrence in it of such a
 * password or of a piece of one cut at a `/`, `?`, `#`, `:` or `@` (4 characters or more): a parser that reports the
 * part of the input it stopped at (`"Kq7top" at column 7`, `"/SecretValue@host"`) quotes such a piece.
 */
export function userinfoRanges(text: string): [number, number][] {
  const out: [number, number][] = [];
  const pieces = new Set<string>();
  for (const m of userinfoMatches(text)) {
    const { password } = m;
    if (!password) continue;
    const start = m.index + m.head.length;
    out.push([start, start + password.length]);
    if (password.length <= MAX_PIECED) for (const piece of passwordPieces(password)) pieces.add(piece);
  }
  for (const piece of pieces) {
    for (let at = text.indexOf(piece); at !== -1; at = text.indexOf(piece, at + 1)) {
      out.push([at, at + piece.length]);
    }
  }
  return out;
}

/** A password, and its prefixes and suffixes cut at a URL delimiter, each at least {@link MIN_PIECE} long. */
function passwordPieces(password: string): string[] {
  const out = [password];
  for (let i = 1; i < password.length; i++) {
    if (!"/?#:@".includes(password[i]!)) continue;
    out.push(password.slice(0, i), password.slice(i));
  }
  return out.filter((piece) => piece.length >= MIN_PIECE);
}

/** The userinfo passwords in `text`, as written (not decoded). */
export function userinfoPasswords(text: string): string[] {
  return [...userinfoMatches(text)].map((m) => m.password).filter(Boolean);
}

/** `text` with every userinfo password (and every other occurrence of one, or of a piece of one) replaced by `mask`. */
export function maskUserinfo(text: string, mask: string = USERINFO_MASK): string {
  const ranges = userinfoRanges(text).sort((a, b) => a[0] - b[0]);
  if (!ranges.length) return text;
  let out = "";
  let last = 0;
  for (const [s, e] of ranges) {
    if (e <= last) continue;
    out += text.slice(last, Math.max(s, last));
    if (s >= last) out += mask;
    last = e;
  }
  return out + text.slice(last);
}
