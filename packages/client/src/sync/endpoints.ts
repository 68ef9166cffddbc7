/**
 * The two ends of a sync job: a registry repository (`registry/repo`, or `registry/repo:tag` for that tag only, as
 * skopeo sync takes one), or an OCI image layout directory written `oci:DIR` (skopeo's transport name; a source
 * `oci:DIR:tag` for that tag only). A layout holds many tags as index.json entries named by
 * `org.opencontainers.image.ref.name`.
 */
import { existsSync } from "node:fs";
import { quotePath, UsageError } from "@regatta/errors";
import { parseReference, type RepositoryReference } from "@regatta/reference";
import type { ClientContext } from "../context.js";

export type Endpoint =
  | { kind: "registry"; repository: RepositoryReference; tag?: string; text: string }
  | { kind: "oci"; dir: string; tag?: string; text: string };

/** Parses one end of a job; `side` names it in errors. */
export function parseEndpoint(ctx: ClientContext, text: string, side: "source" | "target"): Endpoint {
  if (text.startsWith("oci:")) {
    const dir = text.slice(4);
    if (!dir) throw new UsageError(`the ${side} oci: needs a directory (oci:DIR)`);
    // skopeo's `oci:DIR:TAG` names one tag of a layout: as a source, that tag only (as `registry/repo:tag` is); as a
    // target, refused as a tagged registry target is. A directory named `DIR:TAG` that exists is that directory.
    const named = /^(.+):([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/.exec(dir);
    if (named && !existsSync(dir)) {
      const [, base = "", tag = ""] = named;
      if (side === "target") {
        throw new UsageError(
          `the target of a sync is a layout: each tag keeps its name (${quotePath(text)} names the tag ${tag}; give ${quotePath(`oci:${base}`)})`,
        );
      }
      return { kind: "oci", dir: base, tag, text: `oci:${base}` };
    }
    return { kind: "oci", dir, text };
  }
  const ref = parseReference(text, { defaultRegistry: ctx.defaultRegistry, defaultTag: false });
  if (ref.digest !== undefined) {
    throw new UsageError(
      `the ${side} of a sync is a repository (tags are chosen by filters), not a digest: ${text}`,
    );
  }
  if (side === "target" && ref.tag !== undefined) {
    throw new UsageError(
      `the target of a sync is a repository: each tag keeps its name (${text} names a tag)`,
    );
  }
  const repository = ref.repositoryOnly();
  return {
    kind: "registry",
    repository,
    ...(ref.tag !== undefined ? { tag: ref.tag } : {}),
    text: repository.toString(),
  };
}

/** `registry/repo:tag` or `oci:DIR:tag`, for plans and messages. */
export function endpointTag(end: Endpoint, tag: string): string {
  return end.kind === "oci" ? `${end.text}:${tag}` : end.repository.withTag(tag).toString();
}
