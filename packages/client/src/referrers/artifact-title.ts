/**
 * What an artifact layer's `org.opencontainers.image.title` may be, checked once for push and pull. oras titles a
 * file by its cleaned relative path (`oras push REF conf/app.yaml` → `conf/app.yaml`; only absolute paths are
 * refused, unless `--disable-path-validation`), and `oras pull` writes it under its directory, refusing a path that
 * climbs out (oras-go content/file: resolveWritePath). Regatta takes the same titles, but only in the one canonical
 * form a cleaned path has: `/`-separated plain names, none empty, `.` or `..`, no `\` or NUL, not absolute. A title
 * from a registry is never trusted as a path, so anything else is refused, not cleaned.
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/annotations.md
 */
import { quoteText, UsageError } from "@regatta/errors";

/** The annotation that names a layer's file (https://github.com/opencontainers/image-spec/blob/v1.1.0/annotations.md). */
export const TITLE_ANNOTATION = "org.opencontainers.image.title";

/** The parts of a safe title (`conf/app.yaml` → `["conf", "app.yaml"]`), or a UsageError saying why it is not one. */
export function titleParts(title: string): string[] {
  const parts = title.split("/");
  const bad = parts.find((p) => p === "" || p === "." || p === ".." || p.includes("\\") || p.includes("\0"));
  if (bad !== undefined) {
    throw new UsageError(
      `artifact file title ${quoteText(title)} is not a safe relative path: ${
        title.startsWith("/") ? "it is absolute" : `it has the part ${quoteText(bad)}`
      } (a title is a file name, or names joined by "/", none of them empty, "." or "..")`,
      { code: "UNSAFE_TITLE" },
    );
  }
  return parts;
}

/**
 * Refuses a set of titles that cannot all be written: one twice, or one inside another (`docs` and `docs/a.txt`:
 * `docs` would have to be a file and a directory at once).
 */
export function checkTitlesDisjoint(titles: readonly string[], where: string): void {
  const seen = new Set<string>();
  for (const title of titles) {
    if (seen.has(title)) throw new UsageError(`${where} has two files titled ${quoteText(title)}`);
    seen.add(title);
  }
  for (const title of titles) {
    const parts = title.split("/");
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      if (seen.has(parent))
        throw new UsageError(
          `${where} has a file titled ${quoteText(parent)} and one inside it, ${quoteText(title)}`,
        );
    }
  }
}
