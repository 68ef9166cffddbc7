import { describe, expect, it } from "vitest";
import { drawTree } from "./tree.js";

interface N {
  name: string;
  kids?: N[];
}
const kids = (n: N) => n.kids ?? [];
const name = (n: N) => n.name;

describe("drawTree", () => {
  it("draws branches as tree(1) does, closing the last one", () => {
    const nodes: N[] = [
      { name: "signature", kids: [{ name: "signature of signature" }] },
      { name: "sbom", kids: [{ name: "a" }, { name: "b" }] },
    ];
    expect(drawTree(nodes, kids, name)).toEqual([
      "├── signature",
      "│   └── signature of signature",
      "└── sbom",
      "    ├── a",
      "    └── b",
    ]);
  });

  it("draws nothing for no nodes, and keeps a forged newline on its own line", () => {
    expect(drawTree([], kids, name)).toEqual([]);
    const lines = drawTree([{ name: "evil\n└── forged" }], kids, name);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\n");
  });
});
