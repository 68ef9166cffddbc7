/**
 * The code of the client's bigger verbs, loaded as one module the first time one of them is called
 * (`RegistryClient`'s methods: `await import("./verbs.js")`). One module, not one per verb: a bundle splits code at
 * each dynamic import, and every split adds files that the ESM loader reads and links one by one (30 tiny ES modules
 * cost 15 ms more than one on Node 20: bench/README.md "Start-up"); the reads a short command makes load with the client, the rest in one go when first needed.
 */
export { copyImage } from "./copy.js";
export { deleteBlob, deleteManifest, deleteRepository, deleteTag } from "./delete.js";
export { diffReferences } from "./diff/image-diff.js";
export { explainAuth } from "./explain/explain-auth.js";
export { exportImageFilesystem, listImageFiles, openImageFile, readImageFile } from "./files/image-files.js";
export { createIndex } from "./indexes/create-index.js";
export { editIndex } from "./indexes/edit-index.js";
export { inventoryRepository } from "./inventory/inventory.js";
export { pullImages } from "./layout/pull.js";
export { pushImage } from "./layout/push.js";
export { copyReferrers } from "./referrers/copy-referrers.js";
export { listReferrers } from "./referrers/list-referrers.js";
export { pullArtifact } from "./referrers/pull-artifact.js";
export { pushArtifact } from "./referrers/push-artifact.js";
export { referrerTree } from "./referrers/referrer-tree.js";
export { convertToSchema1, pushSchema1 } from "./schema1.js";
export { planSync } from "./sync/plan.js";
export { readRateLimit } from "./sync/rate-limit.js";
export { syncImages } from "./sync/sync.js";
export { tagImage } from "./tag.js";
