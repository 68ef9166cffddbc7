/**
 * Bytes as what they are (issue 14, "the REPL shows"): a gzip'd tar (a layer) as its file list, a tar as its file list,
 * JSON and text as text, anything else as a hexdump of its first bytes — never dumped whole. Only what is in memory
 * already is read (`await blob.bytes()`), and decompression is capped.
 */
import { gunzipSync } from "node:zlib";
import { type Colors, escapeField, humanSize } from "@regatta/present";

/** Bytes of a gzip stream decompressed to list a tar's first entries; a bigger layer is listed as far as that goes. */
const GUNZIP_LIMIT = 32 * 1024 * 1024;
const LIST_ENTRIES = 40;
const TEXT_LINES = 30;
const HEX_BYTES = 256;

const isGzip = (b: Uint8Array) => b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;
const isZstd = (b: Uint8Array) =>
  b.length > 4 && b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd;
const isTar = (b: Uint8Array) =>
  b.length >= 512 && Buffer.from(b.subarray(257, 262)).toString("latin1") === "ustar";

interface TarEntry {
  name: string;
  size: number;
  type: string;
  link?: string;
}

const field = (b: Buffer, start: number, length: number) => {
  const raw = b.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? raw.length : end).toString("utf8");
};

/** The entries of a tar (ustar headers, as far as `bytes` go): enough to show a layer, not a full reader. */
export function tarEntries(
  bytes: Uint8Array,
  limit = Number.POSITIVE_INFINITY,
): { entries: TarEntry[]; more: boolean } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= b.length) {
    const header = b.subarray(offset, offset + 512);
    if (header.every((x) => x === 0)) break;
    const size = Number.parseInt(field(header, 124, 12).trim() || "0", 8) || 0;
    const type = String.fromCharCode(header[156] || 48);
    const prefix = field(header, 345, 155);
    const body = offset + 512;
    offset = body + Math.ceil(size / 512) * 512;
    if (type === "L") {
      longName = field(b, body, size);
      continue;
    }
    if (type === "x" || type === "g") {
      const path = /\d+ path=([^\n]*)\n/.exec(b.subarray(body, body + size).toString("utf8"))?.[1];
      if (path) longName = path;
      continue;
    }
    const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = undefined;
    if (entries.length >= limit) return { entries, more: true };
    const link = field(header, 157, 100);
    entries.push({ name, size, type, ...(link ? { link } : {}) });
  }
  return { entries, more: false };
}

const TYPE_MARK: Record<string, string> = { "5": "d", "2": "l", "1": "h", "3": "c", "4": "b", "6": "p" };

function listing(title: string, bytes: Uint8Array, c: Colors): string {
  const { entries, more } = tarEntries(bytes, LIST_ENTRIES);
  const rows = entries.map((e) => {
    const mark = TYPE_MARK[e.type] ?? "-";
    // Names are the layer author's: one line each, whatever they hold.
    const target = e.link ? ` → ${escapeField(e.link)}` : "";
    return `  ${mark} ${humanSize(e.size).padStart(8)}  ${escapeField(e.name)}${target}`;
  });
  return [c.bold(title), ...rows, ...(more ? [c.dim(`  … more entries (${LIST_ENTRIES} shown)`)] : [])].join(
    "\n",
  );
}

/** Text when the bytes are UTF-8 without control characters (but tab, newline, carriage return). */
function asText(bytes: Uint8Array): string | undefined {
  const text = Buffer.from(bytes.subarray(0, 64 * 1024)).toString("utf8");
  if (text.includes("\uFFFD") || /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text)) return undefined;
  return text;
}

/** `00000000  1f 8b 08 00 …  |......|`, as `xxd`/`hexdump -C`. */
export function hexdump(bytes: Uint8Array, length = HEX_BYTES): string[] {
  const lines: string[] = [];
  for (let at = 0; at < Math.min(bytes.length, length); at += 16) {
    const row = bytes.subarray(at, Math.min(at + 16, bytes.length, length));
    const hex = [...row].map((x) => x.toString(16).padStart(2, "0")).join(" ");
    const ascii = [...row].map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : ".")).join("");
    lines.push(`${at.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  |${ascii}|`);
  }
  return lines;
}

/** What the REPL prints for bytes: their kind and size, then their content as people read that kind. */
export function describeBytes(bytes: Uint8Array, c: Colors): string {
  const size = `${humanSize(bytes.length)} (${bytes.length} bytes)`;
  if (isGzip(bytes)) {
    let inflated: Buffer | undefined;
    try {
      inflated = gunzipSync(bytes, { maxOutputLength: GUNZIP_LIMIT });
    } catch (error) {
      // A layer larger than the cap: list what the cap holds (the error keeps no partial output), so say so.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ERR_BUFFER_TOO_LARGE")
        return `${c.bold(`gzip data, ${size}`)}\n${c.dim("  not a valid gzip stream")}`;
    }
    if (!inflated)
      return `${c.bold(`gzip data, ${size}`)}\n${c.dim(`  more than ${humanSize(GUNZIP_LIMIT)} inflated: not listed here`)}`;
    if (isTar(inflated))
      return listing(`gzip'd tar (a layer), ${size}; ${humanSize(inflated.length)} inflated`, inflated, c);
    return [
      c.bold(`gzip data, ${size}; ${humanSize(inflated.length)} inflated`),
      ...hexdump(inflated).map((l) => `  ${l}`),
    ].join("\n");
  }
  if (isZstd(bytes))
    return `${c.bold(`zstd data, ${size}`)}\n${c.dim("  a zstd layer: regatta ls REF lists its files")}`;
  if (isTar(bytes)) return listing(`tar, ${size}`, bytes, c);
  const text = asText(bytes);
  if (text !== undefined) {
    const lines = text.split("\n");
    const shown = lines.slice(0, TEXT_LINES);
    const more = lines.length > TEXT_LINES || bytes.length > 64 * 1024;
    return [c.bold(`text, ${size}`), ...shown.map((l) => `  ${l}`), ...(more ? [c.dim("  …")] : [])].join(
      "\n",
    );
  }
  return [
    c.bold(`binary, ${size}`),
    ...hexdump(bytes).map((l) => `  ${l}`),
    ...(bytes.length > HEX_BYTES ? [c.dim(`  … (${HEX_BYTES} of ${bytes.length} bytes shown)`)] : []),
  ].join("\n");
}
