/** The pure parts of `reg.diff()`: layers by digest and position, files by path, Env as NAME=value. */
import { describe, expect, it } from "vitest";
import type { IndexedFile } from "../files/filesystem-index.js";
import { envMap } from "./config-diff.js";
import { diffFiles, fileChanges } from "./files-diff.js";
import { diffLayers, layerRefs } from "./layer-diff.js";

const layer = (digest: string, size = 1) => ({ digest, size, mediaType: "tar" });

describe("diffLayers", () => {
  it.each([
    {
      name: "one layer added on top",
      a: ["x"],
      b: ["x", "y"],
      shared: ["x"],
      added: ["y"],
      removed: [],
      changed: [],
    },
    { name: "one removed", a: ["x", "y"], b: ["x"], shared: ["x"], added: [], removed: ["y"], changed: [] },
    {
      name: "one rebuilt in place",
      a: ["x", "y", "z"],
      b: ["x", "w", "z"],
      shared: ["x", "z"],
      added: [],
      removed: [],
      changed: [["y", "w"]],
    },
    // A layer that moved is shared, not changed: the digest says it is the same bytes.
    {
      name: "two swapped",
      a: ["x", "y"],
      b: ["y", "x"],
      shared: ["y", "x"],
      added: [],
      removed: [],
      changed: [],
    },
    {
      name: "a moved layer beside a new one",
      a: ["x", "y"],
      b: ["y", "n"],
      shared: ["y"],
      added: ["n"],
      removed: ["x"],
      changed: [],
    },
  ])("$name", ({ a, b, shared, added, removed, changed }) => {
    const diff = diffLayers(layerRefs(a.map((d) => layer(d))), layerRefs(b.map((d) => layer(d, 10))));
    expect(diff.shared.map((l) => l.digest)).toEqual(shared);
    expect(diff.added.map((l) => l.digest)).toEqual(added);
    expect(diff.removed.map((l) => l.digest)).toEqual(removed);
    expect(diff.changed.map((c) => [c.a.digest, c.b.digest])).toEqual(changed);
    expect(diff.sizes.a).toBe(a.length);
    expect(diff.sizes.b).toBe(b.length * 10);
  });
});

const file = (path: string, extra: Partial<IndexedFile> = {}): IndexedFile => ({
  path,
  type: "file",
  size: 1,
  mode: 0o644,
  uid: 0,
  gid: 0,
  digest: "sha256:1",
  ...extra,
});

describe("diffFiles", () => {
  it("ignores modification times: a rebuild stamps every file anew", () => {
    expect(fileChanges(file("/a", { mtime: new Date(0) }), file("/a", { mtime: new Date(1e12) }))).toEqual(
      [],
    );
  });

  it("names each kind of change", () => {
    expect(fileChanges(file("/a"), file("/a", { digest: "sha256:2", size: 2 }))).toEqual(["content", "size"]);
    expect(
      fileChanges(file("/a"), file("/a", { type: "symlink", linkTarget: "b", digest: undefined as never })),
    ).toEqual(["type", "link"]);
    expect(fileChanges(file("/a"), file("/a", { uid: 1 }))).toEqual(["owner"]);
    expect(fileChanges(file("/a"), file("/a", { mode: 0o600 }))).toEqual(["mode"]);
  });

  it("sorts what it finds by path and sums the bytes", () => {
    const a = new Map([
      ["/z", file("/z", { size: 5 })],
      ["/same", file("/same")],
      ["/grows", file("/grows", { size: 1 })],
    ]);
    const b = new Map([
      ["/same", file("/same")],
      ["/grows", file("/grows", { size: 4, digest: "sha256:4" })],
      ["/c", file("/c", { size: 3 })],
      ["/b", file("/b", { size: 2 })],
    ]);
    const diff = diffFiles(a, b);
    expect(diff.added.map((f) => f.path)).toEqual(["/b", "/c"]);
    expect(diff.removed.map((f) => f.path)).toEqual(["/z"]);
    expect(diff.changed.map((c) => c.path)).toEqual(["/grows"]);
    expect(diff.unchanged).toBe(1);
    expect(diff.sizes).toEqual({ added: 5, removed: 5, changed: 3 });
  });
});

describe("envMap", () => {
  it("splits at the first =, keeps a bare name as empty, and lets the last of a name win", () => {
    expect(envMap(["A=1=2", "B", "A=3", "C="])).toEqual({ A: "3", B: "", C: "" });
    expect(envMap(null)).toEqual({});
  });
});
