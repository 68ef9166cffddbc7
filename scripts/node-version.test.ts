// scripts/test-node-versions.mjs runs the suite once per Node major with that Node first on PATH and names the major
// in REGATTA_NODE_MAJOR. This holds it to its word: the test workers and the processes tests spawn by name run on
// that major, not on the machine's own Node.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const expected = process.env.REGATTA_NODE_MAJOR;

describe("the Node major the suite runs on", () => {
  it.runIf(expected)("is the one the run was started for, in the workers and in spawned `node`", () => {
    expect(process.versions.node.split(".")[0]).toBe(expected);
    const spawned = execFileSync("node", ["-p", "process.versions.node"], { encoding: "utf8" }).trim();
    expect(spawned.split(".")[0]).toBe(expected);
  });
  it("is at least 20.19, the engines floor (require(esm), stable WebAssembly and fetch)", () => {
    const [major, minor] = process.versions.node.split(".").map(Number);
    expect(major > 20 || (major === 20 && (minor ?? 0) >= 19)).toBe(true);
  });
});
