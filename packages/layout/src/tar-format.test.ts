import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDirs } from "@regatta/testkit";
import tar from "tar-stream";
import { describe, expect, it } from "vitest";
import { BLOCK, END_OF_ARCHIVE, headerBytes, listTarEntries, padding } from "./tar-format.js";

/** An archive from entries, the way the docker-archive writer lays one out. */
function archive(entries: { name: string; type: "file" | "directory"; data?: Uint8Array }[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const data = e.data ?? new Uint8Array();
    parts.push(
      headerBytes({ name: e.name, type: e.type, size: data.byteLength }),
      data,
      new Uint8Array(padding(data.byteLength)),
    );
  }
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

const temp = tempDirs("regatta-tar-");

const readAtOf = (buffer: Buffer) => async (position: number, length: number) =>
  buffer.subarray(position, position + length);

describe("tar headers", () => {
  const longName = `blobs/sha512/${"c".repeat(128)}`;
  const entries = [
    { name: "blobs", type: "directory" as const },
    { name: "manifest.json", type: "file" as const, data: new TextEncoder().encode("[]") },
    { name: `blobs/sha256/${"a".repeat(64)}`, type: "file" as const, data: new Uint8Array(1000).fill(7) },
    { name: longName, type: "file" as const, data: new Uint8Array(BLOCK).fill(1) },
  ];
  const bytes = archive(entries);

  it("writes what GNU tar reads, long names included", () => {
    const dir = temp();
    writeFileSync(join(dir, "a.tar"), bytes);
    const listing = execFileSync("tar", ["-tvf", join(dir, "a.tar")], { encoding: "utf8" });
    expect(listing).toContain("blobs/");
    expect(listing).toContain(longName);
    expect(listing).toMatch(/-rw-r--r-- 0\/0\s+1000 1970-01-01 00:00 blobs\/sha256\/a{64}/);
    execFileSync("tar", ["-xf", join(dir, "a.tar"), "-C", dir]);
    expect(readFileSync(join(dir, longName)).equals(Buffer.alloc(BLOCK, 1))).toBe(true);
  });

  it("reads back names, types, offsets and sizes from the headers alone", async () => {
    const listed = await listTarEntries(readAtOf(bytes), bytes.length);
    expect(listed.map((e) => [e.name, e.type, e.size])).toEqual([
      ["blobs/", "directory", 0],
      ["manifest.json", "file", 2],
      [`blobs/sha256/${"a".repeat(64)}`, "file", 1000],
      [longName, "file", BLOCK],
    ]);
    const blob = listed[2]!;
    expect(bytes.subarray(blob.offset, blob.offset + blob.size).every((b) => b === 7)).toBe(true);
  });

  it("reads what tar-stream writes: pax headers, symlinks", async () => {
    const pack = tar.pack();
    pack.entry({ name: `very/${"long/".repeat(40)}name.tar`, size: 3 }, "abc");
    pack.entry({ name: "abc/layer.tar", type: "symlink", linkname: "../x.tar" });
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    const buffer = Buffer.concat(chunks);
    const listed = await listTarEntries(readAtOf(buffer), buffer.length);
    expect(listed[0]).toMatchObject({ name: `very/${"long/".repeat(40)}name.tar`, type: "file", size: 3 });
    expect(listed[1]).toMatchObject({ name: "abc/layer.tar", type: "symlink", linkname: "../x.tar" });
  });

  it("encodes sizes of 8 GiB and more in base-256, and reads them back", async () => {
    const size = 9 * 1024 ** 3 + 5;
    const header = headerBytes({ name: "big", type: "file", size });
    expect(header[124]).toBe(0x80);
    const buffer = Buffer.concat([header, Buffer.alloc(BLOCK * 2)]);
    // Claim the archive is long enough: only the header is read.
    const listed = await listTarEntries(readAtOf(buffer), size + BLOCK * 4);
    expect(listed[0]).toMatchObject({ name: "big", size });
  });

  it("refuses a corrupt header and a truncated archive", async () => {
    const corrupt = Buffer.from(bytes);
    corrupt[10] = 0x41;
    await expect(listTarEntries(readAtOf(corrupt), corrupt.length)).rejects.toThrow(/checksum/);
    const cut = bytes.subarray(0, BLOCK * 5);
    await expect(listTarEntries(readAtOf(cut), cut.length)).rejects.toThrow(/truncated/);
  });
});
