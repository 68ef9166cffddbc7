/**
 * The file of `copy --from-file`: one copy a line, `SOURCE TARGET` separated by white space; `#` starts a comment
 * (a whole line, or after the pair), blank lines are skipped. Parsed whole before anything is copied, so a typo on
 * line 300 is a usage error before line 1 is sent.
 */
import { UsageError } from "@regatta/errors";
import { parseReference, type Reference } from "@regatta/reference";

/** One line of the file, parsed. */
export interface CopyPair {
  /** 1-based line number in the file, for messages. */
  line: number;
  source: Reference;
  target: Reference;
}

/** Parses the text of a `--from-file` list; `name` is the file's name in messages. */
export function parseCopyList(text: string, name: string): CopyPair[] {
  const pairs: CopyPair[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    // No reference can hold "#": everything after one is a comment.
    const content = raw.split("#")[0]!.trim();
    if (!content) continue;
    const words = content.split(/\s+/);
    const where = `${name}:${i + 1}`;
    if (words.length !== 2) {
      throw new UsageError(
        `${where}: want "SOURCE TARGET", got ${words.length} word${words.length === 1 ? "" : "s"}`,
      );
    }
    try {
      pairs.push({
        line: i + 1,
        source: parseReference(words[0]!),
        target: parseReference(words[1]!, { defaultTag: false }),
      });
    } catch (error) {
      throw new UsageError(`${where}: ${(error as Error).message}`, { cause: error });
    }
  }
  if (!pairs.length) throw new UsageError(`${name} lists no copy (lines "SOURCE TARGET")`);
  return pairs;
}
