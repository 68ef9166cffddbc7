import type { ArtifactFile, PushArtifactResult } from "@regatta/client";
import { UsageError } from "@regatta/errors";
import type { CliContext } from "./cli-context.js";
import type { GlobalFlags } from "./global-options.js";
import { writeJson, writeStdout } from "./output.js";

/**
 * `FILE[:MEDIA_TYPE]` arguments of `artifact push` and `attach`, as oras writes them (`sbom.json:application/spdx+json`):
 * the part after the last `:` is a media type when it has a `/`, else it belongs to the file name.
 */
export function artifactFiles(args: readonly string[]): ArtifactFile[] {
  return args.map((arg) => {
    const colon = arg.lastIndexOf(":");
    const type = colon > 0 ? arg.slice(colon + 1) : "";
    if (type.includes("/")) return { path: arg.slice(0, colon), mediaType: type };
    return { path: arg };
  });
}

/** Repeated `--annotation KEY=VALUE` flags, collected by commander into one map. */
export function collectAnnotation(
  value: string,
  previous: Record<string, string> = {},
): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new UsageError(`--annotation needs KEY=VALUE, got ${JSON.stringify(value)}`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/**
 * What `artifact push` and `attach` print for a pushed artifact: its digest on stdout (a note on stderr when the
 * registry has no referrers API and the fallback tag lists it), or with --json the result, `head` first.
 */
export async function reportPushedArtifact(
  cli: CliContext,
  flags: GlobalFlags,
  pushed: PushArtifactResult,
  head: Record<string, unknown>,
): Promise<void> {
  if (flags.json) {
    await writeJson({
      ...head,
      referrers: pushed.referrers,
      ...(pushed.fallbackTag !== undefined ? { fallbackTag: pushed.fallbackTag } : {}),
    });
    return;
  }
  if (pushed.referrers === "fallback-tag")
    cli.info(`no referrers API: listed in the fallback tag ${pushed.fallbackTag}`);
  await writeStdout(`${pushed.digest}\n`);
}
