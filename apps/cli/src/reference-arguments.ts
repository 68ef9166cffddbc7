import { quoteText, UsageError } from "@regatta/errors";
import { isRegistryLookalike } from "@regatta/reference";
import type { Command } from "commander";

/** The names of the positional arguments that take an image reference (or several), in every command. */
const REFERENCE_ARGUMENTS = new Set([
  "reference",
  "references",
  "image",
  "source",
  "sources",
  "a",
  "b",
  "target",
]);

/**
 * A registry address written alone where a reference goes (`regatta inspect 127.0.0.1:5931`) is refused before any
 * request, with the hint `tags` gives: docker would read it as `docker.io/library/127.0.0.1:5931`, an official
 * image no one means, and the run would end in "cannot reach registry docker.io" or a 404 there. Run before every
 * command's action (program.ts), so each reference argument gets it.
 */
export function refuseRegistryLookalikes(cmd: Command): void {
  // sync's target may be a registry alone: skopeo's YAML names the destination prefix (`sync --config F localhost:5000`).
  if (cmd.name() === "sync") return;
  cmd.registeredArguments.forEach((argument, i) => {
    if (!REFERENCE_ARGUMENTS.has(argument.name())) return;
    const value: unknown = cmd.processedArgs[i];
    for (const word of Array.isArray(value) ? value : [value]) {
      if (typeof word !== "string" || !isRegistryLookalike(word)) continue;
      const [host, port] = word.split(":");
      throw new UsageError(
        `${quoteText(word)} is a registry, not an image (docker reads it as docker.io/library/${host} with tag ${port}); to name a repository on that registry write ${quoteText(`${word}/<name>`)}`,
      );
    }
  });
}
