import { InvalidManifestError } from "@regatta/errors";
import { computeDigest } from "./compute-digest.js";
import type { Descriptor } from "./descriptor.js";
import { compareUtf8, goCompactRaw, goMarshal, goMarshalIndent, goString, rawMembers } from "./go-json.js";
import { checkDigest, isJsonObject, parseJsonObject } from "./json-checks.js";
import { checkSchema1, type Schema1Manifest } from "./schema1.js";
import { subtle } from "./schema1-key.js";

/**
 * The gzipped empty tar (1024 zero bytes) distribution's schema 1 builder gives every history entry that made no layer
 * (`empty_layer`), since schema 1 pairs each history entry with a blob. Push it with the manifest.
 * https://github.com/distribution/distribution/blob/v2.8.3/manifest/schema1/config_builder.go (gzippedEmptyTar)
 */
export const GZIPPED_EMPTY_TAR = new Uint8Array([
  31, 139, 8, 0, 0, 9, 110, 136, 0, 255, 98, 24, 5, 163, 96, 20, 140, 88, 0, 8, 0, 0, 255, 255, 46, 175, 181,
  239, 0, 4, 0, 0,
]);

/** The digest of {@link GZIPPED_EMPTY_TAR}. */
export const GZIPPED_EMPTY_TAR_DIGEST =
  "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";

/** The parts of a schema 1 manifest, newest layer first as schema 1 orders them. */
export interface Schema1Parts {
  /** Repository name (`library/busybox`). */
  name: string;
  /** Tag; distribution checks it against the tag the manifest is pushed as. */
  tag: string;
  architecture: string;
  /** Layer digests, newest first; one per history entry. */
  fsLayers: string[];
  /** v1 image JSON per layer, newest first, each a JSON document in a string. */
  history: string[];
}

/**
 * The unsigned payload of a schema 1 manifest, written as distribution writes it before signing
 * (`json.MarshalIndent(m, "", "   ")`), so signing it gives the bytes docker would. Sign it with {@link signSchema1}.
 * @throws InvalidManifestError when a blobSum is not a digest, the two lists differ in length, or a history entry is
 * not a JSON object (distribution refuses both on push).
 */
export function buildSchema1(parts: Schema1Parts): Uint8Array {
  const what = "schema 1 manifest";
  if (parts.fsLayers.length !== parts.history.length) {
    throw new InvalidManifestError(
      `invalid ${what}: ${parts.fsLayers.length} fsLayers but ${parts.history.length} history entries; schema 1 pairs them one to one`,
    );
  }
  if (parts.fsLayers.length === 0)
    throw new InvalidManifestError(`invalid ${what}: it needs at least one layer`);
  for (const [i, digest] of parts.fsLayers.entries()) checkDigest(digest, `fsLayers[${i}].blobSum`, what);
  parts.history.forEach((v1, i) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(v1);
    } catch {
      // handled below
    }
    if (!isJsonObject(parsed)) {
      throw new InvalidManifestError(`invalid ${what}: history[${i}].v1Compatibility is not a JSON object`);
    }
  });
  const text = goMarshalIndent(
    {
      schemaVersion: 1,
      name: parts.name,
      tag: parts.tag,
      architecture: parts.architecture,
      fsLayers: parts.fsLayers.map((blobSum) => ({ blobSum })),
      history: parts.history.map((v1Compatibility) => ({ v1Compatibility })),
    },
    "",
    "   ",
  );
  const bytes = new TextEncoder().encode(text);
  checkSchema1(parseJsonObject(bytes, what), what);
  return bytes;
}

/** Input of {@link schema1FromImage}. */
export interface Schema1FromImageInput {
  name: string;
  tag: string;
  /** The image config, exactly as stored (its bytes enter the top layer's v1 ID). */
  config: Uint8Array;
  /** The layers of the schema 2 / OCI manifest, in its order (oldest first). */
  layers: readonly Pick<Descriptor, "digest">[];
}

/** What {@link schema1FromImage} built. */
export interface Schema1FromImage {
  /** The unsigned payload; sign it with {@link signSchema1}. */
  payload: Uint8Array;
  manifest: Schema1Manifest;
  /** Whether it names {@link GZIPPED_EMPTY_TAR}, which must then be in the repository before the push. */
  usesEmptyLayer: boolean;
}

/**
 * Converts a schema 2 or OCI image (its config and layers) to schema 1 exactly as distribution's
 * `schema1.NewConfigManifestBuilder` does (docker used it to push to schema-1-only registries): one fsLayer per config
 * history entry, newest first, empty layers as {@link GZIPPED_EMPTY_TAR}; every v1Compatibility but the top one a
 * synthetic `{id, parent, comment, created, container_config: {Cmd: [created_by]}, author, throwaway}` with
 * `id = sha256(blobSum hex + " " + parent id)`; the top one the config itself without `rootfs` and `history`, with
 * `id = sha256(blobSum hex + " " + parent + " " + config)`, `parent` and `throwaway`. Same inputs, same bytes as
 * docker's. https://github.com/distribution/distribution/blob/v2.8.3/manifest/schema1/config_builder.go
 * @throws InvalidManifestError when the config has no history, or its layers do not match `layers`.
 */
