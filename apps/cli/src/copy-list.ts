/**
 * The file of `copy --from-file`: one copy a line, `SOURCE TARGET` separated by white space; `#` starts a comment
 * (a whole line, or after the pair), blank lines are skipped. Parsed whole before anything is copied, so a typo on
 * line 300 is a usage error before line 1 is sent.
 */
import { quotePath, UsageError } from "@regatta/errors";
import { parseReference, type Reference } from "@regatta/reference";

/** One line of the file, parsed. */
export interface CopyPair {
  /** 1-based line number in the file, for messages. */
  line: number;
  source: Reference;
  target: Reference;
}

/**
 * skopeo's transports other than `docker://` (which the reference grammar already refuses as a scheme). `oci:lay` is
 * a valid Docker Hub reference (`library/oci:lay`), and read as one it sent a copy meant for a directory to Docker
 * Hub; no such image exists there, so the word is taken for what its writer meant.
 */
const SKOPEO_TRANSPORT = /^(oci|oci-archive|docker-archive|dir|docker-daemon|containers-storage):/;

/** A copy's source or target: a registry reference, never a skopeo transport (see {@link SKOPEO_TRANSPORT}). */
export function copyReference(word: string, side: "source" | "target"): Reference {
  const transport = SKOPEO_TRANSPORT.exec(word)?.[1];
  if (transport !== undefined) {
    throw new UsageError(
      `copy takes registry references, and ${word} is skopeo's ${transport}: transport: for an OCI layout use ` +
        (side === "target"
          ? `regatta pull SOURCE DIR --format oci, or regatta sync SOURCE oci:DIR`
          : `regatta push DIR TARGET, or regatta sync oci:DIR TARGET`) +
        ` (a Docker Hub image of that name: docker.io/library/${word})`,
    );
  }
  return side === "source" ? parseReference(word) : parseReference(word, { defaultTag: false });
}

/** Parses the text of a `--from-file` list; `name` is the file's name in messages. */
export function parseCopyList(text: string, name: string): CopyPair[] {
  const pairs: CopyPair[] = [];
  // Every bad line of the file at once (the first few), so that one fix-and-run round mends them all.
  const problems: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    // No reference can hold "#": everything after one is a comment.
    const content = raw.split("#")[0]!.trim();
    if (!content) continue;
    const words = content.split(/\s+/);
    const where = `${quotePath(name)}:${i + 1}`;
    if (words.length !== 2) {
      problems.push(
        `${where}: want "SOURCE TARGET", got ${words.length} word${words.length === 1 ? "" : "s"}`,
      );
      continue;
    }
    try {
      pairs.push({
        line: i + 1,
        source: copyReference(words[0]!, "source"),
        target: copyReference(words[1]!, "target"),
      });
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
    }
  }
  if (problems.length) {
    const shown = problems.slice(0, MAX_PROBLEMS);
    const more = problems.length - shown.length;
    throw new UsageError(
      shown.join("; ") + (more > 0 ? `; and ${more} more bad line${more === 1 ? "" : "s"}` : ""),
    );
  }
  if (!pairs.length) throw new UsageError(`${quotePath(name)} lists no copy (lines "SOURCE TARGET")`);
  return pairs;
}

/** Bad lines shown at once; the rest are counted. */
const MAX_PROBLEMS = 10;
