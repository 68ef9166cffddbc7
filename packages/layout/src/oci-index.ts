/**
 * The `index.json` and `oci-layout` files of an OCI image layout, shared by the OCI layout writer and the
 * docker-archive writer (docker ≥ 25 puts an OCI layout inside `docker save` tarballs, and so does Regatta).
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/image-layout.md
 */
import { InvalidManifestError } from "@regatta/errors";
import { type Descriptor, OCI_INDEX } from "@regatta/manifest";
import type { PlannedReference } from "./pull-plan.js";
import { checkedRefName, checkedTag } from "./safe-path.js";

/** The tag (or name) of an index.json entry, which `skopeo … oci:DIR:TAG` and umoci look up. */
export const REF_NAME = "org.opencontainers.image.ref.name";
/** The full image name, as containerd and docker ≥ 25 write it beside `REF_NAME`. */
export const IMAGE_NAME = "io.containerd.image.name";

/** The bytes of the `oci-layout` file. */
export const OCI_LAYOUT_BYTES = new TextEncoder().encode('{"imageLayoutVersion":"1.0.0"}');

/** The `index.json` of a layout. */
export interface LayoutIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** The index.json entry for a pulled reference: the top manifest, named by its `name` or its tag when it has one. */
export function indexEntry(p: PlannedReference): Descriptor {
  const entry: Descriptor = { mediaType: p.top.mediaType, digest: p.top.digest, size: p.top.size };
  if (p.name !== undefined) {
    entry.annotations = { [REF_NAME]: checkedRefName(p.name) };
  } else if (p.reference.tag !== undefined) {
    entry.annotations = {
      [IMAGE_NAME]: p.reference.withoutDigest().toString(),
      [REF_NAME]: checkedTag(p.reference.tag),
    };
  }
  return entry;
}

/**
 * `existing` with `entries` added: an entry whose ref.name is taken replaces the old one (the OCI writer refuses
 * first when the old one is another image's), and an unnamed entry for a digest already listed is not repeated.
 */
export function mergeIndex(existing: LayoutIndex | undefined, entries: Descriptor[]): LayoutIndex {
  const names = new Set(entries.map((e) => e.annotations?.[REF_NAME]).filter((n) => n !== undefined));
  const kept = (existing?.manifests ?? []).filter((m) => {
    const name = m.annotations?.[REF_NAME];
    if (name !== undefined) return !names.has(name);
    return !entries.some((e) => e.digest === m.digest && e.annotations?.[REF_NAME] === undefined);
  });
  const unique = entries.filter(
    (e, i) =>
      e.annotations?.[REF_NAME] !== undefined ||
      !entries.slice(0, i).some((o) => o.digest === e.digest && o.annotations?.[REF_NAME] === undefined),
  );
  const base = existing ?? { schemaVersion: 2, mediaType: OCI_INDEX };
  return { ...base, schemaVersion: 2, manifests: [...kept, ...unique] };
}

/** Parses an `index.json`, checking only what the layout code relies on. */
export function parseLayoutIndex(bytes: Uint8Array, where: string): LayoutIndex {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new InvalidManifestError(`${where}: index.json is not JSON`, { cause: error });
  }
  const index = body as LayoutIndex;
  if (!index || typeof index !== "object" || !Array.isArray(index.manifests)) {
    throw new InvalidManifestError(`${where}: index.json has no manifests list`);
  }
  for (const m of index.manifests) {
    if (!m || typeof m.digest !== "string" || typeof m.size !== "number" || typeof m.mediaType !== "string") {
      throw new InvalidManifestError(`${where}: index.json has an entry without mediaType, digest and size`);
    }
  }
  return index;
}

/** The bytes Regatta writes for a JSON file of a layout: compact, as skopeo and containerd write them. */
export function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
