/**
 * An image diff for people (`regatta diff`, and the REPL when it shows `reg.diff()`'s result): sections (Config,
 * Env, Labels, Exposed ports, Layers, Files), `+` for what B adds, `-` for what it removes, `~` for what it changes,
 * `=` for what both share, sizes human. The shapes are the client's `ImageDiff` and `IndexDiff`, named here by their
 * fields only: presentation sits below the client (the layering test).
 */

import { shortDigest } from "@regatta/manifest";
import type { FileRow } from "./file-listing.js";
import { humanSize } from "./human-size.js";
import { escapeField } from "./terminal-text.js";

interface MapDiffRows {
  added: Record<string, string>;
  removed: Record<string, string>;
  changed: Record<string, { a: string; b: string }>;
}

interface LayerRow {
  position: number;
  digest: string;
  size: number;
}

/** The parts of the client's `ImageDiff` the report shows. */
export interface ImageDiffRows {
  kind: "image";
  a: DiffSideRow;
  b: DiffSideRow;
  identical: boolean;
  notes: readonly string[];
  mediaType?: { a: string; b: string };
  config: {
    fields: readonly { field: string; a?: unknown; b?: unknown }[];
    env: MapDiffRows;
    labels: MapDiffRows;
    exposedPorts: { added: readonly string[]; removed: readonly string[] };
  };
  layers: {
    shared: readonly LayerRow[];
    added: readonly LayerRow[];
    removed: readonly LayerRow[];
    changed: readonly { a: LayerRow; b: LayerRow }[];
    sizes: { a: number; b: number; shared: number; added: number; removed: number };
  };
  files?: {
    added: readonly FileRow[];
    removed: readonly FileRow[];
    changed: readonly { path: string; changes: readonly string[]; a: FileRow; b: FileRow }[];
    unchanged: number;
    sizes: { added: number; removed: number; changed: number };
  };
}

interface DiffSideRow {
  reference: string;
  digest: string;
  platform?: string;
  size: number;
}

/** The parts of the client's `IndexDiff` the report shows. */
export interface IndexDiffRows {
  kind: "index";
  a: { reference: string; digest: string; platforms: readonly string[] };
  b: { reference: string; digest: string; platforms: readonly string[] };
  identical: boolean;
  notes: readonly string[];
  platforms: { onlyA: readonly string[]; onlyB: readonly string[]; common: readonly string[] };
  images: readonly ImageDiffRows[];
}

/** How values are shown: a string as it is, anything else as JSON; an absent value as `(none)`. */
function show(value: unknown): string {
  if (value === undefined) return "(none)";
  return escapeField(typeof value === "string" ? value : JSON.stringify(value));
}

const octal = (mode: number) => `0${mode.toString(8).padStart(3, "0")}`;

function mapSection(title: string, diff: MapDiffRows, join: string): string[] {
  const lines = [
    ...Object.entries(diff.added).map(([k, v]) => `  + ${show(k)}${join}${show(v)}`),
    ...Object.entries(diff.removed).map(([k, v]) => `  - ${show(k)}${join}${show(v)}`),
    ...Object.entries(diff.changed).map(([k, v]) => `  ~ ${show(k)}${join}${show(v.a)} → ${show(v.b)}`),
  ];
  return lines.length ? [title, ...lines] : [];
}

function layerSection(layers: ImageDiffRows["layers"]): string[] {
  const { sizes } = layers;
  const counts = [
    `${layers.shared.length} shared (${humanSize(sizes.shared)})`,
    `${layers.changed.length} changed`,
    `${layers.added.length} added`,
    `${layers.removed.length} removed`,
  ].join(", ");
  const at = (l: LayerRow) => String(l.position + 1).padStart(3);
  return [
    `Layers: ${counts}; A ${humanSize(sizes.a)} → B ${humanSize(sizes.b)}`,
    ...layers.shared.map((l) => `  = ${at(l)}  ${shortDigest(l.digest)}  ${humanSize(l.size)}`),
    ...layers.changed.map(
      (c) =>
        `  ~ ${at(c.b)}  ${shortDigest(c.a.digest)} ${humanSize(c.a.size)} → ${shortDigest(c.b.digest)} ${humanSize(c.b.size)}`,
    ),
    ...layers.added.map((l) => `  + ${at(l)}  ${shortDigest(l.digest)}  ${humanSize(l.size)}`),
    ...layers.removed.map((l) => `  - ${at(l)}  ${shortDigest(l.digest)}  ${humanSize(l.size)}  (A's)`),
  ];
}

