import { describe, expect, it } from "vitest";
import { summaryTables, textTable } from "./text-table.js";

describe("textTable", () => {
  it("aligns columns two spaces apart and leaves the last one unpadded", () => {
    expect(
      textTable(
        ["A", "LONGER"],
        [
          ["wide-cell", "x"],
          ["y", "z"],
        ],
      ),
    ).toBe(["A          LONGER", "wide-cell  x", "y          z"].join("\n"));
  });

  it("emphasises the header only, and keeps a hostile cell on its row", () => {
    const out = textTable(["H"], [["a\nb"]], (t) => `*${t}*`);
    expect(out).toBe("*H*\na\\u000ab");
  });
});

describe("summaryTables", () => {
  const digest = `sha256:${"b".repeat(64)}`;

  it("has a platforms table for an index and a layers table for an image", () => {
    const tables = summaryTables({
      platforms: [{ platform: "linux/amd64", digest, size: 2149 }],
      layers: [{ digest, size: 27_000_000, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip" }],
    });
    expect(tables).toEqual([
      "PLATFORM     DIGEST               SIZE\nlinux/amd64  sha256:bbbbbbbbbbbb  2.1 kB",
      "#  LAYER                SIZE   MEDIA TYPE\n1  sha256:bbbbbbbbbbbb  27 MB  application/vnd.oci.image.layer.v1.tar+gzip",
    ]);
  });

  it("has none for a summary with neither", () => {
    expect(summaryTables({})).toEqual([]);
  });
});
