/**
 * upload-source.ts: the cursor an upload reads its bytes through. Every byte read is hashed and counted, a given size
 * and digest are checked before the registry is asked to commit, and after an interruption the cursor goes on from
 * wherever the registry says it stands, or says it cannot.
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs
 */
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { setImmediate as tick } from "node:timers/promises";
import { DigestMismatchError, SizeMismatchError, UsageError } from "@regatta/errors";
import { collect } from "@regatta/testkit";
import { describe, expect, it } from "vitest";
import { UploadSource } from "./upload-source.js";

const content = randomBytes(100);
const sha256 = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const digest = sha256(content);

/** What `fn` throws. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** A stream that yields `chunks`, then fails with `err`. */
function failingAfter(err: Error, ...chunks: Buffer[]): Readable {
  return Readable.from(
    (async function* () {
      yield* chunks;
      throw err;
    })(),
  );
}

describe("UploadSource: where it can go on from", () => {
  it("a one-shot stream not yet read can start at byte 0 only", async () => {
    const source = new UploadSource(Readable.from([content]), { what: "t" });
    expect(source.replayable).toBe(false);
    expect(source.canContinueAt(0)).toBe(true);
    expect(source.canContinueAt(5)).toBe(false);
    const err = await source.seek(5).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(
      "t: cannot go on from byte 5 of a stream that can only be read once; pass bytes or a stream factory to make uploads resumable",
    );
  });

  it("a one-shot stream read in chunks can go on exactly where it stands, and seeking there is a no-op", async () => {
    const source = new UploadSource(Readable.from([content]), { what: "t", digest });
    expect((await source.next(30))?.equals(content.subarray(0, 30))).toBe(true);
    expect(source.canContinueAt(30)).toBe(true);
    expect(source.canContinueAt(0)).toBe(false);
    expect(source.canContinueAt(29)).toBe(false);
    await source.seek(30);
    expect(source.offset).toBe(30);
    expect((await collect(source.rest())).equals(content.subarray(30))).toBe(true);
    expect(source.digest()).toBe(digest);
  });

  it("while a rest() stream is being read its position is unknown; once it ends it is known again", async () => {
    const source = new UploadSource(Readable.from([content]), { what: "t" });
    await source.seek(0);
    const rest = source.rest();
    expect(source.canContinueAt(0)).toBe(false);
    expect((await collect(rest)).length).toBe(100);
    expect(source.canContinueAt(100)).toBe(true);
    expect(source.canContinueAt(0)).toBe(false);
  });

  it("bytes and factories can go on from anywhere", async () => {
    for (const source of [
      new UploadSource(content, { what: "t" }),
      new UploadSource(() => Readable.from([content]), { what: "t" }),
    ]) {
      expect(source.replayable).toBe(true);
      await source.next(10);
      expect(source.canContinueAt(3)).toBe(true);
      expect(source.canContinueAt(77)).toBe(true);
    }
  });

  it("seeking back re-reads from the start, so the digest still covers every byte", async () => {
    let opened = 0;
    const streams: Readable[] = [];
    const source = new UploadSource(
      () => {
        opened++;
        const stream = Readable.from([content.subarray(0, 60), content.subarray(60)]);
        streams.push(stream);
        return stream;
      },
      { what: "t", digest, size: 100 },
    );
    await source.next(80);
    await source.seek(20);
    expect(opened).toBe(2);
    expect(streams[0]?.destroyed).toBe(true); // the stream given up on is released
    expect(source.offset).toBe(20);
    expect((await collect(source.rest())).equals(content.subarray(20))).toBe(true);
    expect(() => source.check()).not.toThrow();
  });

  it("after a rest() stream given up half-way, going on from where it stood reads the source again", async () => {
    let opened = 0;
    const source = new UploadSource(
      () => {
        if (opened++) return Readable.from([content]);
        const slow = new Readable({ read() {} }); // 30 bytes, then nothing yet
        slow.push(content.subarray(0, 30));
        return slow;
      },
      { what: "t", digest },
    );
    await source.seek(0);
    const rest = source.rest();
    await new Promise((resolve) => rest.once("data", resolve));
    rest.destroy(); // the request carrying it failed
    expect(source.offset).toBe(30);
    await source.seek(30);
    expect(opened).toBe(2);
    expect((await collect(source.rest())).equals(content.subarray(30))).toBe(true);
    expect(source.digest()).toBe(digest);
  });

  it("a source shorter than the bytes the registry holds is a SizeMismatchError", async () => {
    const source = new UploadSource(content, { what: "push x" });
    const err = await source.seek(150).catch((e) => e);
    expect(err).toBeInstanceOf(SizeMismatchError);
    expect(err.message).toBe("push x: the source ended at 100 bytes, before byte 150 the registry holds");
  });
});

