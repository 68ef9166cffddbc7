import { UsageError } from "@regatta/errors";
import { isValidRepositoryPath, isValidTag, parseRepository } from "@regatta/reference";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { type CompletionRequest, completionRequest, typedFlag } from "../completion-candidates.js";
import { completionScript, SHELLS, type Shell } from "../completion-scripts.js";
import { writeStdout } from "../output.js";

/**
 * How long a TAB may wait for a registry's tags or catalog, all requests included: longer and the shell feels hung;
 * a registry that slow gets no candidates rather than a stuck prompt.
 */
const REMOTE_DEADLINE_MS = 2_000;

/** At most this many repositories are asked of a catalog (one page): a TAB is not a crawl. */
const CATALOG_PAGE = 1_000;

/**
 * Whether a name the registry listed may be offered to the shell: only a valid tag or repository. The shell splits
 * what it reads at newlines and acts on what it inserts, so a tag `v1\nevil.example/x:latest` would otherwise become a
 * second candidate, and `t\x1b[31mred` would colour the command line; a name that fails the grammar names nothing the
 * user could pull anyway.
 */
function isCandidate(kind: "tags" | "catalog", name: string): boolean {
  return kind === "tags" ? isValidTag(name) : isValidRepositoryPath(name);
}

/**
 * `regatta completion bash|zsh|fish` prints a completion script; the script calls the hidden
 * `regatta __complete -- WORD...`, which answers the candidates for the last word from the command table (commands,
 * flags, `--platform` values, shells) and, for an image argument, from the registry: `host/repo:` lists the tags,
 * `host/` the catalog, within {@link REMOTE_DEADLINE_MS} and silent on any error. `completion` loads only the command
 * table; `__complete` loads the client only for tags and catalogs.
 */
export function registerCompletion(program: Command, cli: CliContext): void {
  program
    .command("completion")
    .description(
      "print a shell completion script (bash, zsh or fish): commands, flags, repositories and tags",
    )
    .argument("<shell>", SHELLS.join(", "))
    .addHelpText(
      "after",
      `
Examples:
  source <(regatta completion bash)        # in ~/.bashrc
  source <(regatta completion zsh)         # in ~/.zshrc, after compinit
  regatta completion fish > ~/.config/fish/completions/regatta.fish`,
    )
    .action(async (shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell)) {
        throw new UsageError(`no completion script for "${shell}": choose ${SHELLS.join(", ")}`);
      }
      await writeStdout(completionScript(shell as Shell));
    });

  program
    .command("__complete", { hidden: true })
    .description("the candidates for the last word of a command line (called by the completion scripts)")
    .argument("[words...]", "the command line after the program name, the word being completed last")
    .allowUnknownOption()
    .action(async (words: string[], _opts: unknown, cmd: Command) => {
      const line = words.length ? words : [""];
      const request = completionRequest(program, line);
      // The --authfile typed on the line is the one the command will read: its logins complete too.
      const authfile = typedFlag(line, "--authfile");
      if (authfile !== undefined) program.setOptionValue("authfile", authfile);
      const current = line.at(-1) ?? "";
      const candidates =
        request.kind === "words" ? request.words : await remoteCandidates(cli, cmd, request, current);
      await writeStdout(candidates.map((c) => `${c}\n`).join(""));
    });
}

/**
 * Tags or repositories from the registry, each prefixed as typed and filtered by `current`; a name that is no valid
 * tag or repository is dropped ({@link isCandidate}). Any failure (no
 * registry, refused, too slow, a malformed name) is no candidates: a TAB never prints an error into the command line.
 */
async function remoteCandidates(
  cli: CliContext,
  cmd: Command,
  request: Exclude<CompletionRequest, { kind: "words" }>,
  current: string,
): Promise<string[]> {
  try {
    const registry =
      request.kind === "tags" ? parseRepository(request.repository).registry : request.registry;
    const names = await cli.withClient(
      cmd,
      registry,
      async (reg) => {
        const signal = AbortSignal.timeout(REMOTE_DEADLINE_MS);
        return request.kind === "tags"
          ? await reg.allTags(request.repository, { signal })
          : (await reg.catalog({ n: CATALOG_PAGE, signal })).repositories;
      },
      { retry: { attempts: 1 }, timeouts: { connect: REMOTE_DEADLINE_MS, request: REMOTE_DEADLINE_MS } },
    );
    // In natural order (1.9 before 1.10), as a person reads versions; shells that sort again keep it for equal keys.
    return names
      .filter((name) => isCandidate(request.kind, name))
      .map((name) => `${request.prefix}${name}`)
      .filter((c) => c.startsWith(current))
      .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  } catch {
    return [];
  }
}
