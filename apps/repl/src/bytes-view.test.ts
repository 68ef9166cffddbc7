import { gzipSync } from "node:zlib";
import { fileLayerBlob, tarOfEntries } from "@regatta/testkit";
import pc from "picocolors";
import { describe, expect, it } from "vitest";
import { describeBytes, hexdump, tarEntries } from "./bytes-view.js";

const plain = pc.createColors(false);

describe("bytes as what they are", () => {
  it("a gzip'd tar (a layer) as its file list: types, sizes, links; a long name from a GNU or PAX header", async () => {
    const layer = await fileLayerBlob([
      { name: "etc/", type: "directory" },
      { name: "etc/os-release", content: "ID=alpine\n" },
      { name: "bin/sh", type: "symlink", linkname: "/bin/busybox" },
      { name: `usr/share/${"very-long-directory-name/".repeat(6)}file.txt`, content: "x".repeat(2000) },
      { name: "evil\nforged line", content: "" },
    ]);
    const out = describeBytes(layer.bytes, plain).split("\n");
    expect(out[0]).toMatch(/^gzip'd tar \(a layer\), [\d.]+ k?B \(\d+ bytes\); [\d.]+ k?B inflated$/);
    expect(out).toContainEqual(expect.stringMatching(/^ {2}d +0 B {2}etc\/$/));
    expect(out).toContainEqual(expect.stringMatching(/^ {2}- +10 B {2}etc\/os-release$/));
    expect(out).toContainEqual(expect.stringMatching(/^ {2}l +0 B {2}bin\/sh → \/bin\/busybox$/));
    expect(out).toContainEqual(
      expect.stringMatching(/^ {2}- +2\.0 kB {2}usr\/share\/(very-long-directory-name\/){6}file\.txt$/),
    );
    // A newline in a name stays inside its line.
    expect(out).toContainEqual(expect.stringMatching(/^ {2}- +0 B {2}evil\\u000aforged line$/));
    expect(out).toHaveLength(6);
  });

  it("lists at most 40 entries and says there are more", async () => {
    const many = await tarOfEntries(Array.from({ length: 45 }, (_, i) => ({ name: `f${i}` })));
    expect(tarEntries(many, 40)).toMatchObject({ more: true });
    expect(tarEntries(many).entries).toHaveLength(45);
    const out = describeBytes(many, plain).split("\n");
    expect(out[0]).toMatch(/^tar, /);
    expect(out.at(-1)).toBe("  … more entries (40 shown)");
  });

  it("text as text, binary as a hexdump of its first bytes, gzip of non-tar inflated, zstd named", () => {
    expect(describeBytes(Buffer.from('{"a": 1}\nsecond line'), plain)).toBe(
      'text, 20 B (20 bytes)\n  {"a": 1}\n  second line',
    );
    const binary = Uint8Array.from({ length: 300 }, (_, i) => i % 256);
    const out = describeBytes(binary, plain).split("\n");
    expect(out[0]).toBe("binary, 300 B (300 bytes)");
    expect(out[1]).toBe("  00000000  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f  |................|");
    expect(out[3]).toBe("  00000020  20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f  | !\"#$%&'()*+,-./|");
    expect(out.at(-1)).toBe("  … (256 of 300 bytes shown)");
    expect(describeBytes(gzipSync(Buffer.from([0, 1, 2])), plain)).toMatch(
      /^gzip data, .*; 3 B inflated\n {2}00000000 {2}00 01 02/,
    );
    expect(describeBytes(Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0]), plain)).toMatch(/^zstd data/);
    expect(describeBytes(Uint8Array.from([0x1f, 0x8b, 1, 2, 3]), plain)).toMatch(
      /^gzip data, .*\n {2}not a valid gzip stream$/,
    );
    expect(hexdump(new Uint8Array(0))).toEqual([]);
  });
});

describe("text that is binary", () => {
  it("a gzip'd layer read as text() is not dumped; real text is", async () => {
    const { present } = await import("./present.js");
    const show = (value: unknown) => present(value, { colors: plain, useColors: false, width: 100 });
    const layer = await fileLayerBlob([{ name: "etc/os-release", content: "ID=alpine\n" }]);
    expect(show(layer.bytes.toString("utf8"))).toMatch(
      /^<\d+ characters of binary data decoded as text .*await b\.bytes\(\) shows what it is/,
    );
    expect(show("ID=alpine\nVERSION_ID=3.20\n")).toBe("'ID=alpine\\nVERSION_ID=3.20\\n'");
  });
});
