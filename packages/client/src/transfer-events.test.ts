/**
 * Every transfer speaks the one vocabulary of transfer-events.ts (issue 11, item 5): pull, push, pushBlob and blob
 * reads here (copy in copy-blobs.test.ts and copy-index.test.ts), against testkit's fake registry through msw.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { UsageError } from "@regatta/errors";
import { computeDigest } from "@regatta/manifest";
import { fakeRepository, type GeneratedImage, generateImage, tempDirs } from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RegistryClient } from "./registry-client.js";
import { fakeRegistries } from "./test-answering-registry.js";
import type { TransferEvent } from "./transfer-events.js";

const temp = tempDirs("regatta-events-");
let image: GeneratedImage;
let reg: RegistryClient | undefined;
let requests: { method: string; path: string }[] = [];

beforeAll(async () => {
  image = await generateImage({ layers: [64, 96], seed: "transfer-events" });
});
afterEach(async () => {
  await reg?.close();
  reg = undefined;
});

function open(): RegistryClient {
  const opened = fakeRegistries({ "reg.test": { "team/app": fakeRepository({ v1: image }) } });
  reg = opened.reg;
  requests = opened.handlers["reg.test"].requests;
  return reg;
}

const blobsOf = (i: GeneratedImage) =>
  [i.config.descriptor, ...i.layers.map((l) => l.descriptor)].map((b) => ({
    digest: b.digest,
    size: b.size,
    mediaType: b.mediaType,
  }));

/** The states of one blob's events, in order, with the byte counts squeezed to the first and last. */
function statesOf(events: TransferEvent[], digest: string): string[] {
  const states = events.flatMap((e) => (e.type === "blob" && e.digest === digest ? [e.state] : []));
  return states.filter((s, i) => !(s === "bytes" && states[i + 1] === "bytes"));
}

describe("pull", () => {
  it("tells the plan, each blob started, its bytes and done, then the manifest written; a second pull skips", async () => {
    const client = open();
    const dest = join(temp(), "layout");
    const events: TransferEvent[] = [];
    await client.pull("reg.test/team/app:v1", dest, { format: "oci", onProgress: (e) => events.push(e) });
    const blobs = blobsOf(image);
    expect(events[0]).toEqual({
      type: "plan",
      blobs: blobs.map((b, i) => ({ ...b, kind: i === 0 ? "config" : "layer" })),
      bytes: blobs.reduce((n, b) => n + b.size, 0),
      manifests: 1,
    });
    for (const b of blobs) {
      expect(statesOf(events, b.digest)).toEqual(["started", "bytes", "done"]);
      expect(events).toContainEqual(
        expect.objectContaining({ type: "blob", state: "done", ...b, bytes: b.size }),
      );
    }
    expect(events.at(-1)).toEqual({
      type: "manifest",
      state: "written",
      digest: image.manifest.digest,
      mediaType: image.manifest.mediaType,
      reference: "reg.test/team/app:v1",
    });

    const again: TransferEvent[] = [];
    await client.pull("reg.test/team/app:v1", dest, { format: "oci", onProgress: (e) => again.push(e) });
    for (const b of blobs) expect(statesOf(again, b.digest)).toEqual(["skipped"]);
  });
});

describe("push", () => {
  it("tells the plan, each blob uploaded (or skipped when the registry has it), then each manifest pushed", async () => {
    const client = open();
    const dest = join(temp(), "layout");
    await client.pull("reg.test/team/app:v1", dest, { format: "oci" });
    const blobs = blobsOf(image);

    const events: TransferEvent[] = [];
    await client.push(dest, "reg.test/team/copy:v2", { onProgress: (e) => events.push(e) });
    expect(events[0]).toEqual({
      type: "plan",
      blobs,
      bytes: blobs.reduce((n, b) => n + b.size, 0),
      manifests: 1,
    });
    for (const b of blobs) {
      expect(statesOf(events, b.digest)).toEqual(["started", "bytes", "done"]);
      expect(events).toContainEqual({ type: "blob", state: "done", ...b, bytes: b.size });
    }
    expect(events.at(-1)).toEqual({
      type: "manifest",
      state: "pushed",
      digest: image.manifest.digest,
      mediaType: image.manifest.mediaType,
      reference: `reg.test/team/copy:v2@${image.manifest.digest}`,
    });

    const again: TransferEvent[] = [];
    await client.push(dest, "reg.test/team/copy:v3", { onProgress: (e) => again.push(e) });
    for (const b of blobs) {
      expect(again).toContainEqual({ type: "blob", state: "skipped", ...b, bytes: 0 });
      expect(statesOf(again, b.digest)).toEqual(["skipped"]);
    }
  });
});

