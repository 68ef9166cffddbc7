/**
 * The fault × command matrix (issue 10) with `regatta` as a process, for the row only a process has: `blob` to
 * stdout. Besides the result, each case checks what the user sees: the exit status, one line on stderr and no stack
 * trace. Pass "pull-docker" to `faultCases` too to see a failed pull name its resume file (slower: a process per
 * case). The table is `faultCases()` in @regatta/testkit; the client runs every row
 * (packages/client/src/fault-matrix.int.test.ts).
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  countCases,
  type FaultCase,
  faultCases,
  type GeneratedImage,
  generateImage,
  pushImage,
  startFaultProxy,
  useRegistry,
} from "@regatta/testkit";
import { afterAll, beforeAll, describe, it } from "vitest";
import { EXIT } from "./exit-codes.js";
import { regatta } from "./test-cli.js";

/** Short timeouts, as flags (seconds); a little longer than the client's, for a process starting on a busy machine. */
const FLAGS = ["--connect-timeout", "2", "--idle-timeout", "2", "--timeout", "2.5"];
/** Exit statuses a refusal of each kind may end with (apps/cli/README.md). */
const STATUS: Record<string, number[]> = {
  TimeoutError: [EXIT.unreachable],
  DigestMismatchError: [EXIT.error],
  RegistryError: [EXIT.error],
  RegattaError: [EXIT.error, EXIT.unreachable],
};

const cases = faultCases(["blob-stdout"]);
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  console.log(`fault matrix (CLI): ${cases.length} cases`, JSON.stringify(countCases(cases), null, 1));
});

describe("fault × command matrix (regatta as a process)", () => {
  const source = useRegistry("none");
  let image: GeneratedImage;

  beforeAll(async () => {
    image = await generateImage({ layers: [400_000], seed: "fault-matrix" });
    await pushImage(source.url, "m/app", "v1", image);
  }, 60_000);

  it.concurrent.for(cases)("$command × $fault", async (c: FaultCase, { expect }) => {
    const proxy = await startFaultProxy(source.url, c.rules);
    const dir = mkdtempSync(join(tmpdir(), "regatta-cli-faults-"));
    made.push(dir);
    const layer = image.layers[0]!;
    const args =
      c.command === "blob-stdout"
        ? ["blob", `${proxy.host}/m/app@${layer.digest}`]
        : ["pull", `${proxy.host}/m/app:v1`, join(dir, "app.tar")];
    let r: Awaited<ReturnType<typeof regatta>>;
    try {
      // A longer idle timeout where the case needs it (a slow upload draining its socket buffers).
      const idle = c.idleMs ? ["--idle-timeout", String(Math.max(2, c.idleMs / 1000))] : [];
      r = await regatta([...FLAGS, ...idle, ...args]);
    } finally {
      await proxy.close();
    }
    const injected = proxy.faulted().length;
    if (c.expect.ok) {
      expect(r.stderr).not.toContain("regatta:");
      expect(r.code).toBe(0);
      if (c.command === "blob-stdout") expect(r.stdoutBytes.equals(layer.bytes)).toBe(true);
      else expect(readdirSync(dir)).toEqual(["app.tar"]);
      // The fault was injected: a case whose rules never matched proves nothing.
      expect(injected).toBeGreaterThan(0);
      return;
    }
    // (the process's own words, should it have failed before the fault)
    expect(injected, r.stderr).toBeGreaterThan(0);
    expect(STATUS[c.expect.error]).toContain(r.code);
    // One line for a person, no stack trace; the detail (code, status, request) is for -v.
    expect(r.stderr).toMatch(/^regatta: [^\n]+\n$/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    if (c.expect.status !== undefined) expect(r.stderr).toContain(String(c.expect.status));
    if (c.command === "pull-docker") {
      const left = readdirSync(dir);
      expect(left.filter((e) => !/^\.app\.tar\.regatta-partial(\.json)?$/.test(e))).toEqual([]);
      if (left.length) expect(r.stderr).toContain(join(dir, ".app.tar.regatta-partial"));
    } else {
      // What reached stdout before the refusal is never more than the blob.
      expect(r.stdoutBytes.length).toBeLessThanOrEqual(layer.bytes.length);
    }
  });
});
