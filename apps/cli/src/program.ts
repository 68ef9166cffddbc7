import { UsageError } from "@regatta/errors";
import { Command, CommanderError } from "commander";
import { type CliContext, createCliContext, describeError } from "./cli-context.js";
import { registerArtifact } from "./commands/artifact.js";
import { registerAttach } from "./commands/attach.js";
import { registerAuth } from "./commands/auth.js";
import { registerBlob } from "./commands/blob.js";
import { registerCat } from "./commands/cat.js";
import { registerCatalog } from "./commands/catalog.js";
import { registerCompletion } from "./commands/completion.js";
import { registerConfig } from "./commands/config.js";
import { registerCopy } from "./commands/copy.js";
import { registerDelete } from "./commands/delete.js";
import { registerDiff } from "./commands/diff.js";
import { registerDigest } from "./commands/digest.js";
import { registerExport } from "./commands/export.js";
import { registerIndex } from "./commands/index-cmd.js";
import { registerInspect } from "./commands/inspect.js";
import { registerInventory } from "./commands/inventory.js";
import { registerLogin } from "./commands/login.js";
import { registerLogout } from "./commands/logout.js";
import { registerLs } from "./commands/ls.js";
import { registerManifest } from "./commands/manifest.js";
import { registerMount } from "./commands/mount.js";
import { registerPull } from "./commands/pull.js";
import { registerPush } from "./commands/push.js";
import { registerPutBlob } from "./commands/put-blob.js";
import { registerPutManifest } from "./commands/put-manifest.js";
import { registerRatelimit } from "./commands/ratelimit.js";
import { registerReferrers } from "./commands/referrers.js";
import { registerRepl } from "./commands/repl.js";
import { registerRmrepo } from "./commands/rmrepo.js";
import { registerRmtag } from "./commands/rmtag.js";
import { registerSchema1 } from "./commands/schema1.js";
import { registerSize } from "./commands/size.js";
import { registerSync } from "./commands/sync.js";
import { registerTag } from "./commands/tag.js";
import { registerTags } from "./commands/tags.js";
import { EXIT, exitCodeFor } from "./exit-codes.js";
import { addGlobalOptions } from "./global-options.js";
import { writeStderr } from "./output.js";
import { addPeerPointers, peerVerbPointer, withPeerPointers } from "./peer-flags.js";
import { refuseRegistryLookalikes } from "./reference-arguments.js";
import { VERSION } from "./version.js";

export { VERSION };

/**
 * The command table, in the order `--help` lists them: one file per command (as go-containerregistry's
 * cmd/crane/cmd/), each registering its arguments, flags and action. Registering is cheap: what a command needs of
 * the client is loaded when it opens one (`CliContext.withClient`), so `--help` and `--version` load only this table.
 */
const COMMANDS: readonly ((program: Command, cli: CliContext) => void)[] = [
  // Reading
  registerTags,
  registerCatalog,
  registerManifest,
  registerDigest,
  registerBlob,
  registerConfig,
  registerInspect,
  registerSize,
  registerRatelimit,
  registerReferrers,
  // Files of an image (issue 14)
  registerCat,
  registerLs,
  registerExport,
  // Exploring (issue 14)
  registerInventory,
  registerDiff,
  // Writing
  registerPutBlob,
  registerPutManifest,
  registerTag,
  registerCopy,
  registerSync,
  registerMount,
  registerDelete,
  registerRmtag,
  registerRmrepo,
  // Artifacts and referrers (issue 13)
  registerArtifact,
  registerAttach,
  registerIndex,
  registerSchema1,
  // Disk
  registerPull,
  registerPush,
  registerRepl,
  // Accounts
  registerLogin,
  registerLogout,
  registerAuth,
  // Shell
  registerCompletion,
];

/** Builds the `regatta` program. Kept free of process.exit so tests can drive it. */
export function buildProgram(cli: CliContext = createCliContext()): Command {
  const program = addGlobalOptions(
    new Command("regatta")
      .description("A client for container registries (Docker Registry / OCI Distribution API).")
      .version(VERSION, "-V, --version")
      .showSuggestionAfterError()
      // Every subcommand's --help lists the global flags too (issue 12): commander copies the help configuration
      // into each command created after this call, so it comes before the command table is registered.
      .configureHelp({ showGlobalOptions: true })
      // A peer tool's flag or verb (skopeo's --tls-verify, list-tags) gets a pointer to Regatta's (peer-flags.ts).
      .configureOutput({ outputError: withPeerPointers })
      .exitOverride(),
  );
  for (const register of COMMANDS) register(program, cli);
  // Each command's own pointer for a peer's flag (pull --all is not copy --all), now that all are registered.
  addPeerPointers(program);
  program.hook("preAction", (_program, command) => {
    const peer = peerVerbPointer(command);
    if (peer) throw new UsageError(peer);
    refuseRegistryLookalikes(command);
  });
  program.addHelpText(
    "after",
    `
Examples:
  regatta tags alpine
  regatta manifest localhost:5000/team/api:1.0 | jq .
  regatta inspect ghcr.io/org/app:latest --platform linux/arm64
  regatta blob alpine@sha256:… -o layer.tar.gz

Exit status: 0 ok, 1 error, 2 bad usage or input, 3 not found, 4 authentication or permission, 5 unreachable or timeout.`,
  );
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs the CLI and returns the exit status. Errors are printed as one line on stderr (more with -v). */
/**
 * `regatta help NOSUCH`: commander prints the whole root help (exit 0 or 2) without naming the mistake; `regatta
 * NOSUCH` says "unknown command", and so does this, with the nearest command when one is close.
 */
function refuseUnknownHelpTopic(program: Command, args: string[]): void {
  if (args[0] !== "help" || args[1] === undefined || args[1].startsWith("-")) return;
  const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  if (names.includes(args[1]) || args[1] === "help") return;
  const near = names.find((n) => n.startsWith(args[1]!.slice(0, 3)) && !n.startsWith("_"));
  throw new UsageError(
    `unknown command '${args[1]}'${near ? ` (did you mean ${near}?)` : ""}: regatta --help lists them`,
  );
}

export async function run(argv: string[]): Promise<number> {
  const cli = createCliContext();
  const program = buildProgram(cli);
  try {
    refuseUnknownHelpTopic(program, argv.slice(2));
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version are "errors" that exit 0; commander already printed its message.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const verbose = argv.includes("-v") || argv.includes("--verbose");
    writeStderr(`regatta: ${describeError(error, verbose, cli.sides)}\n`);
    return exitCodeFor(error);
  }
}
