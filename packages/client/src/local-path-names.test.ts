/**
 * Every message that names a file says it through quotePath (@regatta/errors): a name with ESC, a newline, a C1 or
 * a bidi control in it, printed raw, restyled the terminal or forged a second line of the one-line error.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ClientContext } from "./context.js";
import { findFile } from "./files/find-file.js";
import { listFiles } from "./files/list-files.js";
import { testLayer } from "./files/test-layers.js";
import { checkHarPath } from "./har-file.js";
import { readConfigHosts } from "./hosts.js";
import { packDirectory } from "./referrers/artifact-dir.js";
import { parseEndpoint } from "./sync/endpoints.js";

/** A name that, printed raw, would turn the terminal red and forge a second error line. */
const PLANTED = "a\u001b[31m\nregatta: forged\u009b\u202e";
const ESCAPED = "a\\u001b[31m\\nregatta: forged\\u009b\\u202e";
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u202e]/;

const root = mkdtempSync(join(tmpdir(), "regatta-path-names-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A fresh directory under the test's root. */
const fresh = () => {
  const dir = join(root, String(n++));
  mkdirSync(dir);
  return dir;
};

const failure = async (run: () => unknown): Promise<Error> => {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a failure");
};

describe("a file name with control characters in an error message", () => {
  it.each<[string, () => unknown]>([
    [
      "--har at a directory",
      () => {
        const dir = fresh();
        mkdirSync(join(dir, PLANTED));
        return checkHarPath(join(dir, PLANTED));
      },
    ],
    [
      "--har beneath a file",
      () => {
        const dir = fresh();
        writeFileSync(join(dir, PLANTED), "");
        return checkHarPath(join(dir, PLANTED, "run.har"));
      },
    ],
    [
      "a config file that is not JSON",
      () => {
        const dir = join(fresh(), PLANTED);
        mkdirSync(join(dir, "regatta"), { recursive: true });
        writeFileSync(join(dir, "regatta", "config.json"), "{");
        return readConfigHosts({ XDG_CONFIG_HOME: dir });
      },
    ],
    [
      "a config file's missing CA file",
      () => {
        const dir = fresh();
        mkdirSync(join(dir, "regatta"));
        writeFileSync(
          join(dir, "regatta", "config.json"),
          JSON.stringify({ hosts: { "r.io": { caFile: PLANTED } } }),
        );
        return readConfigHosts({ XDG_CONFIG_HOME: dir });
      },
    ],
    [
      "an artifact directory holding a FIFO",
      () => {
        const dir = fresh();
        execFileSync("mkfifo", [join(dir, PLANTED)]);
        return packDirectory(dir, "docs");
      },
    ],
    [
      "a file missing from an image",
      async () => findFile([await testLayer([{ name: "a" }])], PLANTED, { image: "i" }),
    ],
    [
      "a FIFO in an image",
      async () => findFile([await testLayer([{ name: PLANTED, type: "fifo" }])], PLANTED, { image: "i" }),
    ],
    [
      "a directory missing from an image",
      async () => listFiles([await testLayer([{ name: "a" }])], PLANTED, { image: "i", recursive: false }),
    ],
  ])("%s: one line, the name quoted with every control escaped", async (_, run) => {
    const { message } = await failure(run);
    expect(message).toContain(ESCAPED);
    expect(message).not.toMatch(RAW_CONTROL);
  });

  it("a sync target naming a layout's tag (a name without a newline: oci:DIR:TAG is one line)", async () => {
    // As a source, oci:DIR:TAG is that tag only; as a target it is refused, naming what was given.
    const { message } = await failure(() =>
      parseEndpoint({} as ClientContext, "oci:a\u001b[2J\u009b:v1", "target"),
    );
    expect(message).toContain('"oci:a\\u001b[2J\\u009b:v1"');
    expect(message).not.toMatch(RAW_CONTROL);
  });
});