describe("UploadSource: reading", () => {
  it("next() gives chunks of exactly the size asked, joining pieces, and undefined at the end", async () => {
    const source = new UploadSource(
      Readable.from([content.subarray(0, 7), content.subarray(7, 9), content.subarray(9)]),
      { what: "t" },
    );
    const first = await source.next(10);
    expect(first?.equals(content.subarray(0, 10))).toBe(true);
    const second = await source.next(85);
    expect(second?.equals(content.subarray(10, 95))).toBe(true);
    expect((await source.next(85))?.equals(content.subarray(95))).toBe(true);
    expect(await source.next(85)).toBeUndefined();
    expect(await source.next(1)).toBeUndefined();
  });

  it("text pieces are counted and hashed as their UTF-8 bytes", async () => {
    const text = Buffer.from("héllo");
    const source = new UploadSource(Readable.from(["hé", "llo"]), { what: "t", size: text.length });
    expect((await source.next(100))?.equals(text)).toBe(true);
    expect(source.offset).toBe(text.length);
    expect(source.digest()).toBe(sha256(text));
  });

  it("reports progress as bytes are read, and from the start again after going back", async () => {
    const seen: number[] = [];
    const source = new UploadSource(content, { what: "t", onProgress: (n) => seen.push(n) });
    await source.next(40);
    await source.next(40);
    await source.seek(10);
    expect(seen).toEqual([40, 80, 10]);
  });

  it("rest() before the source is positioned is a usage error", () => {
    const source = new UploadSource(content, { what: "push y" });
    expect(() => source.rest()).toThrow(new UsageError("push y: internal: rest() before seek()"));
  });

  it("rest() after the end is an empty stream that ends", async () => {
    const source = new UploadSource(content, { what: "t", size: 100, digest });
    await source.next(100);
    expect(await source.next(1)).toBeUndefined();
    expect((await collect(source.rest())).length).toBe(0);
    expect(source.canContinueAt(100)).toBe(true);
  });

  it("rest() goes on with the stream already iterated, from the byte after the last chunk", async () => {
    const big = randomBytes(100_000); // larger than a stream's buffer: rest() must wait for the consumer
    const source = new UploadSource(() => Readable.from([big.subarray(0, 50_000), big.subarray(50_000)]), {
      what: "t",
      digest: sha256(big),
      size: big.length,
    });
    await source.next(10);
    expect((await collect(source.rest())).equals(big.subarray(10))).toBe(true);
    expect(source.offset).toBe(big.length);
  });

  it("rest() of a stream not yet iterated is the stream itself, piped through the count", async () => {
    const big = randomBytes(100_000);
    const source = new UploadSource(Readable.from([big]), { what: "t" });
    await source.seek(0);
    expect((await collect(source.rest())).equals(big)).toBe(true);
    expect(source.digest()).toBe(sha256(big));
  });

  it.each([
    ["after chunks were read", 1],
    ["before any was read", 0],
  ])("a source stream that fails %s fails the rest() stream with its error", async (_what, first) => {
    const broken = new Error("download cut");
    const source = new UploadSource(failingAfter(broken, content), { what: "t" });
    await source.seek(0);
    if (first) await source.next(first);
    expect(await collect(source.rest()).catch((e) => e)).toBe(broken);
  });

  it("a rest() stream nobody listens to any more fails quietly, never as an uncaught error", async () => {
    // undici stops listening to a request body once it has seen an error; the upload hears of it through the request
    const broken = new Error("download failed at its end");
    const source = new UploadSource(failingAfter(broken, content), { what: "t" });
    await source.seek(0);
    const rest = source.rest();
    expect(rest.listenerCount("error")).toBeGreaterThan(0);
    rest.resume();
    await new Promise((resolve) => rest.once("close", resolve));
    expect(rest.errored).toBe(broken);
  });

  it("a consumer that gives up on rest() releases the source stream", async () => {
    const stream = new Readable({ read() {} });
    stream.push(content);
    const source = new UploadSource(stream, { what: "t" });
    await source.seek(0);
    source.rest().destroy();
    await tick();
    expect(stream.destroyed).toBe(true);
  });

  it("close() releases the source stream", async () => {
    const stream = new Readable({ read() {} });
    const source = new UploadSource(stream, { what: "t" });
    await source.seek(0);
    source.close();
    expect(stream.destroyed).toBe(true);
  });
});

