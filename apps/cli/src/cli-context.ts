import type { ConnectOptions, RegistryClient } from "@regatta/client";
import { quotePath, RegattaError } from "@regatta/errors";
import { causeLines, oneLine, registryErrorLines } from "@regatta/present";
import {
  parseReference,
  parseRepository,
  type Reference,
  type RepositoryReference,
} from "@regatta/reference";
import type { Command } from "commander";
import pc from "picocolors";
import { type CredentialSide, cliAccessHint } from "./access-hint.js";
import { connectOptions, type GlobalFlags, passwordFromEnvironment } from "./global-options.js";
import { whenInterrupted } from "./interrupt.js";
import { escapeControls, scrubOutputOf, writeStderr } from "./output.js";
import { sayReaderWait } from "./transfer-progress.js";

/** What commands share: the flags, the stderr channel and the way a client is opened and closed. */
export interface CliContext {
  flags(cmd: Command): GlobalFlags;
  /** A message for people, on stderr (stdout is for data). Silent with --json. */
  info(message: string): void;
  /**
   * Opens a client for `registry` with the global flags (and `extra` options on top, e.g. credentials for other
   * registries), runs `fn`, and always closes the client.
   */
  withClient<T>(
    cmd: Command,
    registry: string,
    fn: (reg: RegistryClient, flags: GlobalFlags) => Promise<T>,
    extra?: ConnectOptions,
  ): Promise<T>;
  /**
   * The common shape of a command on one image: `reference` parsed (a usage error before any client is opened),
   * then {@link withClient} for its registry, with the command's `--platform` in the client.
   */
  withReference<T>(
    cmd: Command,
    reference: string,
    fn: (reg: RegistryClient, ref: Reference, flags: GlobalFlags) => Promise<T>,
  ): Promise<T>;
  /** As {@link withReference}, for a command on a repository. */
  withRepository<T>(
    cmd: Command,
    repository: string,
    fn: (reg: RegistryClient, repo: RepositoryReference, flags: GlobalFlags) => Promise<T>,
  ): Promise<T>;
  /**
   * Names the flags that give credentials to each side of this run, for the hint of a refused request (a copy:
   * `--src-*` for its source, `--dest-*` or `-u/-p` for its target). Default: `-u/-p` for the client's registry.
   */
  credentialSides(sides: CredentialSide[]): void;
  /**
   * The local files this run reads or writes (a `-o` file, a pull's destination, a push's source; `-` and undefined
   * are left out), declared before `withClient`: `--har` naming one of them is refused before any request.
   */
  localFiles(paths: readonly (string | undefined)[]): void;
  /**
   * A path this run writes (`label` names it in a message: `pull`, `-o`), declared before `withClient`: a directory
   * of it that does not exist is refused (exit 2) before any request, never created (`-` and undefined are left out);
   * so is an existing directory at the path of a `file` (a tarball, a blob), while a `directory` (an OCI layout, an
   * artifact's files) may be one.
   */
  writesTo(path: string | undefined, label: string, kind?: "file" | "directory"): void;
  /** The sides of this run, as declared or defaulted by `withClient`. */
  readonly sides: readonly CredentialSide[];
}

/** How the global flags give credentials. */
export const GLOBAL_CREDENTIAL_FLAGS = "-u/-p";

/** What `--har` says once the recording is written. */
function recordedLine(n: number, har: string): string {
  return `recorded ${n} HTTP exchange${n === 1 ? "" : "s"} in ${quotePath(har)} (secrets redacted)`;
}

