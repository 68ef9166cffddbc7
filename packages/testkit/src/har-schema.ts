/**
 * Checks a HAR file against the HAR 1.2 JSON schema (the `har-schema` package, which `har-validator` and the usual
 * HAR tools use), so a test proves that what `--har FILE` writes loads in a HAR viewer rather than assuming it.
 */
import { createRequire } from "node:module";
import { Ajv } from "ajv";

const require = createRequire(import.meta.url);
let validate: (((data: unknown) => boolean) & { errors?: unknown }) | undefined;

/** The schema's complaints about `har` (none: a valid HAR 1.2 archive). */
export function harSchemaErrors(har: unknown): string[] {
  if (!validate) {
    const schemas = require("har-schema") as Record<string, { $id: string }>;
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    ajv.addMetaSchema(require("ajv/dist/refs/json-schema-draft-06.json"));
    for (const schema of Object.values(schemas)) ajv.addSchema(schema);
    validate = ajv.getSchema("har.json#") as typeof validate;
  }
  if (!validate?.(har)) {
    return ((validate?.errors ?? []) as { instancePath: string; message?: string }[]).map(
      (e) => `${e.instancePath || "/"} ${e.message ?? "invalid"}`,
    );
  }
  return [];
}