describe("UploadSource: size and digest", () => {
  it("a source longer than its size fails as soon as it overruns, in chunks and in rest()", async () => {
    const chunked = new UploadSource(content, { what: "push z", size: 50 });
    const err = await chunked.next(60).catch((e) => e);
    expect(err).toBeInstanceOf(SizeMismatchError);
    expect(err.message).toBe("push z: the source is longer than the expected 50 bytes");
    expect(err).toMatchObject({ expected: 50, actual: 60 });

    const streamed = new UploadSource(Readable.from([content]), { what: "push z", size: 50 });
    await streamed.seek(0);
    const late = await collect(streamed.rest()).catch((e) => e);
    expect(late).toBeInstanceOf(SizeMismatchError);
    expect(late).toMatchObject({ expected: 50, actual: 100 });
  });

  it("a source of exactly its size is no overrun", async () => {
    const source = new UploadSource(content, { what: "t", size: 100 });
    expect((await source.next(100))?.length).toBe(100);
    expect(() => source.check()).not.toThrow();
  });

  it("a source shorter than its size fails the check, and the rest() stream at its end", async () => {
    const source = new UploadSource(content, { what: "push s", size: 101 });
    await source.next(200);
    const err = thrown(() => source.check());
    expect(err).toBeInstanceOf(SizeMismatchError);
    expect((err as Error).message).toBe("push s: the source had 100 bytes, expected 101");
    expect(err).toMatchObject({ expected: 101, actual: 100 });

    const streamed = new UploadSource(Readable.from([content]), { what: "t", size: 101 });
    await streamed.seek(0);
    expect(await collect(streamed.rest()).catch((e) => e)).toBeInstanceOf(SizeMismatchError);
  });

  it("a wrong digest fails the check (and the rest() stream) saying nothing was committed", async () => {
    const wrong = sha256(Buffer.from("other"));
    const source = new UploadSource(content, { what: "push d", digest: wrong });
    await source.next(100);
    const err = thrown(() => source.check());
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect((err as Error).message).toBe(
      `push d: the content's digest is ${digest}, not ${wrong} as given; nothing was committed`,
    );
    expect(err).toMatchObject({ expected: wrong, actual: digest });
    const streamed = new UploadSource(Readable.from([content]), { what: "t", digest: wrong });
    await streamed.seek(0);
    expect(await collect(streamed.rest()).catch((e) => e)).toBeInstanceOf(DigestMismatchError);
  });

  it("hashes with the algorithm of the digest given", async () => {
    const sha512 = `sha512:${createHash("sha512").update(content).digest("hex")}`;
    const source = new UploadSource(content, { what: "t", digest: sha512 });
    await source.next(100);
    expect(source.digest()).toBe(sha512);
    expect(() => source.check()).not.toThrow();
  });

  it("without a digest, hashes with sha256 and checks nothing but the size", async () => {
    const source = new UploadSource(content, { what: "t" });
    await source.next(100);
    expect(source.digest()).toBe(digest);
    expect(() => source.check()).not.toThrow();
  });

  it("with verify off, a given digest is trusted: not checked, and reported as given", async () => {
    const wrong = sha256(Buffer.from("other"));
    const source = new UploadSource(content, { what: "t", digest: wrong, verify: false });
    await source.next(100);
    expect(() => source.check()).not.toThrow();
    expect(source.digest()).toBe(wrong);
  });

  it("a source stream that fails after it was read is reported by check(), the first error first", async () => {
    const stream = new Readable({ read() {} });
    const source = new UploadSource(stream, { what: "t" });
    await source.seek(0);
    const first = new Error("digest mismatch at the end of the download");
    stream.emit("error", first);
    stream.emit("error", new Error("second"));
    expect(() => source.check()).toThrow(first);
  });

  it("an error of a stream given up on is forgotten when the source is opened again", async () => {
    const streams: Readable[] = [];
    const source = new UploadSource(
      () => {
        const stream = Readable.from([content]);
        streams.push(stream);
        return stream;
      },
      { what: "t" },
    );
    await source.next(10);
    streams[0]?.emit("error", new Error("old"));
    await source.seek(5);
    await source.next(200);
    expect(() => source.check()).not.toThrow();
  });
});