export function createCliContext(): CliContext {
  let jsonMode = false;
  let sides: CredentialSide[] = [];
  let recorder: import("@regatta/client").HarRecorder | undefined;
  let ownFiles: string[] = [];
  let outputs: { path: string; label: string; kind: "file" | "directory" }[] = [];
  const ctx: CliContext = {
    get sides() {
      return sides;
    },
    credentialSides(given) {
      sides = given;
    },
    localFiles(paths) {
      ownFiles = paths.filter((path): path is string => path !== undefined && path !== "-");
    },
    writesTo(path, label, kind = "file") {
      if (path !== undefined && path !== "-") outputs.push({ path, label, kind });
    },
    flags(cmd) {
      const flags = cmd.optsWithGlobals<GlobalFlags>();
      jsonMode = Boolean(flags.json);
      return flags;
    },
    info(message) {
      if (!jsonMode) writeStderr(`${message}\n`);
    },
    async withClient(cmd, registry, fn, extra) {
      const flags = ctx.flags(cmd);
      if (!sides.length) {
        sides = [
          {
            registry,
            flags: GLOBAL_CREDENTIAL_FLAGS,
            given: flags.username !== undefined,
            ...(passwordFromEnvironment(flags) !== undefined
              ? { givenAs: "with -u and REGATTA_PASSWORD" }
              : {}),
          },
        ];
      }
      const color = Boolean(process.stderr.isTTY);
      // Escaped before it is dimmed, so the dim stays and a control character from the wire does not.
      const log = (line: string) => writeStderr(`${color ? pc.dim(escapeControls(line)) : line}\n`);
      const base = connectOptions(flags, log, registry);
      // A long wait before a retry (a 429's Retry-After) is said without -v, so the command does not look hung; with
      // -v the log's retry line says it already.
      if (!flags.verbose) base.notice = (line) => writeStderr(`regatta: ${line}\n`);
      // Loaded here, by the first command that talks to a registry: --help, --version and a usage error never load
      // the client, its transport or undici (issue 12; the bundle puts them in a chunk of their own).
      const {
        createClient,
        mergeHosts,
        HarRecorder,
        checkHarPath,
        checkOutputDirectory,
        writeHarFile,
        writeHarFileNow,
      } = await import("./open-client.js");
      for (const { path, label, kind } of outputs) await checkOutputDirectory(path, label, kind);
      outputs = [];
      // --har: checked before any request (a long copy must not end in "cannot write the HAR"); one recorder for
      // every client of the run, written when each ends, the failed runs included — they are the ones reported.
      if (flags.har !== undefined && !recorder) {
        await checkHarPath(flags.har, ownFiles);
        const har = flags.har;
        const recording = new HarRecorder();
        recorder = recording;
        // Ctrl-C or SIGTERM ends the process before the `finally` below runs: written then, the waiting requests too.
        whenInterrupted(() => {
          const n = writeHarFileNow(har, recording);
          if (n !== undefined) ctx.info(recordedLine(n, har));
        });
      }
      // `hosts` from the flags (--cert-file) and from the command (a copy's --src-*/--dest-*) are merged, not replaced.
      const hosts = mergeHosts(base.hosts, extra?.hosts);
      const client = createClient(registry, {
        ...base,
        ...extra,
        ...(hosts ? { hosts } : {}),
        ...(recorder ? { har: recorder } : {}),
      });
      scrubOutputOf(client.ctx.transport.secrets);
      // A command's --platform, handed over once: every call of the command means that image of an index.
      const reg = flags.platform ? client.with({ platform: flags.platform }) : client;
      try {
        return await fn(reg, flags);
      } finally {
        await client.close();
        if (recorder && flags.har !== undefined) {
          const har = flags.har;
          const n = await writeHarFile(har, recorder, {
            onReaderWait: () => sayReaderWait(har),
          });
          ctx.info(recordedLine(n, har));
        }
      }
    },
    withReference(cmd, reference, fn) {
      const ref = parseReference(reference);
      return ctx.withClient(cmd, ref.registry, (reg, flags) => fn(reg, ref, flags));
    },
    withRepository(cmd, repository, fn) {
      const repo = parseRepository(repository);
      return ctx.withClient(cmd, repo.registry, (reg, flags) => fn(reg, repo, flags));
    },
  };
  return ctx;
}

/**
 * One line for people; with -v, the code, status, request and causes too. A refused request (401/403) gets the
 * CLI's own hint from the facts on the error and the flags of this run (`sides`), instead of the library's.
 */
export function describeError(
  error: unknown,
  verbose: boolean,
  sides: readonly CredentialSide[] = [],
): string {
  if (!(error instanceof Error)) return oneLine(String(error));
  const access = error instanceof RegattaError ? error.access : undefined;
  const lines = [
    access && error instanceof RegattaError
      ? `${oneLine(error.summary)} (${cliAccessHint(access, error.status ?? 401, sides)})`
      : oneLine(error.message),
  ];
  if (verbose) {
    if (error instanceof RegattaError) lines.push(...registryErrorLines(error, true));
    lines.push(...causeLines(error));
  }
  return lines.join("\n");
}
