/**
 * The file of `copy --from-file`: one copy a line, `SOURCE TARGET` separated by white space; `#` starts a comment
 * (a whole line, or after the pair), blank lines are skipped. Parsed whole before anything is copied, so a typo on
 * line 300 is a usage error before line 1 is sent.
 */
import { quotePath, shellWord, UsageError } from "@regatta/errors";
import {
  layoutRefName,
  parseReference,
  type Reference,
  type SkopeoWord,
  skopeoTransport,
} from "@regatta/reference";

/** One line of the file, parsed. */
export interface CopyPair {
  /** 1-based line number in the file, for messages. */
  line: number;
  source: Reference;
  target: Reference;
}

/**
 * What of a copy's (or sync's) flags a suggested command must carry to do what was asked: the platforms chosen, and
 * whether each side was given credentials (carried by flag name only, never by value).
 */
export interface HintFlags {
  /** copy's `--platform` as given: one platform, a comma-separated list, or `all`. */
  platforms?: string;
  /** Credentials were given for the source's registry (`--src-username`). */
  sourceCredentials?: boolean;
  /** Credentials were given for the target's registry (`--dest-username`, `-u`). */
  targetCredentials?: boolean;
}

/** A word as a regatta command takes it: skopeo's `docker://` scheme dropped (`docker://HOST/REPO:TAG`). */
export function withoutDockerScheme(word: string): string {
  return word.replace(/^docker:\/\//, "");
}

/** Credentials carried by name: the user gives the value as the suggested command's own flags ask. */
const CREDENTIAL_FLAGS = " -u USER --password-stdin";

/**
 * The pull flags that keep what a copy to `transport` would have written: the one platform asked; for an OCI layout
 * (which holds an index) every platform when copy was to keep the index (no --platform, --platform all, or a list,
 * which pull cannot narrow to); a tarball or dir layout holds one image, so pull's default (this host's) then.
 */
function pullPlatformFlags(transport: string, platforms: string | undefined): string {
  const list = (platforms ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  if (list.length === 1 && list[0] !== "all") return ` --platform ${shellWord(list[0]!)}`;
  return transport === "oci" ? " --platform all" : "";
}

/**
 * The regatta command that does what a skopeo transport meant at one end of a copy or sync, with the other end's
 * word filled in (`regatta pull ghcr.io/org/app:1 docker-archive:da.tar` for a target `docker-archive:da.tar`): a
 * command that runs as given (cli-skopeo-transports.int.test runs each). Built from normalised words (the other
 * end's `docker://` dropped) and with the flags that change the result (see {@link HintFlags}). A pull writes
 * skopeo's own forms (@regatta/reference's skopeoTransport); a push reads the path, skopeo's reference after it being
 * the `--name`. Every word filled in is quoted for the shell (shellWord): a path with a space stays one argument.
 */
function regattaFor(found: SkopeoWord, side: "source" | "target", given: string, flags: HintFlags): string {
  const { transport, rest, path, reference } = found;
  const other = shellWord(withoutDockerScheme(given));
  // A name skopeo would refuse is refused here too, not passed on to a command that would fail on it.
  if ((transport === "oci" || transport === "oci-archive") && reference !== undefined) {
    layoutRefName(`${transport}:${rest}`, reference);
  }
  // Paths a user typed, quoted for the shell (a control character is shown escaped, as quotePath shows it).
  const shownPath = path ? shellWord(path) : "PATH";
  if (side === "target") {
    const carried =
      pullPlatformFlags(transport, flags.platforms) + (flags.sourceCredentials ? CREDENTIAL_FLAGS : "");
    switch (transport) {
      case "docker-archive":
        return `regatta pull ${other} ${path ? shellWord(["docker-archive", path].join(":")) : "docker-archive:PATH"}${carried} (a docker archive, as docker save writes)`;
      case "oci":
      case "oci-archive":
        return `regatta pull ${other} ${rest ? shellWord(`${transport}:${rest}`) : `${transport}:DIR`}${carried}`;
      case "dir":
        return `regatta pull ${other} ${shownPath} --format dir${carried}`;
      default:
        return `regatta pull ${other} FILE.tar${carried}, then docker load -i FILE.tar (or podman load)`;
    }
  }
  const name = reference !== undefined ? ` --name ${shellWord(reference)}` : "";
  const carried = flags.targetCredentials ? CREDENTIAL_FLAGS : "";
  switch (transport) {
    case "docker-archive":
    case "oci":
    case "oci-archive":
    case "dir":
      return `regatta push ${shownPath} ${other}${name}${carried}`;
    default:
      return `docker save IMAGE -o FILE.tar (or podman save), then regatta push FILE.tar ${other}${carried}`;
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
  flags: HintFlags = {},
): UsageError | undefined {
  const found = skopeoTransport(word);
  if (!found) return undefined;
  const { transport } = found;
  if (command === "sync" && transport === "oci") return undefined;
  const instead = regattaFor(found, side, other, flags);
  if (command === "sync") {
    return new UsageError(
      `sync ${side === "target" ? "writes" : "reads"} registries and OCI layouts (oci:DIR), not skopeo's ${transport}: transport (${quotePath(word)}): for one image, ${instead}`,
    );
  }
  return new UsageError(
    `copy takes registry references, and ${quotePath(word)} is skopeo's ${transport}: transport: ${instead}`,
  );
}

/**
 * A copy's source and target: registry references, never skopeo transports (see {@link skopeoTransport}). Either
 * end's transport is refused before the other is parsed, so `copy docker://HOST/R:1 oci:DIR:T` gets the pull that
 * does it, not the reference grammar's word on `docker://`.
 */
export function copyEnds(
  source: string,
  target: string,
  flags: HintFlags = {},
): { source: Reference; target: Reference } {
  const refused =
    transportRefusal(source, "source", "copy", target, flags) ??
    transportRefusal(target, "target", "copy", source, flags);
  if (refused) throw refused;
  return { source: parseReference(source), target: parseReference(target, { defaultTag: false }) };
}

/** Parses the text of a `--from-file` list; `name` is the file's name in messages. */
export function parseCopyList(text: string, name: string, flags: HintFlags = {}): CopyPair[] {
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
      pairs.push({ line: i + 1, ...copyEnds(words[0]!, words[1]!, flags) });
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
