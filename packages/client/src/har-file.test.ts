import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "@regatta/errors";
import { HarRecorder } from "@regatta/transport";
import { describe, expect, it } from "vitest";
import { checkHarPath, writeHarFile } from "./har-file.js";

describe("writeHarFile", () => {
  // A HAR holds the response bodies of registries that asked for credentials: only its owner may read it, as the
  // REPL's .save file and its history, whatever the umask lets through (022: 0644 before).
  it("writes the file readable by its owner only (0600), a new one and one replaced", async () => {
    const dir = mkdtempSync(join(tmpdir(), "regatta-har-"));
    const fresh = join(dir, "new.har");
    await writeHarFile(fresh, new HarRecorder());
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    const old = join(dir, "old.har");
    writeFileSync(old, "{}", { mode: 0o644 });
    await writeHarFile(old, new HarRecorder());
    expect(statSync(old).mode & 0o777).toBe(0o600);
  });
});

describe("checkHarPath", () => {
  it("refuses - (stdout carries the command's output) instead of writing a file named -", async () => {
    const error = await checkHarPath("-").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      "--har -: a recording is written to a file, never to stdout (the command's output); name a file",
    );
  });
});
