/**
 * A file read from an image, in memory: what `reg.file("alpine:3.20", "/etc/os-release")` returns. It prints as
 * what it is: in the REPL (util.inspect) a text file shows as its text, a binary one as its size and first bytes,
 * so reading a file is `await reg.file(…)` and nothing more.
 */
import { inspect } from "node:util";
import { shortDigest } from "@regatta/manifest";
import { formatBytes } from "@regatta/transport";
import type { FileEntry } from "./list-files.js";

/** How many bytes of a binary file its printed form shows. */
const PREVIEW_BYTES = 64;

/**
 * Whether `bytes` read as text: valid UTF-8 with no NUL, what `git` and `less` call text. With `prefix`, the bytes are
 * the start of something longer, and a character cut at their end is not held against them.
 */
export function looksLikeText(bytes: Uint8Array, prefix = false): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: prefix });
    return true;
  } catch {
    return false;
  }
}

/** A regular file of an image, its bytes read and verified. */
export class ImageFile {
  /** The path asked for. */
  readonly path: string;
  /** Where it led after links were followed. */
  readonly resolvedPath: string;
  /** The image it was read from, as errors name it: `alpine:3.20 (linux/amd64)`. */
  readonly image: string;
  /** Its metadata: mode, owner, mtime, the layer it came from. */
  readonly entry: FileEntry;
  readonly bytes: Buffer;

  constructor(fields: {
    path: string;
    resolvedPath: string;
    image: string;
    entry: FileEntry;
    bytes: Buffer;
  }) {
    this.path = fields.path;
    this.resolvedPath = fields.resolvedPath;
    this.image = fields.image;
    this.entry = fields.entry;
    this.bytes = fields.bytes;
  }

  get size(): number {
    return this.bytes.length;
  }

  /** Whether the bytes are text (UTF-8 without NUL). */
  get isText(): boolean {
    return looksLikeText(this.bytes);
  }

  /** The bytes as UTF-8 text. */
  text(): string {
    return this.bytes.toString("utf8");
  }

  /** The bytes parsed as JSON. */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }

  /** The text of a text file; for a binary one, a line saying what it is. */
  toString(): string {
    return this.isText ? this.text() : this.#summary();
  }

  #summary(): string {
    const via = this.resolvedPath === this.path ? "" : ` -> ${this.resolvedPath}`;
    return `ImageFile ${this.path}${via} (${formatBytes(this.size)}, ${this.isText ? "text" : "binary"}, mode ${this.entry.mode.toString(8).padStart(4, "0")}, layer ${this.entry.layer ? shortDigest(this.entry.layer) : "?"}…)`;
  }

  /** What the REPL prints: the text itself, or the summary and a hexdump of the first bytes. */
  [inspect.custom](): string {
    if (this.isText) return this.text();
    const head = this.bytes.subarray(0, PREVIEW_BYTES);
    const rows: string[] = [];
    for (let at = 0; at < head.length; at += 16) {
      const row = head.subarray(at, at + 16);
      const hex = [...row].map((b) => b.toString(16).padStart(2, "0")).join(" ");
      const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
      rows.push(`  ${at.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  ${ascii}`);
    }
    const more = this.size > PREVIEW_BYTES ? `\n  … ${this.size - PREVIEW_BYTES} more bytes` : "";
    return `${this.#summary()}\n${rows.join("\n")}${more}`;
  }
}
