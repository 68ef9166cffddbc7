import { basename, isAbsolute, posix, sep } from "node:path";
import type { ArtifactFile, PushArtifactResult } from "@regatta/client";
import { UsageError } from "@regatta/errors";
import type { CliContext } from "./cli-context.js";
import type { GlobalFlags } from "./global-options.js";
import { writeJson, writeStdout } from "./output.js";

/**
 * The title of a file named on the command line, as oras gives it (`oras push REF conf/app.yaml` titles it
 * `conf/app.yaml`, and `oras pull` writes it back there): the cleaned relative path; a directory's trailing `/` goes.
 * A path that is absolute or climbs out of the working directory (`../x`), which oras refuses without
 * `--disable-path-validation`, is titled by its base name instead.
 */
function titleFor(path: string): string {
  const clean = posix.normalize(path.split(sep).join("/")).replace(/\/+$/, "");
  if (isAbsolute(path) || clean === ".." || clean.startsWith("../") || clean === ".") return basename(path);
  return clean;
}

/**
 * `FILE[:MEDIA_TYPE]` arguments of `artifact push` and `attach`, as oras writes them (`sbom.json:application/spdx+json`):
 * the part after the last `:` is a media type when it has a `/`, else it belongs to the file name. A directory is
 * pushed as one layer, as oras pushes it (the client's referrers/artifact-dir.ts).
 */
export function artifactFiles(args: readonly string[]): ArtifactFile[] {
  return args.map((arg) => {
    const colon = arg.lastIndexOf(":");
    const type = colon > 0 ? arg.slice(colon + 1) : "";
    const path = type.includes("/") ? arg.slice(0, colon) : arg;
    // `-` is stdin for every command, never a file named `-` (apps/cli/README.md): here stdin has no name to title
    // its layer by, and an untitled layer is one `artifact pull` and `oras pull` do not write. Refused, not read as a
    // file of that name.
    if (path === "-") {
      throw new UsageError(
        "an artifact's files are named by their file names, and stdin has none: save it to a file first (a file named - is ./-)",
        {
          hint: "cat > sbom.json, then regatta artifact push REF sbom.json; regatta put-blob REPO - takes stdin as a bare blob",
        },
      );
    }
    return { path, title: titleFor(path), ...(type.includes("/") ? { mediaType: type } : {}) };
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
