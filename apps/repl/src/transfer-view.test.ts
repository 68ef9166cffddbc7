/**
 * Issue 14 in the REPL: a transfer shows live progress on the terminal (and nothing on a pipe), ends as one summary
 * line, and keeps the whole result in `_`; sizes print human and exact.
 */
import { PassThrough } from "node:stream";
import { createClient } from "@regatta/client";
import {
  createMswDispatcher,
  distributionHandlers,
  fakeRepository,
  generateImage,
  generateIndex,
} from "@regatta/testkit";
import { delay, http } from "msw";
import pc from "picocolors";
import { describe, expect, it } from "vitest";
import { present } from "./present.js";
import { ByteCount, replClient } from "./repl-client.js";

const HOST = "localhost:5000";
const plain = pc.createColors(false);
const show = (value: unknown) => present(value, { colors: plain, useColors: false, width: 100 });

/** A terminal that records what is drawn on it. */
function terminal() {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120, rows: 40 });
  let drawn = "";
  stream.on("data", (chunk: Buffer) => {
    drawn += chunk.toString("utf8");
  });
  return { stream, drawn: () => drawn };
}

async function fixture(progress?: NodeJS.WritableStream) {
  const index = await generateIndex({
    platforms: ["linux/amd64", "linux/arm64"],
    layers: [200_000, 300_000],
  });
  const image = await generateImage({ seed: "transfer-view", layers: [100_000] });
  const handlers = distributionHandlers({
    host: HOST,
    repos: { "team/api": fakeRepository({ "1.0": index, single: image }) },
  });
  // A second registry: a copy within one registry mounts its blobs, and moves no byte to show.
  const dispatcher = createMswDispatcher([...handlers, ...distributionHandlers({ host: "localhost:5001" })]);
  // Blobs answer after a pause, so the bars (drawn 10 times a second) have a frame to show.
  dispatcher.use(
    http.get(/\/blobs\/sha256:/, async () => {
      await delay(300);
    }),
  );
  const reg = replClient(createClient(HOST, { dispatcher }), { progress: () => progress });
  return { reg, index };
}

describe("transfers in the REPL", () => {
  it("a copy draws bars on the terminal, clears them, and prints as one line with the result kept whole", async () => {
    const term = terminal();
    const { reg } = await fixture(term.stream);
    try {
      const result = await reg.copy("team/api:1.0", "localhost:5001/team/copy:1.0");
      expect(term.drawn()).toMatch(/total/);
      expect(term.drawn()).toMatch(/\d+(\.\d+)? [kM]B/);
      expect(result.blobs.length).toBeGreaterThan(0);
      const lines = show(result).split("\n");
      expect(lines[0]).toMatch(
        /^copied localhost:5000\/team\/api:1\.0 → localhost:5001\/team\/copy:1\.0 sha256:[0-9a-f]{12}: \d+ blobs \(\d+ sent, \d+ mounted, \d+ there\), [\d.]+ [kM]B sent$/,
      );
      expect(lines[1]).toBe("_ holds the whole result (its blobs, manifests, digests)");
      const again = await reg.copy("team/api:1.0", "localhost:5001/team/copy:1.0");
      expect(show(again)).toMatch(
        /^up to date localhost:5001\/team\/copy:1\.0 sha256:[0-9a-f]{12}: nothing sent/,
      );
    } finally {
      await reg.close();
    }
  });

  it("draws nothing without a terminal, nor when the call brings its own onProgress", async () => {
    const term = terminal();
    const { reg } = await fixture(undefined);
    const events: string[] = [];
    try {
      await reg.copy("team/api:single", "team/other:single");
      const withOwn = await fixture(term.stream);
      await withOwn.reg.copy("team/api:single", "team/third:single", {
        onProgress: (e) => events.push(e.type),
      });
      expect(term.drawn()).toBe("");
      expect(events).toContain("blob");
      await withOwn.reg.close();
    } finally {
      await reg.close();
    }
  });

  it("size prints human and exact, and is still a number", async () => {
    const { reg } = await fixture(undefined);
    try {
      const size = await reg.size("team/api:single");
      expect(size).toBeInstanceOf(ByteCount);
      expect(Number(size) + 0).toBeGreaterThan(100_000);
      expect(show(size)).toMatch(/^[\d.]+ kB \([\d,]+ bytes\)$/);
      expect(JSON.stringify({ size })).toMatch(/^\{"size":\d+\}$/);
    } finally {
      await reg.close();
    }
  });

  it("pull and push results print as one line each", () => {
    expect(
      show({
        format: "oci",
        destination: "out",
        references: [{}, {}],
        blobs: { total: 5, downloaded: 3, resumed: 1, cached: 1 },
        bytes: { total: 1000, downloaded: 800 },
      }).split("\n")[0],
    ).toBe("pulled 2 images to out (oci): 5 blobs (3 downloaded, 1 resumed, 1 already there), 800 B fetched");
    expect(
      show({
        reference: "localhost:5000/a:1",
        digest: `sha256:${"a".repeat(64)}`,
        mediaType: "x",
        format: "docker",
        blobs: { total: 3, uploaded: 2, skipped: 1 },
        bytes: { total: 10, uploaded: 5 },
        manifests: 1,
      }).split("\n")[0],
    ).toBe("pushed localhost:5000/a:1 sha256:aaaaaaaaaaaa: 3 blobs (2 sent, 1 there), 5 B sent, 1 manifest");
  });
});
