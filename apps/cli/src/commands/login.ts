import { CredentialsError, MAX_TIMEOUT_MS, quotePath, shellWord, UsageError } from "@regatta/errors";
import { DEFAULT_REGISTRY, parseRegistry } from "@regatta/reference";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { connectOptions, type GlobalFlags, requestTimeoutMs } from "../global-options.js";
import { escapeField, writeJson, writeStderr, writeStdout } from "../output.js";
import { canPrompt, prompt } from "../prompt.js";

/** The registry argument of `login` and `logout`: Docker Hub when not given, as docker's. */
export const HOST_ARGUMENT = [
  "[host]",
  "the registry, e.g. ghcr.io, localhost:5000 (docker.io: Docker Hub); HOST/NAMESPACE with --authfile or REGISTRY_AUTH_FILE",
  DEFAULT_REGISTRY,
] as const;

/**
 * What `login` / `logout` HOST[/NAMESPACE] is about: the registry, and the login's name as said back (the namespace's
 * key in a containers auth.json, else the registry). A namespace where the file's keys name hosts only (docker's
 * config.json) is refused by the store's own rule (`credentialStoreEntry`), before a password is asked for.
 */
export async function loginTarget(
  arg: string,
  authFile: string | undefined,
  action: "login" | "logout" = "login",
): Promise<{ registry: string; target: string }> {
  const { credentialStoreEntry } = await import("@regatta/client");
  if (authFile !== undefined) {
    const { stat } = await import("node:fs/promises");
    if ((await stat(authFile).catch(() => undefined))?.isDirectory()) {
      throw new UsageError(`--authfile ${quotePath(authFile)}: is a directory; name a file (an auth.json)`);
    }
  }
  let entry: Awaited<ReturnType<typeof credentialStoreEntry>>;
  try {
    entry = credentialStoreEntry(
      arg,
      { env: process.env, ...(authFile !== undefined ? { authFile } : {}) },
      action,
    );
  } catch (error) {
    // What was typed cannot be kept there (a namespace in docker's config.json, a bad namespace): a usage error.
    if (!(error instanceof CredentialsError)) throw error;
    throw new UsageError(error.summary, { ...(error.hint ? { hint: error.hint } : {}), cause: error });
  }
  if (entry.format === "containers" && entry.key.includes("/")) {
    const registry = parseRegistry(arg.slice(0, arg.indexOf("/"))).registry;
    return { registry, target: `${registry}${entry.key.slice(entry.key.indexOf("/"))}` };
  }
  const registry = parseRegistry(arg).registry;
  return { registry, target: registry };
}

/**
 * `regatta login [HOST]`: checks a username and password against the registry, the way `docker login` does, and saves
 * them where docker (or podman, with `--authfile`) keeps them, through the configured credential helper when there is
 * one. The password comes from `--password-stdin`, `-p` (warned against, as docker does), or a prompt that does not
 * echo; nothing is saved when the registry refuses them (exit 4).
 */
export function registerLogin(program: Command, cli: CliContext): void {
  program
    .command("login")
    .description(
      "check credentials against a registry and save them in the docker config or its credential helper",
    )
    .argument(...HOST_ARGUMENT)
    .addHelpText(
      "after",
      `
The username comes from -u (or is asked for), the password from --password-stdin (all of stdin, one trailing
newline removed), -p, or a prompt that does not echo; without a terminal, one of the flags is needed.

Examples:
  regatta login ghcr.io -u octocat --password-stdin < token.txt
  echo "$PASSWORD" | regatta login localhost:5000 -u ci --password-stdin
  regatta login registry.example --authfile ./auth.json`,
    )
    .action(async (host: string, _opts: unknown, cmd: Command) => {
      const flags = cli.flags(cmd);
      const { registry, target } = await loginTarget(host, flags.authfile);
      if (flags.anonymous) throw new UsageError("login and --anonymous contradict each other");
      // As docker login with nothing given: saved credentials that the registry still takes are a login already
      // (the lookup's answer for the host, so not for a namespace's own login).
      const nothingGiven =
        flags.username === undefined && flags.password === undefined && !flags.passwordStdin;
      if (
        nothingGiven &&
        target === registry &&
        (await existingLogin(cli, cmd, host, registry, Boolean(flags.json)))
      )
        return;
      const credential = await loginCredential(flags, registry);
      // The client below is opened with exactly these credentials: stdin has been read once and is not read again.
      const root = cmd.parent ?? cmd;
      root.setOptionValue("username", credential.username);
      root.setOptionValue("password", credential.password);
      root.setOptionValue("passwordStdin", undefined);
      await cli.withClient(cmd, registry, async (reg) => {
        const { checkCredentials, otherCredentialFiles, storeCredential } = await import("@regatta/client");
        // As docker login: nothing is saved unless the registry takes the credentials (a typed 401/403, exit 4).
        await checkCredentials(reg);
        const where = await storeCredential(host, credential, {
          env: process.env,
          ...(flags.authfile !== undefined ? { authFile: flags.authfile } : {}),
          ...lockWait(flags),
        });
        // The lookup reads the containers auth.json files before docker's config: an entry there would win.
        const shadows =
          where.format === "docker" ? await otherCredentialFiles(host, where.file, { env: process.env }) : [];
        for (const { file } of shadows.filter((f) => f.format === "containers")) {
          writeStderr(
            `WARNING! ${quotePath(file)} also holds credentials for ${registry} and is read first: those are the ones commands will use (remove them with: regatta logout ${registry} --authfile ${shellWord(file)})\n`,
          );
        }
        if (flags.json) {
          await writeJson({ registry, username: credential.username, ...where });
          return;
        }
        const place = where.helper ? `docker-credential-${escapeField(where.helper)}` : quotePath(where.file);
        if (!where.helper) {
          cli.info(
            where.format === "docker"
              ? `WARNING! Your password will be stored unencrypted in ${quotePath(where.file)}.\nConfigure a credential helper (credsStore in the docker config) to remove this warning.`
              : // A containers auth.json has no credsStore: what docker's advice names is not there to configure.
                `WARNING! Your password will be stored unencrypted in ${quotePath(where.file)}.`,
          );
        }
        // On stdout, as docker's and skopeo's "Login Succeeded": the result, which a script may read; warnings on stderr.
        await writeStdout(
          `Login Succeeded: ${escapeField(credential.username)} for ${escapeField(target)}, saved in ${place}\n`,
        );
      });
    });
}

