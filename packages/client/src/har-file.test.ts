import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HarRecorder } from "@regatta/transport";
import { describe, expect, it } from "vitest";
import { writeHarFile } from "./har-file.js";

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
