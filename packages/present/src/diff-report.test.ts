/** `diffReport` and `inventoryTable`: what `regatta diff` and `regatta inventory` print for people. */
import { describe, expect, it } from "vitest";
import { diffReport, type ImageDiffRows, type IndexDiffRows } from "./diff-report.js";
import { inventoryTable } from "./inventory-table.js";

const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;
const EMPTY_MAP = { added: {}, removed: {}, changed: {} };

function imageDiff(over: Partial<ImageDiffRows> = {}): ImageDiffRows {
  return {
    kind: "image",
    a: { reference: "app:1", digest: D1, platform: "linux/amd64", size: 2000 },
    b: { reference: "app:2", digest: D2, size: 3000 },
    identical: false,
    notes: [],
    config: { fields: [], env: EMPTY_MAP, labels: EMPTY_MAP, exposedPorts: { added: [], removed: [] } },
    layers: {
      shared: [{ position: 0, digest: D1, size: 1000 }],
      added: [],
      removed: [],
      changed: [],
      sizes: { a: 1000, b: 1000, shared: 1000, added: 0, removed: 0 },
    },
    ...over,
  };
}

describe("diffReport", () => {
  it("shows the sides, then only the sections with something to say, marked + - ~ =", () => {
    const report = diffReport(
      imageDiff({
        notes: ["A is an index"],
        config: {
          fields: [{ field: "cmd", a: ["sh"], b: undefined }],
          env: {
            added: { NEW: "1" },
            removed: { OLD: "0" },
            changed: { PATH: { a: "/bin", b: "/usr/bin" } },
          },
          labels: EMPTY_MAP,
          exposedPorts: { added: ["443/tcp"], removed: [] },
        },
        files: {
          added: [{ path: "/l", type: "symlink", linkTarget: "x", size: 0, mode: 0o777, uid: 0, gid: 0 }],
          removed: [],
          changed: [
            {
              path: "/f",
              changes: ["mode", "owner"],
              a: { path: "/f", type: "file", size: 1, mode: 0o644, uid: 0, gid: 0 },
              b: { path: "/f", type: "file", size: 1, mode: 0o600, uid: 1, gid: 2 },
            },
          ],
          unchanged: 3,
          sizes: { added: 0, removed: 0, changed: 0 },
        },
      }),
    );
    expect(report).toBe(
      [
        `A  app:1  sha256:111111111111  (linux/amd64, 2.0 kB)`,
        `B  app:2  sha256:222222222222  (3.0 kB)`,
        "note: A is an index",
        "",
        "Config",
        '  cmd        ["sh"] → (none)',
        "",
        "Env",
        "  + NEW=1",
        "  - OLD=0",
        "  ~ PATH=/bin → /usr/bin",
        "",
        "Exposed ports",
        "  + 443/tcp",
        "",
        "Layers: 1 shared (1.0 kB), 0 changed, 0 added, 0 removed; A 1.0 kB → B 1.0 kB",
        "  =   1  sha256:111111111111  1.0 kB",
        "",
        "Files: 1 added (0 B), 0 removed (0 B), 1 changed, 3 unchanged",
        "  + /l  -> x",
        "  ~ /f  mode 0644 → 0600, owner 0:0 → 1:2",
      ].join("\n"),
    );
  });

  it("says one line for the same manifest", () => {
    expect(
      diffReport(imageDiff({ identical: true }))
        .split("\n")
        .at(-1),
    ).toBe(`The same manifest (${D1}): no differences.`);
  });

  it("escapes what a registry put into a label: no escape sequence reaches the terminal", () => {
    const report = diffReport(
      imageDiff({
        config: {
          fields: [],
          env: EMPTY_MAP,
          labels: { added: { "evil\x1b[2J": "x\ny" }, removed: {}, changed: {} },
          exposedPorts: { added: [], removed: [] },
        },
      }),
    );
    expect(report).toContain("  + evil\\u001b[2J=x\\u000ay");
    expect(report).not.toContain("\x1b");
  });

  it("shows two indexes as their platforms, then each common platform's images", () => {
    const diff: IndexDiffRows = {
      kind: "index",
      a: { reference: "app:1", digest: D1, platforms: ["linux/amd64", "linux/arm64"] },
      b: { reference: "app:2", digest: D2, platforms: ["linux/amd64", "linux/s390x"] },
      identical: false,
      notes: [],
      platforms: { onlyA: ["linux/arm64"], onlyB: ["linux/s390x"], common: ["linux/amd64"] },
      images: [imageDiff()],
    };
    const lines = diffReport(diff).split("\n");
    expect(lines.slice(0, 7)).toEqual([
      "A  app:1  sha256:111111111111  (index: linux/amd64, linux/arm64)",
      "B  app:2  sha256:222222222222  (index: linux/amd64, linux/s390x)",
      "",
      "Platforms",
      "  = linux/amd64",
      "  + linux/s390x",
      "  - linux/arm64",
    ]);
    expect(lines).toContain("── linux/amd64 ──");
  });
});

describe("inventoryTable", () => {
  it("aligns one row per tag, '-' where there is nothing, and nothing at all for no tags", () => {
    const table = inventoryTable({
      repository: "r",
      tags: [
        {
          tag: "1.0",
          digest: D1,
          kind: "image",
          platforms: ["linux/amd64"],
          created: "2024-01-01T00:00:00.123Z",
          size: 1500,
          sharedCount: 1,
        },
        { tag: "x", digest: D2, kind: "schema1", platforms: [], size: 10, sharedCount: 0 },
      ],
      shared: [{ digest: D1, tags: ["1.0", "latest"] }],
    });
    expect(table.split("\n")).toEqual([
      "TAG  DIGEST               KIND     PLATFORMS    CREATED               SIZE    SAME AS",
      "1.0  sha256:111111111111  image    linux/amd64  2024-01-01T00:00:00Z  1.5 kB  latest",
      "x    sha256:222222222222  schema1  -            -                     10 B    -",
    ]);
    expect(inventoryTable({ repository: "r", tags: [], shared: [] })).toBe("");
  });

  it("lists a few of the tags naming the same manifest, then how many more: a row stays readable", () => {
    // The row's own tag sits anywhere in its group (name order) and is never listed as its own "same as".
    const row = (others: string[]) =>
      inventoryTable({
        repository: "r",
        tags: [{ tag: "t", digest: D1, kind: "image", platforms: [], size: 1, sharedCount: others.length }],
        shared: [{ digest: D1, tags: [...others.slice(0, 2), "t", ...others.slice(2)] }],
      })
        .split("\n")[1]!
        .replace(/.*1 B +/, "");
    expect(row(["a", "b", "c", "d"])).toBe("a,b,c,d");
    const many = Array.from({ length: 499 }, (_, i) => `v${i}`);
    expect(row(many)).toBe("v0,v1,v2 +496 more");
  });
});
