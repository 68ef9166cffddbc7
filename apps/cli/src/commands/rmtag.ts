import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { writeJson } from "../output.js";

/** `regatta rmtag REPO:TAG`: one tag deleted; the manifest and its other tags stay. */
export function registerRmtag(program: Command, cli: CliContext): void {
  program
    .command("rmtag")
    .description("delete one tag, leaving the manifest and its other tags (on every registry)")
    .argument("<reference>", "REPO:TAG")
    .addHelpText(
      "after",
      "\nUses the OCI 1.1 tag delete where the registry has it; elsewhere (distribution 2.x) the tag is moved to a" +
        "\nsmall throwaway manifest that is then deleted by digest, so no other tag moves." +
        "\n\nExample:\n  regatta rmtag localhost:5000/team/api:latest",
    )
    .action(async (reference: string, _opts: unknown, cmd: Command) => {
      // Before any request: a delete names its tag or digest (the client checks it; the CLI parses first).
      (await import("@regatta/client")).checkNamesWhatToDelete(reference, "REPO:TAG");
      await cli.withReference(cmd, reference, async (reg, ref, flags) => {
        const done = await reg.deleteTag(ref);
        if (flags.json) {
          await writeJson({
            reference: ref.toString(),
            deleted: true,
            digest: done.digest,
            method: done.method,
            kept: done.kept,
          });
        } else {
          const kept = done.kept.length ? `; still tagged ${done.kept.join(", ")}` : "";
          cli.info(`deleted tag ${ref.familiar()} (the manifest ${done.digest} stays${kept})`);
        }
      });
    });
}
