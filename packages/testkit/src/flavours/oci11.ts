import type { RegistryFlavour } from "../registry-flavour.js";
import {
  createRegistryHandlers,
  type RegistryHandlers,
  type RegistryHandlersOptions,
} from "../registry-handlers.js";
import { distributionFlavour } from "./distribution.js";

/*
 * Registries with the OCI 1.1 referrers API (distribution 3, zot, Harbor 2.8+, ECR, Quay 3.12+), as distribution's
 * flavour plus `GET /v2/<name>/referrers/<digest>` and `OCI-Subject` on a manifest PUT with a subject
 * (https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers). The spec lets a
 * registry skip `artifactType` filtering (it then sends no `OCI-Filters-Applied`), so both kinds exist here.
 */

/** A registry with the referrers API that filters by `artifactType`, in pages of `pageSize` when given. */
export const oci11Flavour: RegistryFlavour = {
  ...distributionFlavour,
  name: "oci11",
  referrers: { filtering: true },
};

/** A registry with the referrers API that ignores `artifactType` (and says nothing of it): clients must filter. */
export const oci11UnfilteredFlavour: RegistryFlavour = {
  ...distributionFlavour,
  name: "oci11-unfiltered",
  referrers: { filtering: false },
};

/*
 * GitLab's container registry (before its referrers API): no referrers API, and a tag `sha256-<hex>` that does not
 * exist resolves to the manifest `sha256:<hex>`, so a client reading the referrers fallback tag of an image gets the
 * image itself: for an index subject, its platform images come back as "referrers"
 * (https://github.com/oras-project/oras-go/issues/1396, reproduced on registry.gitlab.com).
 */
export const gitlabFlavour: RegistryFlavour = {
  ...distributionFlavour,
  name: "gitlab",
  digestTagsResolve: true,
};

/** A fake registry with the referrers API; `filtering: false` for one that ignores `artifactType`. */
export function oci11Handlers(
  options: RegistryHandlersOptions & { filtering?: boolean; pageSize?: number } = {},
): RegistryHandlers {
  const { filtering = true, pageSize, ...rest } = options;
  const flavour = filtering ? oci11Flavour : oci11UnfilteredFlavour;
  return createRegistryHandlers(
    pageSize === undefined ? flavour : { ...flavour, referrers: { filtering, pageSize } },
    rest,
  );
}

/** A fake GitLab registry: no referrers API, `sha256-<hex>` tags resolving to the digest. */
export function gitlabHandlers(options: RegistryHandlersOptions = {}): RegistryHandlers {
  return createRegistryHandlers(gitlabFlavour, options);
}