/** What changed about a path, in words: `content 15 B → 17 B`, `mode 0644 → 0700`, `owner 0:0 → 1:1`. */
function fileChangeText(change: { changes: readonly string[]; a: FileRow; b: FileRow }): string {
  const { a, b } = change;
  return change.changes
    .map((kind) => {
      switch (kind) {
        case "type":
          return `type ${a.type} → ${b.type}`;
        case "content":
          return "content";
        case "size":
          return `size ${humanSize(a.size)} → ${humanSize(b.size)}`;
        case "mode":
          return `mode ${octal(a.mode)} → ${octal(b.mode)}`;
        case "owner":
          return `owner ${a.uid}:${a.gid} → ${b.uid}:${b.gid}`;
        case "link":
          return `link ${show(a.linkTarget)} → ${show(b.linkTarget)}`;
        default:
          return kind;
      }
    })
    .join(", ");
}

function fileLine(mark: string, f: FileRow): string {
  const what =
    f.type === "file" ? humanSize(f.size) : f.type === "symlink" ? `-> ${show(f.linkTarget)}` : f.type;
  return `  ${mark} ${show(f.path)}  ${what}`;
}

function fileSection(files: NonNullable<ImageDiffRows["files"]>): string[] {
  const { sizes } = files;
  return [
    `Files: ${files.added.length} added (${humanSize(sizes.added)}), ${files.removed.length} removed (${humanSize(sizes.removed)}), ${files.changed.length} changed, ${files.unchanged} unchanged`,
    ...files.added.map((f) => fileLine("+", f)),
    ...files.removed.map((f) => fileLine("-", f)),
    ...files.changed.map((c) => `  ~ ${show(c.path)}  ${fileChangeText(c)}`),
  ];
}

function sideLine(name: "A" | "B", side: DiffSideRow): string {
  const platform = side.platform ? `${side.platform}, ` : "";
  return `${name}  ${show(side.reference)}  ${shortDigest(side.digest)}  (${platform}${humanSize(side.size)})`;
}

/** The body of an image diff: every section that has something to say. */
function imageBody(diff: ImageDiffRows): string[] {
  if (diff.identical) return [`The same manifest (${diff.a.digest}): no differences.`];
  const sections: string[][] = [];
  const config = [
    ...(diff.mediaType ? [`  mediaType  ${show(diff.mediaType.a)} → ${show(diff.mediaType.b)}`] : []),
    ...diff.config.fields.map((f) => `  ${f.field.padEnd(10)} ${show(f.a)} → ${show(f.b)}`),
  ];
  if (config.length) sections.push(["Config", ...config]);
  sections.push(mapSection("Env", diff.config.env, "="));
  sections.push(mapSection("Labels", diff.config.labels, "="));
  const ports = diff.config.exposedPorts;
  if (ports.added.length + ports.removed.length) {
    sections.push([
      "Exposed ports",
      ...ports.added.map((p) => `  + ${show(p)}`),
      ...ports.removed.map((p) => `  - ${show(p)}`),
    ]);
  }
  sections.push(layerSection(diff.layers));
  if (diff.files) sections.push(fileSection(diff.files));
  return sections.filter((s) => s.length).flatMap((s, i) => (i ? ["", ...s] : s));
}

/** The report of `regatta diff`, without a trailing newline. */
export function diffReport(diff: ImageDiffRows | IndexDiffRows): string {
  const notes = diff.notes.map((n) => `note: ${escapeField(n)}`);
  if (diff.kind === "image") {
    return [sideLine("A", diff.a), sideLine("B", diff.b), ...notes, "", ...imageBody(diff)].join("\n");
  }
  const head = [
    `A  ${show(diff.a.reference)}  ${shortDigest(diff.a.digest)}  (index: ${diff.a.platforms.join(", ") || "no platforms"})`,
    `B  ${show(diff.b.reference)}  ${shortDigest(diff.b.digest)}  (index: ${diff.b.platforms.join(", ") || "no platforms"})`,
    ...notes,
    "",
  ];
  if (diff.identical) return [...head, `The same index (${diff.a.digest}): no differences.`].join("\n");
  const platforms = [
    "Platforms",
    ...diff.platforms.common.map((p) => `  = ${show(p)}`),
    ...diff.platforms.onlyB.map((p) => `  + ${show(p)}`),
    ...diff.platforms.onlyA.map((p) => `  - ${show(p)}`),
  ];
  const images = diff.images.flatMap((image, i) => [
    "",
    `── ${show(diff.platforms.common[i])} ──`,
    sideLine("A", image.a),
    sideLine("B", image.b),
    "",
    ...imageBody(image),
  ]);
  return [...head, ...platforms, ...images].join("\n");
}