describe("pushBlob", () => {
  const content = Buffer.from("a blob pushed from a file, hashed by the client first");
  const digest = computeDigest(content);
  const done = { type: "blob", state: "done", digest, size: content.length, bytes: content.length };

  it("from a file: hashes it (so the registry is asked first), then started, bytes, done; again: skipped", async () => {
    const client = open();
    const path = join(temp(), "blob");
    writeFileSync(path, content);
    const events: TransferEvent[] = [];
    const pushed = await client.pushBlob(
      "reg.test/team/app",
      { path },
      { onProgress: (e) => events.push(e) },
    );
    expect(pushed).toMatchObject({ digest, size: content.length, skipped: false });
    // The HEAD came first: the digest was known before anything was sent.
    expect(requests.find((r) => r.path.includes("/blobs/"))).toMatchObject({ method: "HEAD" });
    expect(events[0]).toEqual({ type: "blob", state: "started", digest, size: content.length, bytes: 0 });
    expect(events.at(-1)).toEqual(done);
    expect(events.map((e) => (e as { state: string }).state)).toEqual(["started", "bytes", "done"]);

    const again: TransferEvent[] = [];
    const second = await client.pushBlob("reg.test/team/app", { path }, { onProgress: (e) => again.push(e) });
    expect(second.skipped).toBe(true);
    expect(again).toEqual([{ type: "blob", state: "skipped", digest, size: content.length, bytes: 0 }]);
  });

  it("from a file with a digest it does not have: refused before any request", async () => {
    const client = open();
    const path = join(temp(), "blob");
    writeFileSync(path, content);
    const wrong = computeDigest(Buffer.from("other bytes"));
    const error = await client.pushBlob("reg.test/team/app", { path }, { digest: wrong }).catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain(`${digest}, not ${wrong}`);
    expect(requests).toEqual([]);
  });

  it("from a missing file: a usage error naming it", async () => {
    const client = open();
    const path = join(temp(), "nope");
    const error = await client.pushBlob("reg.test/team/app", { path }).catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(`cannot read ${path}: no such file`);
  });

  it("from a stream without a digest: the digest comes with the last event", async () => {
    const client = open();
    const events: TransferEvent[] = [];
    await client.pushBlob("reg.test/team/app", Readable.from([content]), {
      onProgress: (e) => events.push(e),
    });
    expect(events[0]).toEqual({ type: "blob", state: "started", bytes: 0 });
    expect(events.at(-1)).toEqual(done);
  });

  it("mounted: the event names the repository it came from", async () => {
    const client = open();
    const layer = image.layers[0]!.descriptor;
    const events: TransferEvent[] = [];
    await client.pushBlob("reg.test/team/other", Buffer.from(image.layers[0]!.bytes), {
      mountFrom: "reg.test/team/app",
      onProgress: (e) => events.push(e),
    });
    expect(events).toEqual([
      {
        type: "blob",
        state: "mounted",
        digest: layer.digest,
        size: layer.size,
        bytes: 0,
        from: "reg.test/team/app",
      },
    ]);
  });
});

describe("blob reads", () => {
  it("stream and toFile tell started, bytes and done once verified", async () => {
    const client = open();
    const layer = image.layers[1]!.descriptor;
    const events: TransferEvent[] = [];
    const saved = await client
      .blob("reg.test/team/app", layer.digest)
      .toFile(join(temp(), "layer"), { onProgress: (e) => events.push(e) });
    expect(saved.size).toBe(layer.size);
    expect(statesOf(events, layer.digest)).toEqual(["started", "bytes", "done"]);
    expect(events.at(-1)).toEqual({
      type: "blob",
      state: "done",
      digest: layer.digest,
      size: layer.size,
      bytes: layer.size,
    });
  });
});
