import type { ArtifactFile } from "@regatta/client";
import { UsageError } from "@regatta/errors";

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
