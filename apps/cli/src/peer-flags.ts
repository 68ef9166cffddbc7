import type { Command } from "commander";

/**
 * The flags and verbs of peer tools (skopeo, crane, regctl, podman) that Regatta spells differently, each with a
 * one-line pointer to Regatta's way: added to commander's "unknown option"/"unknown command" message (and its "Did
 * you mean"), so a habit from another tool gets an answer, not only a refusal. One table; peerPointer reads it.
 */
/** A pointer, or pointers by the command run (its path, `pull`, `index create`), `default` for the others. */
type Pointer = string | Readonly<Record<string, string>>;

const ALL_PLATFORMS: Pointer = {
  pull: "skopeo's --all: pull keeps this host's platform by default; --platform all (or --all-platforms) keeps every one",
  sync: "skopeo sync's --all: regatta sync copies every platform of an index by default; --platform chooses some",
  default:
    "skopeo copy's --all: regatta copy keeps every platform of an index by default (--all-platforms says so); --platform chooses some",
};

const PEER_FLAGS: Readonly<Record<string, Pointer>> = {
  "--tls-verify":
    "skopeo's --tls-verify=false is --tls-skip-verify here (or --insecure, which also allows plain http); certificates are verified by default",
  "--src-tls-verify": "skopeo's --src-tls-verify=false is --tls-skip-verify (or --insecure) here",
  "--dest-tls-verify": "skopeo's --dest-tls-verify=false is --tls-skip-verify (or --insecure) here",
  "--creds": "skopeo's --creds USER:PASS is -u USER --password-stdin here (or regatta login first)",
  "--src-creds": "skopeo's --src-creds USER:PASS is --src-username/--src-password here (regatta copy --help)",
  "--dest-creds":
    "skopeo's --dest-creds USER:PASS is --dest-username/--dest-password here (regatta copy --help)",
  "--no-creds": "skopeo's --no-creds is --anonymous here",
  "--all": ALL_PLATFORMS,
  "-a": ALL_PLATFORMS,
  "--multi-arch":
    "skopeo's --multi-arch: copy keeps every platform of an index by default; --platform os/arch[,…] chooses some",
  "--raw": {
    manifest: "manifest already prints the manifest's exact bytes (skopeo's inspect --raw): drop --raw",
    config:
      "config already prints the config blob's exact bytes (skopeo's inspect --config --raw): drop --raw",
    default: "skopeo's inspect --raw is regatta manifest REF (the manifest's exact bytes)",
  },
  "--config": "skopeo's inspect --config is regatta config REF (the image config)",
  "--override-arch":
    "skopeo's --override-arch/--override-os/--override-variant are one --platform os/arch[/variant] here",
  "--override-os":
    "skopeo's --override-arch/--override-os/--override-variant are one --platform os/arch[/variant] here",
  "--override-variant":
    "skopeo's --override-arch/--override-os/--override-variant are one --platform os/arch[/variant] here",
};

/**
 * Commands of peer tools, and regctl's `tag ls`, `manifest get` (a Regatta command's first argument), with Regatta's
 * spelling. crane's `ls REPO` lists tags where regatta ls lists an image's files: `ls alpine` is a valid image, so it
 * gets no pointer (the README says it).
 */
const PEER_VERBS: Readonly<Record<string, string>> = {
  "list-tags": "skopeo's list-tags is regatta tags REPO",
  image:
    "regctl's image inspect, image copy and image digest are regatta inspect REF, regatta copy SRC DST and regatta digest REF",
  repo: "regctl's repo ls is regatta catalog REGISTRY",
  "manifest get": "regctl's manifest get is regatta manifest REF",
  "manifest head": "regctl's manifest head is regatta digest REF",
  "tag ls": "regctl's tag ls is regatta tags REPO (regatta tag SOURCE TARGET adds a tag)",
  "tag list": "regctl's tag ls is regatta tags REPO (regatta tag SOURCE TARGET adds a tag)",
};

/**
 * The pointer for commander's error message `message` ("unknown option '--x=1'", "unknown command 'y'", "too many
 * arguments for 'manifest'") while running `command` (its path below the program: `pull`, `index create`), with the
 * arguments it was given, if any.
 */
export function peerPointer(message: string, command = "", args: readonly string[] = []): string | undefined {
  const option = /unknown option '([^'=]+)/.exec(message);
  if (option) {
    const pointer = PEER_FLAGS[option[1]!];
    return typeof pointer === "string" || pointer === undefined
      ? pointer
      : (pointer[command] ?? pointer.default);
  }
  const unknown = /unknown command '([^']+)'/.exec(message);
  if (unknown) return PEER_VERBS[unknown[1]!];
  // regctl's `manifest get REF`: a Regatta command given a peer's sub-verb and one argument too many.
  return /too many arguments/.test(message) && args[0] !== undefined
    ? PEER_VERBS[`${command} ${args[0]}`]
    : undefined;
}

/** The pointer for a command whose first argument is a peer tool's sub-verb (`regatta tag ls REPO`), if any. */
export function peerVerbPointer(cmd: Command): string | undefined {
  const first = cmd.args[0];
  return first === undefined ? undefined : PEER_VERBS[`${cmd.name()} ${first}`];
}

/** The path of `cmd` below the program (`pull`, `index create`; "" for the program itself). */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let at: Command | null = cmd; at?.parent; at = at.parent) names.unshift(at.name());
  return names.join(" ");
}

/**
 * Commander's error output, speaking as every other error of the CLI (`regatta: unknown option '--x'`, not commander's
 * `error: …`), with the pointer of {@link peerPointer} added on a line of its own.
 */
export function withPeerPointers(message: string, write: (text: string) => void, cmd?: Command): void {
  const text = message.replace(/^error: /, "regatta: ");
  const pointer = peerPointer(text, cmd ? commandPath(cmd) : "", cmd?.args ?? []);
  write(pointer ? `${text}${text.endsWith("\n") ? "" : "\n"}hint: ${pointer}\n` : text);
}

/**
 * Gives `program` and every command under it the error output of {@link withPeerPointers}: the `regatta: ` prefix and
 * the pointer for the command run.
 */
export function addPeerPointers(program: Command): void {
  const visit = (cmd: Command) => {
    cmd.configureOutput({ outputError: (message, write) => withPeerPointers(message, write, cmd) });
    cmd.commands.forEach(visit);
  };
  visit(program);
}
