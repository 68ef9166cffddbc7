import { quotePath, shellWord } from "@regatta/errors";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { escapeField, writeJson, writeStderr, writeStdout } from "../output.js";
import { HOST_ARGUMENT, lockWait, loginTarget } from "./login.js";

/**
 * `regatta logout [HOST]`: removes the credentials `login` saved, as `docker logout` does: erased from the configured
 * credential helper, and every `auths` entry naming the host removed from the file. Says so when there was nothing.
 */
export function registerLogout(program: Command, cli: CliContext): void {
  program
    .command("logout")
    .description("remove a registry's saved credentials from the docker config or its credential helper")
    .argument(...HOST_ARGUMENT)
    .addHelpText(
      "after",
      "\nExamples:\n  regatta logout ghcr.io\n  regatta logout registry.example --authfile ./auth.json",
    )
    .action(async (host: string, _opts: unknown, cmd: Command) => {
      const flags = cli.flags(cmd);
      const { registry, target } = await loginTarget(host, flags.authfile, "logout");
      // The store lives in the client bundle's chunk; nothing here talks to the registry.
      const { eraseCredential, otherCredentialFiles } = await import("@regatta/client");
      const result = await eraseCredential(host, {
        env: process.env,
        ...(flags.authfile !== undefined ? { authFile: flags.authfile } : {}),
        ...lockWait(flags),
      });
      // A login kept in another file of the lookup still answers for the host: say where, and how to remove it.
      const remaining = await otherCredentialFiles(host, result.file, { env: process.env });
      for (const { file, format } of remaining) {
        const how = format === "docker" ? "" : ` --authfile ${shellWord(file)}`;
        writeStderr(
          `note: ${quotePath(file)} still holds credentials for ${registry} (regatta logout ${registry}${how} removes them)\n`,
        );
      }
      if (flags.json) {
        await writeJson({ registry, ...result });
        return;
      }
      const place = result.helper
        ? `docker-credential-${escapeField(result.helper)}`
        : quotePath(result.file);
      // On stdout, as docker's "Removing login credentials for HOST".
      await writeStdout(
        `${
          result.removed
            ? `Removed the login credentials for ${escapeField(target)} from ${place}`
            : `Not logged in to ${escapeField(target)}: nothing to remove in ${place}`
        }\n`,
      );
    });
}
