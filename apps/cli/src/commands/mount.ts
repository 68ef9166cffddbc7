import { UsageError } from "@regatta/errors";
import { parseReference, parseRepository } from "@regatta/reference";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { writeJson, writeStdout } from "../output.js";

/** `regatta mount REPO@DIGEST TARGET`: a blob mounted (or streamed) into another repository. */
export function registerMount(program: Command, cli: CliContext): void {
  program
    .command("mount")
    .description("mount a blob from one repository into another of the same registry (streamed if declined)")
    .argument("<source>", "REPO@DIGEST, the blob to mount")
    .argument("<target>", "the repository to mount it into (same registry)")
    .addHelpText("after", "\nExample:\n  regatta mount localhost:5000/base@sha256:… localhost:5000/team/api")
    .action(async (source: string, target: string, _opts: unknown, cmd: Command) => {
      const ref = parseReference(source);
      if (!ref.digest) throw new UsageError(`mount needs the blob's digest: ${source}@sha256:…`);
      const to = parseRepository(target, { defaultRegistry: ref.registry });
      const flags = cli.flags(cmd);
      await cli.withClient(cmd, ref.registry, async (reg) => {
        const done = await reg.mountBlob(ref.repositoryOnly(), to, ref.digest as string);
        if (flags.json) await writeJson(done);
        else {
          cli.info(
            done.mounted
              ? `mounted into ${to.name}`
              : `the registry declined the mount: uploaded into ${to.name}`,
          );
          await writeStdout(`${done.digest}\n`);
        }
      });
    });
}