export async function schema1FromImage(input: Schema1FromImageInput): Promise<Schema1FromImage> {
  const what = "image config";
  const configText = new TextDecoder().decode(input.config);
  const config = parseJsonObject(input.config, what);
  const history = Array.isArray(config.history) ? config.history : [];
  if (history.length === 0) {
    throw new InvalidManifestError(
      `cannot convert to schema 1: the ${what} has no history, and schema 1 needs one entry per layer`,
    );
  }
  const rootfs = isJsonObject(config.rootfs) ? config.rootfs : {};
  const diffIds = Array.isArray(rootfs.diff_ids) ? rootfs.diff_ids : [];
  if (diffIds.length !== input.layers.length) {
    throw new InvalidManifestError(
      `cannot convert to schema 1: the ${what} lists ${diffIds.length} layers (rootfs.diff_ids) but the manifest has ${input.layers.length}`,
    );
  }
  const fsLayers: string[] = [];
  const v1: string[] = [];
  let parent = "";
  let layer = 0;
  let usesEmptyLayer = false;
  const blobSumOf = (entry: Record<string, unknown>) => {
    if (entry.empty_layer === true) {
      usesEmptyLayer = true;
      return GZIPPED_EMPTY_TAR_DIGEST;
    }
    const descriptor = input.layers[layer++];
    if (!descriptor) {
      throw new InvalidManifestError(
        `cannot convert to schema 1: the ${what}'s history has more non-empty entries than there are layers`,
      );
    }
    return descriptor.digest;
  };
  for (const [i, raw] of history.slice(0, -1).entries()) {
    const entry = isJsonObject(raw) ? raw : {};
    const blobSum = blobSumOf(entry);
    const id = sha256Hex(`${encoded(blobSum)} ${parent}`);
    if (i === 0 && typeof rootfs.base_layer === "string" && rootfs.base_layer !== "") {
      // Windows: the base layer stands in as the first layer's parent.
      parent = (await sha384Hex(rootfs.base_layer)).slice(0, 64);
    }
    const fields: string[] = [`"id":${goString(id)}`];
    if (parent) fields.push(`"parent":${goString(parent)}`);
    if (str(entry.comment)) fields.push(`"comment":${goString(str(entry.comment))}`);
    fields.push(`"created":${goString(goTime(entry.created, i))}`);
    fields.push(`"container_config":${goMarshal({ Cmd: [str(entry.created_by)] })}`);
    if (str(entry.author)) fields.push(`"author":${goString(str(entry.author))}`);
    if (entry.empty_layer === true) fields.push(`"throwaway":true`);
    v1.unshift(`{${fields.join(",")}}`);
    fsLayers.unshift(blobSum);
    parent = id;
  }
  const latest = isJsonObject(history.at(-1)) ? (history.at(-1) as Record<string, unknown>) : {};
  const blobSum = blobSumOf(latest);
  const id = sha256Hex(`${encoded(blobSum)} ${parent} ${configText}`);
  v1.unshift(topV1Compatibility(configText, id, parent, latest.empty_layer === true));
  fsLayers.unshift(blobSum);
  const architecture = typeof config.architecture === "string" ? config.architecture : "";
  const payload = buildSchema1({ name: input.name, tag: input.tag, architecture, fsLayers, history: v1 });
  const manifest = checkSchema1(parseJsonObject(payload, "schema 1 manifest"), "schema 1 manifest");
  return { payload, manifest, usesEmptyLayer };
}

/**
 * MakeV1ConfigFromConfig: the config as `map[string]*json.RawMessage` without `rootfs` and `history`, plus `id`,
 * `parent` and `throwaway`, written with sorted keys and each value compacted as Go compacts a RawMessage.
 */
function topV1Compatibility(configText: string, id: string, parent: string, throwaway: boolean): string {
  const members = rawMembers(configText);
  members.delete("rootfs");
  members.delete("history");
  members.set("id", goString(id));
  if (parent) members.set("parent", goString(parent));
  if (throwaway) members.set("throwaway", "true");
  const keys = [...members.keys()].sort(compareUtf8);
  return `{${keys.map((k) => `${goString(k)}:${goCompactRaw(members.get(k)!)}`).join(",")}}`;
}

/**
 * A config history `created` as Go re-marshals a time.Time: RFC 3339 with the fraction's trailing zeros dropped and a
 * zero offset written `Z`; absent is Go's zero time.
 */
function goTime(value: unknown, index: number): string {
  if (value === undefined || value === null) return "0001-01-01T00:00:00Z";
  const match =
    typeof value === "string"
      ? /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(value)
      : null;
  if (!match) {
    throw new InvalidManifestError(
      `cannot convert to schema 1: the image config's history[${index}].created is not an RFC 3339 time`,
    );
  }
  const fraction = (match[2] ?? "").slice(0, 9).replace(/0+$/, "");
  const zone = match[3] === "+00:00" || match[3] === "-00:00" ? "Z" : match[3];
  return `${match[1]}${fraction ? `.${fraction}` : ""}${zone}`;
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function encoded(digest: string): string {
  return digest.slice(digest.indexOf(":") + 1);
}

function sha256Hex(text: string): string {
  return encoded(computeDigest(new TextEncoder().encode(text)));
}

async function sha384Hex(text: string): Promise<string> {
  const api = subtle() as unknown as { digest(a: string, d: Uint8Array): Promise<ArrayBuffer> };
  const hash = new Uint8Array(await api.digest("SHA-384", new TextEncoder().encode(text)));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}
