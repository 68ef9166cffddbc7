/**
 * The file of `copy --from-file`: one copy a line, `SOURCE TARGET` separated by white space; `#` starts a comment
 * (a whole line, or after the pair), blank lines are skipped. Parsed whole before anything is copied, so a typo on
 * line 300 is a usage error before line 1 is sent.
 */
import { quotePath, UsageError } from "@regatta/errors";
import { parseReference, type Reference } from "@regatta/reference";
import { type SkopeoWord, skopeoTransport } from "./skopeo-transport.js";

/** One line of the file, parsed. */
export interface CopyPair {
  /** 1-based line number in the file, for messages. */
  line: number;
  source: Reference;
  target: Reference;
}

/**
 * The regatta command that does what a skopeo transport meant at one end of a copy or sync, with the other end's
 * word filled in (`regatta pull ghcr.io/org/app:1 docker-archive:da.tar` for a target `docker-archive:da.tar`): a
 * command that runs as given (cli-skopeo-transports.int.test runs each). A pull writes skopeo's own forms
 * (skopeo-transport.ts); a push reads the path, skopeo's reference after it being the image's `--name`.
 */
function regattaFor(found: SkopeoWord, side: "source" | "target", other: string): string {
  const { transport, rest, path, reference } = found;
  // Paths a user typed, quoted as every path in a message is (a control character is shown escaped).
  const file = quotePath(path || "PATH");
  if (side === "target") {
    switch (transport) {
      case "docker-archive":
        return `regatta pull ${other} docker-archive:${file} (a docker archive, as docker save writes)`;
      case "oci":
      case "oci-archive":
        return `regatta pull ${other} ${transport}:${quotePath(rest || "DIR")}`;
      case "dir":
        return `regatta pull ${other} ${file} --format dir`;
      default:
        return `regatta pull ${other} FILE.tar, then docker load -i FILE.tar (or podman load)`;
    }
  }
  const name = reference !== undefined ? ` --name ${quotePath(reference)}` : "";
  switch (transport) {
    case "docker-archive":
    case "oci":
    case "oci-archive":
    case "dir":
      return `regatta push ${file} ${other}${name}`;
    default:
      return `docker save IMAGE -o FILE.tar (or podman save), then regatta push FILE.tar ${other}`;
  }
}

/**
 * A usage error for a skopeo transport where `command` takes registry references (`copy`) or registries and
 * `oci:DIR` (`sync`, which takes `oci` itself: never refused here), undefined for any other word.
 */
export function transportRefusal(
  word: string,
  side: "source" | "target",
  command: "copy" | "sync",
  other: string,
): UsageError | undefined {
  const found = skopeoTransport(word);
  if (!found) return undefined;
  const { transport } = found;
  if (command === "sync" && transport === "oci") return undefined;
  const instead = regattaFor(found, side, other);
  if (command === "sync") {
    return new UsageError(
      `sync ${side === "target" ? "writes" : "reads"} registries and OCI layouts (oci:DIR), not skopeo's ${transport}: transport (${word}): for one image, ${instead}`,
    );
  }
  return new UsageError(
    `copy takes registry references, and ${word} is skopeo's ${transport}: transport: ${instead}`,
  );
}

/** A copy's source or target: a registry reference, never a skopeo transport (see {@link skopeoTransport}). */
export function copyReference(
  word: string,
  side: "source" | "target",
  other = side === "source" ? "TARGET" : "SOURCE",
): Reference {
  const refused = transportRefusal(word, side, "copy", other);
  if (refused) throw refused;
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
        source: copyReference(words[0]!, "source", words[1]!),
        target: copyReference(words[1]!, "target", words[0]!),
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
