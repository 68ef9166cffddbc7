/**
 * The few parts of the tar format the docker-archive code needs, written by hand because the archive is laid out
 * before a byte is downloaded: every entry's size is known from the descriptors, so every header and every blob's
 * offset in the file is known too, and blobs can be downloaded in parallel straight into their place.
 *
 * Headers are POSIX ustar (what Go's archive/tar, and so docker and skopeo, read and write), with a PAX `path` record
 * for a name longer than ustar allows and the GNU base-256 size for entries of 8 GiB and more.
 * https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html#tag_20_92_13_06
 */
import { InvalidManifestError, quoteText } from "@regatta/errors";

/** Tar works in 512-byte blocks: headers are one block, data is padded to a whole number of blocks. */
export const BLOCK = 512;

/** The end of an archive: two zero blocks. */
export const END_OF_ARCHIVE = new Uint8Array(BLOCK * 2);

/** Bytes of padding after `size` bytes of data. */
export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** An entry to write. Times, owners and modes are fixed, so the same image always gives the same bytes. */
export interface TarEntryHeader {
  name: string;
  size: number;
  type: "file" | "directory";
}

const encoder = new TextEncoder();

function writeString(block: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = encoder.encode(value);
  block.set(bytes.subarray(0, length), offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  writeString(block, offset, length - 1, value.toString(8).padStart(length - 1, "0"));
}

/** One ustar header block. `name` must fit (see {@link headerBytes} for longer names). */
function ustarBlock(name: string, size: number, typeflag: string, mode: number): Uint8Array {
  const block = new Uint8Array(BLOCK);
  let prefix = "";
  let base = name;
  if (encoder.encode(name).length > 100) {
    const cut = name.lastIndexOf("/", 155);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  writeString(block, 0, 100, base);
  writeOctal(block, 100, 8, mode);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  if (size <= 0o77777777777) {
    writeOctal(block, 124, 12, size);
  } else {
    // GNU base-256: high bit of the first byte set, the number big-endian in the rest.
    block[124] = 0x80;
    let rest = size;
    for (let i = 135; i > 124; i--) {
      block[i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
  }
  writeOctal(block, 136, 12, 0); // mtime: the epoch, as skopeo and docker ≥ 25 write
  block.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  block[156] = typeflag.charCodeAt(0);
  writeString(block, 257, 6, "ustar"); // "ustar\0"
  writeString(block, 263, 2, "00");
  writeString(block, 345, 155, prefix);
  let sum = 0;
  for (const byte of block) sum += byte;
  writeString(block, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}

/** Whether ustar can hold `name` on its own (≤ 100 bytes, or split at a `/` into ≤ 155 + ≤ 100). */
function fitsUstar(name: string): boolean {
  const length = encoder.encode(name).length;
  if (length <= 100) return true;
  const cut = name.lastIndexOf("/", 155);
  return cut > 0 && length - cut - 1 <= 100 && cut <= 155;
}

/** A PAX record `"<len> key=value\n"`, whose length counts its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const base = encoder.encode(body).length;
  let length = base + String(base).length;
  if (String(length).length !== String(base).length) length = base + String(length).length;
  return `${length}${body}`;
}

/**
 * The header bytes of an entry: one ustar block, preceded by a PAX extended header (block + records, padded) when
 * the name does not fit ustar. The entry's data follows, then {@link padding}.
 */
export function headerBytes(entry: TarEntryHeader): Uint8Array {
  const typeflag = entry.type === "directory" ? "5" : "0";
  const mode = entry.type === "directory" ? 0o755 : 0o644;
  const name = entry.type === "directory" && !entry.name.endsWith("/") ? `${entry.name}/` : entry.name;
  if (fitsUstar(name)) return ustarBlock(name, entry.size, typeflag, mode);
  const records = encoder.encode(paxRecord("path", name));
  const out = new Uint8Array(BLOCK + records.length + padding(records.length) + BLOCK);
  out.set(ustarBlock("././@PaxHeader", records.length, "x", 0o644), 0);
  out.set(records, BLOCK);
  out.set(ustarBlock(name.slice(-100), entry.size, typeflag, mode), out.length - BLOCK);
  return out;
}

/** An entry found while reading an archive. */
export interface TarEntry {
  name: string;
  type: "file" | "directory" | "symlink" | "hardlink" | "other";
  /** Where the entry's data starts in the archive. */
  offset: number;
  size: number;
  /** Target of a symlink or hard link. */
  linkname?: string;
}

const decoder = new TextDecoder();

function readString(block: Uint8Array, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return decoder.decode(end === -1 ? field : field.subarray(0, end));
}

function readNumber(block: Uint8Array, offset: number, length: number, what: string): number {
  if ((block[offset]! & 0x80) !== 0) {
    let value = block[offset]! & 0x7f;
    for (let i = offset + 1; i < offset + length; i++) value = value * 256 + block[i]!;
    return value;
  }
  const text = readString(block, offset, length).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text))
    throw new InvalidManifestError(`tar header: bad ${what} field ${quoteText(text)}`);
  return Number.parseInt(text, 8);
}

function parsePax(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const length = Number(decoder.decode(data.subarray(at, space)));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = decoder.decode(data.subarray(space + 1, at + length - 1));
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return out;
}

/** Reads `length` bytes at `position`; how the archive is read (a file handle, a buffer) is the caller's. */
export type ReadAt = (position: number, length: number) => Promise<Uint8Array>;

/**
 * Lists the entries of an uncompressed tar archive by reading only its headers (seeking over the data), so indexing
 * a 10 GiB archive reads a few kilobytes. Understands ustar, PAX `path`/`linkpath`/`size` records and GNU long
 * names. Names are returned as stored: check them with `archivePath` before use.
 */
export async function listTarEntries(readAt: ReadAt, archiveSize: number): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  let position = 0;
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  while (position + BLOCK <= archiveSize) {
    const block = await readAt(position, BLOCK);
    if (block.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    if (readNumber(block, 148, 8, "checksum") !== sum) {
      throw new InvalidManifestError(
        `not a tar archive, or a corrupt one: bad header checksum at byte ${position}`,
      );
    }
    const typeflag = String.fromCharCode(block[156]!);
    let size = readNumber(block, 124, 12, "size");
    if (pax.size !== undefined) size = Number(pax.size);
    const dataOffset = position + BLOCK;
    const next = dataOffset + size + padding(size);
    if (dataOffset + size > archiveSize) {
      throw new InvalidManifestError(
        `tar archive is truncated: an entry at byte ${position} runs past its end`,
      );
    }
    if (typeflag === "x" || typeflag === "L" || typeflag === "K") {
      if (size > 1024 * 1024) throw new InvalidManifestError("tar archive: oversized extended header");
      const data = await readAt(dataOffset, size);
      if (typeflag === "x") pax = parsePax(data);
      else if (typeflag === "L") longName = readString(data, 0, data.length);
      else longLink = readString(data, 0, data.length);
      position = next;
      continue;
    }
    if (typeflag === "g") {
      position = next;
      continue;
    }
    const magic = readString(block, 257, 6);
    const prefix = magic === "ustar" ? readString(block, 345, 155) : "";
    const name =
      pax.path ?? longName ?? (prefix ? `${prefix}/${readString(block, 0, 100)}` : readString(block, 0, 100));
    const linkname = pax.linkpath ?? longLink ?? readString(block, 157, 100);
    const type =
      typeflag === "0" || typeflag === "\0" || typeflag === "7"
        ? "file"
        : typeflag === "5"
          ? "directory"
          : typeflag === "2"
            ? "symlink"
            : typeflag === "1"
              ? "hardlink"
              : "other";
    entries.push({ name, type, offset: dataOffset, size, ...(linkname ? { linkname } : {}) });
    pax = {};
    longName = undefined;
    longLink = undefined;
    position = next;
  }
  return entries;
}
