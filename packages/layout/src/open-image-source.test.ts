/**
 * A local image source (push, sync's oci:DIR) that exists but is the wrong kind is said to be what it is, never
 * "does not exist", and is never waited on: a FIFO given as a docker archive once hung the push for good (QA LOW #3).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { quotePath, UsageError } from "@regatta/errors";
import { shellArgv } from "@regatta/testkit";
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

  it("a file that is no tar (a text file given by mistake) is no docker archive: named, a usage error", async () => {
    const dir = scratch();
    const file = join(dir, "passwd");
    writeFileSync(
      file,
      "root:x:0:0:root:/root:/bin/bash\nlogin\nsys:x:3:3:sys:/dev:/usr/sbin/nologin\n".repeat(20),
    );
    for (const format of ["docker", undefined] as const) {
      const source = await (format ? openImageSource(file, format) : guessPushFormat(file))
        .then((found) => (typeof found === "string" ? openImageSource(file, found) : found))
        .catch((e: unknown) => e);
      expect(source).toBeInstanceOf(UsageError);
      expect((source as Error).message).toMatch(
        new RegExp(
          `^${quotePath(file).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is not a docker archive \\(docker save\\) or OCI layout: `,
        ),
      );
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
    // skopeo's PATH:REFERENCE: the path, and the image by --name (push big REF --name v1 works; push big:v1 does not).
    expect((await refusal("oci:big:v1")).message).toContain("give big --name v1 (format oci)");
    expect((await refusal(`docker-archive:${dir}/a.tar:app:1.0`)).message).toContain(
      `give ${dir}/a.tar --name app:1.0 (format docker)`,
    );
    expect((await refusal("dir:x:y")).message).toContain("give x:y (format dir)");
  });

  it("quotes the words to give for the shell: a path with a space or a quote reads back as one argument", async () => {
    const dir = scratch();
    for (const path of [join(dir, "my lay"), join(dir, "it's"), join(dir, "$HOME")]) {
      const { message } = await refusal(`oci:${path}:example.com/app:1.0`);
      const words = /; give (.*) \(format oci\)$/.exec(message)?.[1];
      expect(words, message).toBeDefined();
      // Was `give /tmp/…/my lay --name "example.com/app:1.0"`: two words for the path; `$HOME` expanded.
      expect(shellArgv(words!)).toEqual([path, "--name", "example.com/app:1.0"]);
    }
  });
});
