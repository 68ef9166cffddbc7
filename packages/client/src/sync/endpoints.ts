/**
 * The two ends of a sync job: a registry repository (`registry/repo`, or `registry/repo:tag` for that tag only, as
 * skopeo sync takes one), or an OCI image layout directory written `oci:DIR` (skopeo's transport name; a source
 * `oci:DIR:tag` for that tag only). A layout holds many tags as index.json entries named by
 * `org.opencontainers.image.ref.name`.
 */
import { existsSync } from "node:fs";
import { quotePath, quoteText, shellWord, UsageError } from "@regatta/errors";
import {
  isRegistryLookalike,
  layoutRefName,
  parseReference,
  type Reference,
  type RepositoryReference,
  skopeoTransport,
} from "@regatta/reference";
import type { ClientContext } from "../context.js";

export type Endpoint =
  | {
      kind: "registry";
      repository: RepositoryReference;
      tag?: string;
      /** `registry/repo@sha256:…`: that image only, copied by digest (no tag at the target). */
      digest?: string;
      text: string;
    }
  | { kind: "oci"; dir: string; tag?: string; text: string };

/** Parses one end of a job; `side` names it in errors. */
export function parseEndpoint(ctx: ClientContext, text: string, side: "source" | "target"): Endpoint {
  const layout = skopeoTransport(text);
  if (layout?.transport === "oci") {
    const { rest: dir, path: base, reference: tag } = layout;
    if (!dir) throw new UsageError(`the ${side} oci: needs a directory (oci:DIR)`);
    // skopeo's `oci:DIR:NAME` names one image of a layout: as a source, that one only (as `registry/repo:tag` is); as
    // a target, refused as a tagged registry target is. Split by @regatta/reference's skopeoTransport, at the path's
    // first colon as skopeo splits it (containers/image's SplitPathAndImage) and as pull's `oci:DIR:NAME` is, the
    // name any OCI ref.name (`example.com/app:1.0`); a directory named `DIR:NAME` that exists is that directory.
    if (tag !== undefined && !existsSync(dir)) {
      layoutRefName(text, tag);
      if (side === "target") {
        throw new UsageError(
          `the target of a sync is a layout: each tag keeps its name (${quotePath(text)} names the tag ${tag}; give ${shellWord(`oci:${base}`)})`,
        );
      }
      return { kind: "oci", dir: base, tag, text: `oci:${base}` };
    }
    return { kind: "oci", dir, text };
  }
  // skopeo sync's destination is a registry (or prefix) alone; here each end names a repository.
  if (isRegistryLookalike(text)) {
    throw new UsageError(
      `the ${side} of a sync is a repository, and ${quoteText(text)} is a registry: to name a repository on that registry write ${quoteText(`${text}/<name>`)}`,
    );
  }
  const ref = parseReference(text, { defaultRegistry: ctx.defaultRegistry, defaultTag: false });
  if (ref.digest !== undefined && (side === "target" || ref.tag !== undefined)) {
    throw new UsageError(
      side === "target"
        ? `the target of a sync is a repository (an image keeps its tag, or its digest), not a digest: ${text}`
        : `the source ${text} names a tag and a digest: give one`,
    );
  }
  if (ref.digest !== undefined) {
    // skopeo sync's `images: {repo: ["sha256:…"]}` and `skopeo sync repo@sha256:…`: that image, by digest.
    const repository = ref.repositoryOnly();
    return { kind: "registry", repository, digest: ref.digest, text: repository.toString() };
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

/** A digest (`sha256:…`) rather than a tag: an image a sync copies by digest. */
export const isDigestName = (name: string) => name.includes(":");

/** The image `name` (a tag, or a digest) of a repository. */
export function imageAt(repository: RepositoryReference, name: string): Reference {
  return isDigestName(name) ? repository.withDigest(name) : repository.withTag(name);
}

/** `registry/repo:tag` (`registry/repo@sha256:…`) or `oci:DIR:tag`, for plans and messages. */
export function endpointTag(end: Endpoint, tag: string): string {
  return end.kind === "oci" ? `${end.text}:${tag}` : imageAt(end.repository, tag).toString();
}
