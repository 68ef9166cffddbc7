import type { Command, Option } from "commander";

/**
 * What to offer for the word under the cursor, decided from the command table alone (no network):
 * fixed `words`, or the tags of a repository, or the repositories of a registry's catalog, each to be prefixed and
 * filtered by what is typed.
 */
export type CompletionRequest =
  | { kind: "words"; words: string[] }
  | { kind: "tags"; repository: string; prefix: string }
  | { kind: "catalog"; registry: string; prefix: string };

/** Arguments that name an image or a repository, whose values can be completed from the registry. */
const REMOTE_ARGUMENTS = new Set(["repository", "reference", "references", "source", "target"]);

/** What `--platform` is most often given (the platforms of the official images). */
const COMMON_PLATFORMS = [
  "linux/amd64",
  "linux/arm64",
  "linux/arm/v7",
  "linux/386",
  "linux/ppc64le",
  "linux/s390x",
];

/** A host part as docker reads one: it has a dot or a port, or is `localhost` (distribution's reference grammar). */
function looksLikeHost(part: string): boolean {
  return part.includes(".") || part.includes(":") || part === "localhost";
}

function takesValue(option: Option): boolean {
  return option.required || option.optional;
}

/** The option among `options` that `word` names (`--flag`, `-f`, `--flag=value`), if any. */
function optionNamed(options: readonly Option[], word: string): Option | undefined {
  const name = word.startsWith("--") ? word.split("=", 1)[0] : word;
  return options.find((o) => o.long === name || o.short === name);
}

/** Every name of the options a command accepts: its own and, for a subcommand, the program's (global flags). */
function optionsOf(cmd: Command): Option[] {
  const help = cmd.createHelp();
  return [...help.visibleOptions(cmd), ...(cmd.parent ? help.visibleGlobalOptions(cmd) : [])];
}

/** The visible subcommands of a command (`help` left out), for commands of commands. */
function subcommandsOf(cmd: Command): Command[] {
  return cmd
    .createHelp()
    .visibleCommands(cmd)
    .filter((c) => c.name() !== "help");
}

/** What an option's value may be: its declared choices (`--sort`), the common platforms for `--platform`. */
function valuesOf(option: Option): string[] {
  if (option.argChoices?.length) return [...option.argChoices];
  return option.long === "--platform" ? COMMON_PLATFORMS : [];
}

function optionNames(options: readonly Option[], typed: string): string[] {
  const names = options.flatMap((o) => [o.long, typed.startsWith("--") ? undefined : o.short]);
  return names.filter((n): n is string => n !== undefined);
}

/**
 * Decides what completes `words` (the command line after `regatta`, the last one being the word under the cursor,
 * possibly empty), from the program's command table as built at run time, so a new command or flag completes without
 * any change here. Hidden commands (`__complete`) are never offered.
 */
export function completionRequest(program: Command, words: readonly string[]): CompletionRequest {
  const current = words.at(-1) ?? "";
  const before = words.slice(0, -1);
  const help = program.createHelp();
  const commands = help.visibleCommands(program).filter((c) => c.name() !== "help");
  let cmd: Command | undefined;
  const positionals: string[] = [];
  let awaitingValue: Option | undefined;
  // `regatta help TOPIC`: the topics are the commands (commander's help command is no visible command of the table).
  if (before.length === 1 && before[0] === "help") return matchingWords(commands, current);
  for (const word of before) {
    if (awaitingValue) {
      awaitingValue = undefined;
      continue;
    }
    if (word.startsWith("-") && word !== "-") {
      const option = optionNamed(optionsOf(cmd ?? program), word);
      if (option && takesValue(option) && !word.includes("=")) awaitingValue = option;
      continue;
    }
    if (!cmd) {
      cmd = commands.find((c) => c.name() === word || c.aliases().includes(word));
      if (!cmd) return { kind: "words", words: [] };
    } else if (positionals.length === 0 && subcommandsOf(cmd).length) {
      // A command of commands (`index create`, `artifact push`): the word names the subcommand, whose own flags
      // and arguments follow.
      const sub = subcommandsOf(cmd).find((c) => c.name() === word || c.aliases().includes(word));
      if (!sub) return { kind: "words", words: [] };
      cmd = sub;
    } else {
      positionals.push(word);
    }
  }
  const matching = (candidates: string[]) => ({
    kind: "words" as const,
    words: [...new Set(candidates)].filter((c) => c.startsWith(current)),
  });
  if (awaitingValue) return matching(valuesOf(awaitingValue));
  const inline = /^(--[^=]+)=/.exec(current);
  if (inline) {
    // `--sort=na`: the option's values, each written with the option in front, as the word is.
    const option = optionNamed(optionsOf(cmd ?? program), inline[1]!);
    return matching(option && takesValue(option) ? valuesOf(option).map((v) => `${inline[0]}${v}`) : []);
  }
  if (current.startsWith("-")) return matching(optionNames(optionsOf(cmd ?? program), current));
  if (!cmd) return matching(commands.flatMap((c) => [c.name(), ...c.aliases()]));
  if (positionals.length === 0 && subcommandsOf(cmd).length) {
    return matching(subcommandsOf(cmd).flatMap((c) => [c.name(), ...c.aliases()]));
  }
  if (cmd.name() === "completion") return matching(positionals.length ? [] : ["bash", "zsh", "fish"]);

  const args = cmd.registeredArguments;
  const last = args.at(-1);
  const argument =
    positionals.length < args.length ? args[positionals.length] : last?.variadic ? last : undefined;
  if (!argument || !REMOTE_ARGUMENTS.has(argument.name())) return { kind: "words", words: [] };
  return remoteRequest(current);
}

/** The names and aliases of `commands` that start with `current`. */
function matchingWords(commands: readonly Command[], current: string): CompletionRequest {
  const names = commands.flatMap((c) => [c.name(), ...c.aliases()]);
  return { kind: "words", words: [...new Set(names)].filter((c) => c.startsWith(current)) };
}

/**
 * The value of a global flag typed on the line being completed (`--authfile F` or `--authfile=F`, the last one
 * wins), which `__complete` applies as the command would: the words come after `--`, so commander never parsed them.
 */
export function typedFlag(words: readonly string[], flag: string): string | undefined {
  let value: string | undefined;
  const before = words.slice(0, -1);
  before.forEach((word, i) => {
    if (word === flag && i + 1 < before.length) value = before[i + 1];
    else if (word.startsWith(`${flag}=`)) value = word.slice(flag.length + 1);
  });
  return value;
}

/**
 * `host/repo:ta` asks for the tags of `host/repo`, `host/te` for the catalog of `host`; anything else has no
 * candidates. A digest (`@`) is never completed, and a catalog only for a word that names its host (Docker Hub has
 * none to list).
 */
function remoteRequest(current: string): CompletionRequest {
  if (current.includes("@")) return { kind: "words", words: [] };
  const slash = current.lastIndexOf("/");
  const colon = current.lastIndexOf(":");
  if (colon > slash && colon > 0 && (slash !== -1 || !looksLikeHost(current.slice(0, colon)))) {
    return { kind: "tags", repository: current.slice(0, colon), prefix: current.slice(0, colon + 1) };
  }
  const firstSlash = current.indexOf("/");
  if (firstSlash > 0 && looksLikeHost(current.slice(0, firstSlash))) {
    return {
      kind: "catalog",
      registry: current.slice(0, firstSlash),
      prefix: current.slice(0, firstSlash + 1),
    };
  }
  return { kind: "words", words: [] };
}
