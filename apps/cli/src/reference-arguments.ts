import { existsSync } from "node:fs";
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
  // schema1 convert's REPO:TAG, schema1 verify's file or reference.
  "name",
  "manifest",
]);

/**
 * A registry address written alone where a reference goes (`regatta inspect 127.0.0.1:5931`) is refused before any
 * request, with the hint `tags` gives: docker would read it as `docker.io/library/127.0.0.1:5931`, an official
 * image no one means, and the run would end in "cannot reach registry docker.io" or a 404 there. Run before every
 * command's action (program.ts), so each reference argument gets it.
 */
export function refuseRegistryLookalikes(cmd: Command): void {
  cmd.registeredArguments.forEach((argument, i) => {
    if (!REFERENCE_ARGUMENTS.has(argument.name())) return;
    // sync's one argument with --config is the destination prefix, a registry alone in skopeo's YAML form
    // (`sync --config F localhost:5000`); without it each end names a repository (skopeo's `sync SRC HOST:PORT`
    // form is told to name one; the client's sync/endpoints.ts says the same to a library caller).
    if (cmd.name() === "sync" && cmd.opts().config !== undefined) return;
    // schema1 verify's argument is a file first: one named like a registry is read as it is.
    const value: unknown = cmd.processedArgs[i];
    for (const word of Array.isArray(value) ? value : [value]) {
      if (typeof word !== "string" || !isRegistryLookalike(word)) continue;
      if (argument.name() === "manifest" && existsSync(word)) continue;
      const at = word.lastIndexOf(":");
      const host = word.slice(0, at);
      // docker refuses a bracketed IPv6 host as a name; the others it reads as an official image with a numeric tag.
      const docker = host.startsWith("[")
        ? ""
        : ` (docker reads it as docker.io/library/${host} with tag ${word.slice(at + 1)})`;
      throw new UsageError(
        `${quoteText(word)} is a registry, not an image${docker}; to name a repository on that registry write ${quoteText(`${word}/<name>`)}`,
      );
    }
  });
}
