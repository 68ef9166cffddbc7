/**
 * A blob written to a file that fails on the way (a full disk, a FIFO whose reader went away) fails with the file's
 * error, and the client still closes: with `onProgress`, the response body once stayed busy behind the progress
 * counter, and close() waited on its socket for ever (blob -o on a full disk then ended as an internal error).
 */
import { execFileSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { generateImage, pushImage, tempDirs, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { connect } from "./index.js";

const temp = tempDirs("regatta-blob-fail-");

describe("blob().toFile when the write fails", () => {
  const registry = useRegistry("none");
  let digest = "";
  beforeAll(async () => {
    const image = await generateImage({ layers: [2 * 1024 * 1024], seed: "write-fails" });
    await pushImage(registry.url, "fail/app", "1", image);
    digest = image.layers[0]!.digest;
  }, 60_000);

  it.each([false, true])(
    "with onProgress %s: the file's error, then close() returns",
    async (withProgress) => {
      const fifo = join(temp(), "pipe");
      execFileSync("mkfifo", [fifo]);
      // A reader that takes the first chunk and goes: the write fails with EPIPE.
      const reader = createReadStream(fifo);
      reader.once("data", () => reader.destroy());
      const reg = await connect(registry.url);
      const error = await reg
        .blob(`${registry.host}/fail/app@${digest}`)
        .toFile(fifo, withProgress ? { onProgress: () => {} } : {})
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain(fifo);
      const closed = await Promise.race([
        reg.close().then(() => "closed"),
        new Promise((resolve) => setTimeout(() => resolve("close() still waits"), 5_000)),
      ]);
      expect(closed).toBe("closed");
    },
    30_000,
  );
});
