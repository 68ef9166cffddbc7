/**
 * `regatta help TOPIC`: a known command's help, and an unknown one named as the mistake (exit 2), as `regatta NOSUCH`
 * is, rather than the whole root help with no word about it.
 */
import { describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

describe("regatta help TOPIC", () => {
  it("prints a command's help, and refuses an unknown topic in one line", async () => {
    const known = await regatta(["help", "tags"]);
    expect([known.code, known.stdout.split("\n")[0]]).toEqual([
      0,
      "Usage: regatta tags [options] <repository>",
    ]);
    const unknown = await regatta(["help", "nosuch"]);
    expect([unknown.code, unknown.stdout, unknown.stderr]).toEqual([
      2,
      "",
      "regatta: unknown command 'nosuch': regatta --help lists them\n",
    ]);
    expect((await regatta(["help", "ins"])).stderr).toContain("(did you mean inspect?)");
  });
});
