/** The format a pull writes when none is given (guess-format.ts), from what the destination is. */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { guessPullFormat } from "./guess-format.js";
import { scratchDirs } from "./test-helpers.js";

const scratch = scratchDirs("regatta-guess-");

describe("guessPullFormat", () => {
  it("a .tar, an existing file, and a FIFO or device (a stream's stand-in) take the docker tarball", async () => {
    const dir = scratch();
    writeFileSync(join(dir, "existing"), "x");
    execFileSync("mkfifo", [join(dir, "pipe")]);
    expect(await guessPullFormat(join(dir, "new.tar"))).toBe("docker");
    expect(await guessPullFormat(join(dir, "existing"))).toBe("docker");
    expect(await guessPullFormat(join(dir, "pipe"))).toBe("docker");
    expect(await guessPullFormat("/dev/null")).toBe("docker");
  });

  it("a new or empty directory is an OCI layout; a non-empty unknown one is refused", async () => {
    const dir = scratch();
    expect(await guessPullFormat(join(dir, "new"))).toBe("oci");
    mkdirSync(join(dir, "empty"));
    expect(await guessPullFormat(join(dir, "empty"))).toBe("oci");
    writeFileSync(join(dir, "empty", "other"), "x");
    await expect(guessPullFormat(join(dir, "empty"))).rejects.toBeInstanceOf(UsageError);
  });
});
