/**
 * A local image source (push, sync's oci:DIR) that exists but is the wrong kind is said to be what it is, never
 * "does not exist", and is never waited on: a FIFO given as a docker archive once hung the push for good (QA LOW #3).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { quotePath, UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { guessPushFormat } from "./guess-format.js";
import type { LayoutFormat } from "./layout-writer.js";
import { openImageSource } from "./open-image-source.js";
import { scratchDirs } from "./test-helpers.js";

const scratch = scratchDirs("regatta-source-kind-");

async function refusal(source: string, format?: LayoutFormat): Promise<Error> {
  const error = await (format ? openImageSource(source, format) : guessPushFormat(source)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  const message = (error as Error).message;
  expect(message).toContain(quotePath(source));
  // Node's errno text is no message for a person.
  expect(message).not.toMatch(/ENOENT|EISDIR|ENOTDIR|illegal operation/);
  return error as Error;
}

describe("openImageSource and guessPushFormat: a source of the wrong kind", () => {
  it("a FIFO, whatever the format, is said to be a FIFO, at once", async () => {
    const dir = scratch();
    const fifo = join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    for (const format of ["docker", "oci", "dir", undefined] as const) {
      const { message } = await refusal(fifo, format);
      expect(message).toContain("it is a FIFO");
      expect(message).not.toContain("does not exist");
    }
  }, 10_000);

  it("a directory as a docker archive, a file as a layout: each said to be what it is", async () => {
    const dir = scratch();
    mkdirSync(join(dir, "layout"));
    writeFileSync(join(dir, "image.tar"), "not a tar");
    expect((await refusal(join(dir, "layout"), "docker")).message).toContain("it is a directory");
    for (const format of ["oci", "dir"] as const) {
      const { message } = await refusal(join(dir, "image.tar"), format);
      expect(message).toContain("it is a file");
      expect(message).not.toMatch(/does not exist|no oci-layout|no manifest/);
    }
  });

  it("a missing source does not exist, in every format; one under a file too", async () => {
    const dir = scratch();
    writeFileSync(join(dir, "file"), "x");
    for (const missing of [join(dir, "missing"), join(dir, "file", "below")]) {
      for (const format of ["docker", "oci", "dir", undefined] as const) {
        expect((await refusal(missing, format)).message).toContain("does not exist");
      }
    }
  });

  it("skopeo's docker-archive:PATH, oci:PATH, dir:PATH name the path to give instead", async () => {
    const dir = scratch();
    const fifo = join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    for (const transport of ["docker-archive", "oci-archive", "oci", "dir"]) {
      const { message } = await refusal(`${transport}:${fifo}`);
      expect(message).toContain(`skopeo's ${transport}: transport`);
      expect(message).toContain(quotePath(fifo));
    }
  });
});
