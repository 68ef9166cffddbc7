/**
 * Start-up (issue 12): `--version`, `--help` and a usage error load the command table and nothing of the client.
 * Runs the build (apps/cli/dist), as users get it.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { VERSION } from "@regatta/client";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a build script in plain JavaScript, without types.
import { STARTUP_FORBIDDEN, startupFiles } from "../startup-files.mjs";
import { regatta } from "./test-cli.js";

describe("start-up", () => {
  it("--version answers alone, and as commander does among other flags", async () => {
    const alone = await regatta(["--version"]);
    const short = await regatta(["-V"]);
    const among = await regatta(["--json", "--version"]);
    expect([alone, short, among].map((r) => [r.code, r.stdout, r.stderr])).toEqual([
      [0, `${VERSION}\n`, ""],
      [0, `${VERSION}\n`, ""],
      [0, `${VERSION}\n`, ""],
    ]);
  });

  it("--version into a full device says so in one line, as every command does", async () => {
    const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
    const script = `"${process.execPath}" "${bin}" --version 2>&1 > /dev/full; echo "status $?"`;
    const { stdout } = await promisify(execFile)("bash", ["-c", script]);
    expect(stdout).toBe(
      "regatta: no space left on device: writing stdout (free some space or write elsewhere)\nstatus 1\n",
    );
  });

  it("loads neither the client, its transport, undici nor the REPL before a command runs", () => {
    const meta = JSON.parse(readFileSync(new URL("../dist/meta.json", import.meta.url), "utf8"));
    const { files, inputs } = startupFiles(meta) as { files: string[]; inputs: string[] };
    expect(files.length).toBeGreaterThan(1);
    expect(inputs.some((path) => path.includes("commander"))).toBe(true);
    expect(inputs.filter((path) => STARTUP_FORBIDDEN.test(path))).toEqual([]);
    // The rule itself catches what it is there for.
    expect(
      STARTUP_FORBIDDEN.test("../../node_modules/.pnpm/undici@7.30.2/node_modules/undici/index.js"),
    ).toBe(true);
    expect(STARTUP_FORBIDDEN.test("../../packages/client/dist/connect.js")).toBe(true);
  });
});
