/**
 * The two ends of a sync job: a registry repository (`registry/repo`, or `registry/repo:tag` for that tag only, as
 * skopeo sync takes one), or an OCI image layout directory written `oci:DIR` (skopeo's transport name). A layout
 * holds many tags as index.json entries named by `org.opencontainers.image.ref.name`.
 */
import { existsSync } from "node:fs";
import { quotePath, UsageError } from "@regatta/errors";
import { parseReference, type RepositoryReference } from "@regatta/reference";
import type { ClientContext } from "../context.js";

export type Endpoint =
  | { kind: "registry"; repository: RepositoryReference; tag?: string; text: string }
  | { kind: "oci"; dir: string; text: string };

/** Parses one end of a job; `side` names it in errors. */
export function parseEndpoint(ctx: ClientContext, text: string, side: "source" | "target"): Endpoint {
  if (text.startsWith("oci:")) {
    const dir = text.slice(4);
    if (!dir) throw new UsageError(`the ${side} oci: needs a directory (oci:DIR)`);
    // skopeo's `oci:DIR:TAG` names one tag of a layout; a sync takes the whole layout (tags by --tag and the other
    // filters), so such a word is refused rather than read as a directory named `DIR:TAG`, unless that exists.
    const named = /^(.+):([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/.exec(dir);
    if (named && !existsSync(dir)) {
      throw new UsageError(
        `the ${side} ${quotePath(text)} names the tag ${named[2]} of a layout: a sync takes ${quotePath(`oci:${named[1]}`)} whole (choose tags with --tag; each keeps its name)`,
      );
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
