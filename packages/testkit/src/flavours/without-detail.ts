import type { FlavourError } from "../registry-flavour.js";

/** The error as registries that never send `detail` write it (ECR, GAR, Harbor). */
export function withoutDetail(error: FlavourError): FlavourError {
  return { code: error.code, ...(error.message ? { message: error.message } : {}) };
}
