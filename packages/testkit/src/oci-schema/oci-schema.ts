/**
 * Checks JSON against the OCI image-spec v1.1 JSON schemas vendored beside this file (SOURCE.md says where they come
 * from), so a test proves that a manifest or index Regatta writes is valid by the spec's own schema rather than by
 * Regatta's reading of it. The schemas are draft-04; ajv speaks draft-07, so each is registered under its file name
 * (`$ref: "content-descriptor.json"` resolves as upstream's validator resolves it, file to file) with the draft-04
 * `id`s, which only named sub-schemas, left out.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";

const FILES = [
  "defs.json",
  "defs-descriptor.json",
  "content-descriptor.json",
  "image-manifest-schema.json",
  "image-index-schema.json",
] as const;

/** What a schema checks: an image manifest, an image index, or one descriptor. */
export type OciSchemaKind = "manifest" | "index" | "descriptor";

const ROOTS: Record<OciSchemaKind, (typeof FILES)[number]> = {
  manifest: "image-manifest-schema.json",
  index: "image-index-schema.json",
  descriptor: "content-descriptor.json",
};

let ajv: Ajv | undefined;

/** The schema's JSON without draft-04's `id`s and `$schema`, as ajv (draft-07) takes it. */
function withoutDraft4Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft4Ids);
  if (node === null || typeof node !== "object") return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => key !== "$schema" && !(key === "id" && typeof value === "string"))
      .map(([key, value]) => [key, withoutDraft4Ids(value)]),
  );
}

function load(): Ajv {
  // Read from src/ even when this module runs from dist/: tsc does not copy JSON.
  const dir = fileURLToPath(new URL(".", import.meta.url)).replace(
    /\/dist\/oci-schema\/$/,
    "/src/oci-schema/",
  );
  const instance = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  for (const file of FILES) {
    const schema = withoutDraft4Ids(JSON.parse(readFileSync(`${dir}${file}`, "utf8"))) as object;
    instance.addSchema({ ...schema, $id: file });
  }
  return instance;
}

/**
 * The schema's complaints about `json` as an OCI `kind` (an empty list: valid). Takes the parsed JSON, or its
 * bytes or text.
 */
export function ociSchemaErrors(kind: OciSchemaKind, json: unknown): string[] {
  ajv ??= load();
  const value =
    typeof json === "string" || json instanceof Uint8Array
      ? JSON.parse(Buffer.from(json).toString("utf8"))
      : json;
  const validate = ajv.getSchema(ROOTS[kind]) as ValidateFunction;
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? "invalid"}`);
}
