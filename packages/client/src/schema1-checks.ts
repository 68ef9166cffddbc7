/**
 * What reading and putting a signed Docker schema 1 manifest check, apart from the conversion (schema1.ts) so that
 * get-manifest.ts and put-manifest.ts import it without a cycle.
 */
import { RegistryError, SignatureError, UnsupportedError } from "@regatta/errors";
import { type ParsedManifest, verifySchema1 } from "@regatta/manifest";
import type { Reference } from "@regatta/reference";

/**
 * Checks every libtrust signature of a signed schema 1 manifest that was just fetched (a no-op for other kinds).
 * Note what it proves: distribution keeps only the payload and signs again with its own key on every GET
 * (signedmanifesthandler.go), so the signature read back is the registry's, never the pusher's.
 * @throws SignatureError, worded with `context` (`get manifest …`).
 */
export async function verifyFetchedSchema1(parsed: ParsedManifest, context: string): Promise<void> {
  if (parsed.kind !== "schema1" || !parsed.signed) return;
  try {
    await verifySchema1(parsed.bytes);
  } catch (error) {
    if (error instanceof SignatureError)
      throw new SignatureError(`${context}: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * A registry's refusal of a schema 1 push, reworded. distribution 2.8 without `compatibility.schema1.enabled` answers
 * 500 UNKNOWN with an empty detail (its ErrSchemaV1Unsupported maps to no error code), which says nothing; an unsigned
 * badly signed one gets 400 MANIFEST_UNVERIFIED, an unsigned one 400 MANIFEST_INVALID (empty detail).
 */
export function explainSchema1Refusal(error: unknown, ref: Reference, signed = true): unknown {
  if (!(error instanceof RegistryError)) return error;
  const codes = error.errors.map((e) => e.code);
  const base = {
    ...(error.status !== undefined ? { status: error.status } : {}),
    errors: error.errors,
    cause: error,
  };
  if (error.status === 500 || codes.includes("UNSUPPORTED")) {
    return new UnsupportedError(
      `put manifest ${ref.familiar()}: ${ref.registry} refused a Docker schema 1 manifest (${error.status} ${codes.join(", ") || "no error code"}): ` +
        "distribution answers so when schema 1 is off, its default since 2.7 (Docker Hub refuses schema 1 since 2024). " +
        "Push a schema 2 or OCI manifest instead, or enable compatibility.schema1 in the registry's config",
      { code: "SCHEMA1_UNSUPPORTED", ...base },
    );
  }
  if (!signed && codes.includes("MANIFEST_INVALID")) {
    // distribution reads every schema 1 manifest as libtrust's pretty JWS, and an unsigned one has no signatures.
    return new UnsupportedError(
      `put manifest ${ref.familiar()}: ${ref.registry} refused an unsigned schema 1 manifest (MANIFEST_INVALID): ` +
        "distribution takes only signed ones (+prettyjws); sign it first (regatta schema1 sign FILE --key KEY)",
      { code: "MANIFEST_INVALID", ...base },
    );
  }
  if (codes.includes("MANIFEST_UNVERIFIED")) {
    return new SignatureError(
      `put manifest ${ref.familiar()}: ${ref.registry} could not verify the manifest's signature (MANIFEST_UNVERIFIED); sign it again`,
      { code: "MANIFEST_UNVERIFIED", ...base },
    );
  }
  return error;
}
