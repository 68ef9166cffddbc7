/**
 * The hidden names Regatta derives from a file name the user chose: a lock (`.NAME.regatta-lock`), a partial
 * tarball and its state (`.NAME.regatta-partial`, `.NAME.regatta-partial.json`), a temporary file
 * (`.NAME.<random>.tmp`). A file name may be 255 bytes (NAME_MAX on Linux, macOS and Windows file systems), so the
 * name with a dot before it and a suffix after it may not be: a valid destination of 250 bytes failed with
 * ENAMETOOLONG. Here the name part is shortened as needed, on a UTF-8 character boundary, and a hash of the whole
 * name added, so two long names that share a beginning still get names of their own.
 * https://pubs.opengroup.org/onlinepubs/9799919799/basedefs/limits.h.html (NAME_MAX)
 */
import { createHash } from "node:crypto";

/** The longest file name, in bytes, the file systems Regatta writes to accept. */
export const NAME_MAX = 255;

/**
 * `.${name}${suffix}` when it fits in {@link NAME_MAX} bytes, else `.${start of name}~${8 hex of its sha256}${suffix}`
 * of at most that many. The same name and suffix always give the same result.
 */
export function hiddenName(name: string, suffix: string): string {
  const whole = `.${name}${suffix}`;
  if (Buffer.byteLength(whole) <= NAME_MAX) return whole;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  const room = NAME_MAX - Buffer.byteLength(`.~${hash}${suffix}`);
  return `.${utf8Prefix(name, room)}~${hash}${suffix}`;
}

/** The longest start of `text` that is at most `bytes` bytes in UTF-8, cut between characters. */
function utf8Prefix(text: string, bytes: number): string {
  let used = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (used + size > bytes) break;
    used += size;
    end += char.length;
  }
  return text.slice(0, end);
}
