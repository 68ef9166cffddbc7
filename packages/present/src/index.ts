// Presentation shared by the CLI and the REPL (issue 11, item 6). Private: both apps bundle it (apps/*/build.mjs),
// so no published package names it.

export { shortDigest } from "@regatta/manifest";
export { type AuthReportRows, authReportLines } from "./auth-report.js";
export { type Colors, colorJson } from "./color-json.js";
export { columns } from "./columns.js";
export { countNoun } from "./count-noun.js";
export { diffReport, type ImageDiffRows, type IndexDiffRows } from "./diff-report.js";
export { causeLines, oneLine, registryErrorLines } from "./error-lines.js";
export { type FileRow, fileListingLines, modeString } from "./file-listing.js";
export { humanSize } from "./human-size.js";
export { envLines, labelLines, type RuntimeRows, runtimeFacts } from "./image-facts.js";
export { type InventoryRows, inventoryTable } from "./inventory-table.js";
export { takesControls } from "./terminal-controls.js";
export { escapeControls, escapeField, escapeStyles } from "./terminal-text.js";
export { type SummaryRows, summaryTables, textTable } from "./text-table.js";
export { type ProgressEvent, type TransferProgress, transferProgress } from "./transfer-progress.js";
export { drawTree } from "./tree.js";
