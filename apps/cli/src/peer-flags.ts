import type { Command } from "commander";

/**
 * The flags and verbs of peer tools (skopeo, crane, regctl, podman) that Regatta spells differently, each with a
 * one-line pointer to Regatta's way: added to commander's "unknown option"/"unknown command" message (and its "Did
 * you mean"), so a habit from another tool gets an answer, not only a refusal. One table; peerPointer reads it.
 */
const PEER_FLAGS: Readonly<Record<string, string>> = {
  "--tls-verify":
    "skopeo's --tls-verify=false is --tls-skip-verify here (or --insecure, which also allows plain http); certificates are verified by default",
  "--src-tls-verify": "skopeo's --src-tls-verify=false is --tls-skip-verify (or --insecure) here",
  "--dest-tls-verify": "skopeo's --dest-tls-verify=false is --tls-skip-verify (or --insecure) here",
  "--creds": "skopeo's --creds USER:PASS is -u USER --password-stdin here (or regatta login first)",
  "--src-creds": "skopeo's --src-creds USER:PASS is --src-username/--src-password here (regatta copy --help)",
  "--dest-creds":
    "skopeo's --dest-creds USER:PASS is --dest-username/--dest-password here (regatta copy --help)",
  "--no-creds": "skopeo's --no-creds is --anonymous here",
  "--all":
    "copy keeps every platform of an index by default (--all-platforms says so); --platform chooses some",
  "-a": "copy keeps every platform of an index by default (--all-platforms says so); --platform chooses some",
  "--multi-arch":
    "skopeo's --multi-arch: copy keeps every platform of an index by default; --platform os/arch[,…] chooses some",
  "--raw": "skopeo's inspect --raw is regatta manifest REF (the manifest's exact bytes)",
  "--config": "skopeo's inspect --config is regatta config REF (the image config)",
  "--override-arch":
    "skopeo's --override-arch/--override-os/--override-variant are one --platform os/arch[/variant] here",
  "--override-os":
    "skopeo's --override-arch/--override-os/--override-variant are one --platform os/arch[/variant] here",
  "--override-variant":
    "skopeo's --override-arch/--override-os/--override-variant are one --platform os/arch[/variant] here",
};

/** Commands of peer tools, and regctl's `tag ls` (the `tag` command's first argument), with Regatta's spelling. */
const PEER_VERBS: Readonly<Record<string, string>> = {
  "list-tags": "skopeo's list-tags is regatta tags REPO",
  "tag ls": "regctl's tag ls is regatta tags REPO (regatta tag SOURCE TARGET adds a tag)",
  "tag list": "regctl's tag ls is regatta tags REPO (regatta tag SOURCE TARGET adds a tag)",
};

/** The pointer for commander's error message `message` ("unknown option '--x=1'", "unknown command 'y'"), if any. */
export function peerPointer(message: string): string | undefined {
  const option = /unknown option '([^'=]+)/.exec(message);
  if (option) return PEER_FLAGS[option[1]!];
  const command = /unknown command '([^']+)'/.exec(message);
  return command ? PEER_VERBS[command[1]!] : undefined;
}

/** The pointer for a command whose first argument is a peer tool's sub-verb (`regatta tag ls REPO`), if any. */
export function peerVerbPointer(cmd: Command): string | undefined {
  const first = cmd.args[0];
  return first === undefined ? undefined : PEER_VERBS[`${cmd.name()} ${first}`];
}

/** Commander's error output with the pointer of {@link peerPointer} added on a line of its own. */
export function withPeerPointers(message: string, write: (text: string) => void): void {
  const pointer = peerPointer(message);
  write(pointer ? `${message}${message.endsWith("\n") ? "" : "\n"}hint: ${pointer}\n` : message);
}