/**
 * How `login` / `logout` wait for the credentials file's lock another process holds: said on stderr after a second
 * (the lock file, the pid in it), given up after `--timeout` (default 30 s) with the lock file and how to remove it.
 */
export function lockWait(flags: GlobalFlags): {
  lockTimeoutMs?: number;
  onLockWait: (wait: { lockFile: string; holder: number }) => void;
} {
  // The one reading of --timeout (global-options.ts): 0 is no deadline there, so here a wait without end (said).
  const limit = requestTimeoutMs(flags);
  return {
    ...(limit !== undefined ? { lockTimeoutMs: limit === 0 ? MAX_TIMEOUT_MS : limit } : {}),
    onLockWait: ({ lockFile, holder }) =>
      writeStderr(
        `waiting for the lock ${quotePath(lockFile)}, held by process ${holder} (another regatta login or logout?)\n`,
      ),
  };
}

/**
 * `regatta login HOST` with no credential given, when the lookup (the docker config, a helper, an auth.json) has
 * some for HOST and the registry takes them: said, nothing written, true. False when there are none or they are
 * refused, so the login goes on and asks.
 */
async function existingLogin(
  cli: CliContext,
  cmd: Command,
  host: string,
  registry: string,
  json: boolean,
): Promise<boolean> {
  try {
    return await cli.withClient(cmd, host, async (reg) => {
      const { checkCredentials } = await import("@regatta/client");
      await checkCredentials(reg);
      const who = reg.ctx.authenticator.describe(reg.ctx.defaultRegistry);
      if (who.anonymous || who.username === undefined) return false;
      if (json) await writeJson({ registry, username: who.username, existing: true });
      else
        await writeStdout(
          `Login Succeeded: ${escapeField(who.username)} for ${registry}, with the saved credentials\n`,
        );
      return true;
    });
  } catch {
    return false;
  }
}

/**
 * The username and password of a login, from the global flags (read once, by {@link connectOptions}: `-p`,
 * `--password-stdin`, `REGATTA_PASSWORD` with `-u`) or asked for on a terminal.
 */
async function loginCredential(
  flags: GlobalFlags,
  registry: string,
): Promise<{ username: string; password: string }> {
  if (flags.password !== undefined) {
    // docker's own words (cli/command/registry/login.go): argv is readable by every user of the machine.
    writeStderr("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
  }
  if (flags.passwordStdin && flags.username === undefined) {
    throw new UsageError("--password-stdin needs the username too (-u USER)");
  }
  const given = connectOptions(flags, () => {}, registry);
  let username = given.username;
  let password = given.password;
  if ((username === undefined || password === undefined) && !canPrompt()) {
    throw new UsageError(
      `no ${username === undefined ? "username and password" : "password"} for ${registry}, and no terminal to ask on`,
      {
        hint: `pass -u USER --password-stdin (e.g. echo "$PASSWORD" | regatta login ${registry} -u USER --password-stdin)`,
      },
    );
  }
  if (username === undefined) username = (await prompt("Username: ")).trim();
  if (!username) throw new UsageError("a username is needed");
  // Every reader splits base64 `user:password` at the first colon (docker's decodeAuth).
  if (username.includes(":")) throw new UsageError("a username may not contain a colon");
  if (password === undefined) password = await prompt("Password: ", { secret: true });
  if (!password) throw new UsageError("a password is needed");
  return { username, password };
}
