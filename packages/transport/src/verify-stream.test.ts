/**
 * verify-stream.ts: the bytes pass through untouched; an overrun fails at once, a short or tampered blob at the end,
 * and every such error names what was streamed (issue 10: size and digest checked, never trusted).
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { DigestMismatchError, SizeMismatchError } from "@regatta/errors";
import {
  type ContentVerifier,
  createDeferredVerifier,
  createVerifier,
  type DeferredHash,
} from "@regatta/manifest";
import { collect } from "@regatta/testkit";
import { describe, expect, it } from "vitest";
import { createVerifyStream } from "./verify-stream.js";

const content = Buffer.from("the quick brown fox");
const digest = `sha256:${createHash("sha256").update(content).digest("hex")}`;
const other = `sha256:${"0".repeat(64)}`;
const through = (verifier: ContentVerifier, what: string | undefined, ...chunks: Buffer[]) =>
  collect(Readable.from(chunks).pipe(createVerifyStream({ verifier, ...(what ? { what } : {}) })));

describe("createVerifyStream", () => {
  it("passes good bytes through untouched", async () => {
    const out = await through(
      createVerifier(digest, content.length),
      "blob",
      content.subarray(0, 4),
      content.subarray(4),
    );
    expect(out.equals(content)).toBe(true);
  });

  it("an overrun fails with the context in front, keeping expected and actual", async () => {
    const err = await through(createVerifier(digest, 4), "blob x", content).catch((e) => e);
    expect(err).toBeInstanceOf(SizeMismatchError);
    expect(err.message).toMatch(/^blob x: /);
    expect(err.expected).toBe(4);
    expect(err.actual).toBe(content.length);
  });

  it("a short blob fails at the end with SizeMismatchError and the context", async () => {
    const err = await through(createVerifier(digest, content.length + 1), "blob y", content).catch((e) => e);
    expect(err).toBeInstanceOf(SizeMismatchError);
    expect(err.message).toMatch(/^blob y: /);
    expect(err.expected).toBe(content.length + 1);
    expect(err.actual).toBe(content.length);
  });

  it("a tampered blob fails at the end with DigestMismatchError and the context", async () => {
    const err = await through(createVerifier(other, content.length), "blob z", content).catch((e) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect(err.message).toMatch(/^blob z: /);
    expect(err.expected).toBe(other);
    expect(err.actual).toBe(digest);
  });

  it("without a context the verifier's own error comes out as it is", async () => {
    const short = new SizeMismatchError("short", { expected: 2, actual: 1 });
    const tampered = new DigestMismatchError("tampered", { expected: other, actual: digest });
    const failsWith = (update: unknown, finish: unknown): ContentVerifier => ({
      bytes: 0,
      update() {
        if (update) throw update;
      },
      finish() {
        if (finish) throw finish;
        return digest;
      },
    });
    expect(await through(failsWith(short, undefined), undefined, content).catch((e) => e)).toBe(short);
    expect(await through(failsWith(undefined, tampered), undefined, content).catch((e) => e)).toBe(tampered);
  });

  it("any other error of the verifier passes through unchanged, even with a context", async () => {
    const odd = new Error("odd");
    const verifier: ContentVerifier = {
      bytes: 0,
      update() {
        throw odd;
      },
      finish: () => digest,
    };
    expect(await through(verifier, "blob", content).catch((e) => e)).toBe(odd);
    const late: ContentVerifier = {
      bytes: 0,
      update() {},
      finish() {
        throw odd;
      },
    };
    expect(await through(late, "blob", content).catch((e) => e)).toBe(odd);
  });

  describe("with a deferred hash (a large blob hashed on a worker thread)", () => {
    /** A hash whose updates wait until `release()` and whose digest comes when `answer()` is called. */
    function controlledHash() {
      const real = createHash("sha256");
      const calls: string[] = [];
      let release!: () => void;
      let answer!: () => void;
      const hash: DeferredHash = {
        update(chunk) {
          real.update(chunk);
          calls.push("update");
          return new Promise<void>((resolve) => {
            release = resolve;
          });
        },
        hex() {
          calls.push("hex");
          return new Promise<string>((resolve) => {
            answer = () => resolve(real.digest("hex"));
          });
        },
        abandon: () => void calls.push("abandon"),
      };
      return { hash, calls, release: () => release(), answer: () => answer() };
    }

    it("passes each chunk on, holds the next until the hash has room, and ends only once the digest matched", async () => {
      const control = controlledHash();
      const stream = createVerifyStream({
        verifier: createDeferredVerifier(digest, content.length, control.hash),
      });
      const out: Buffer[] = [];
      let ended = false;
      stream.on("data", (c: Buffer) => out.push(c));
      stream.on("end", () => {
        ended = true;
      });
      stream.write(content.subarray(0, 4));
      stream.write(content.subarray(4));
      stream.end();
      await new Promise((r) => setImmediate(r));
      expect(Buffer.concat(out).toString()).toBe("the "); // the first chunk went on; the second waits for room
      expect(control.calls).toEqual(["update"]);
      control.release();
      await new Promise((r) => setImmediate(r));
      control.release();
      await new Promise((r) => setImmediate(r));
      expect(control.calls).toEqual(["update", "update", "hex"]);
      expect(ended).toBe(false); // every byte is through, but the digest is not known yet
      control.answer();
      await new Promise((r) => stream.on("end", r));
      expect(Buffer.concat(out).equals(content)).toBe(true);
    });

    it("a wrong digest fails the stream with the context; a stream destroyed half-way abandons the hash", async () => {
      const wrong = controlledHash();
      const stream = createVerifyStream({
        verifier: createDeferredVerifier(other, content.length, wrong.hash),
        what: "blob z",
      });
      const failed = collect(stream).catch((e) => e);
      stream.end(content);
      await new Promise((r) => setImmediate(r));
      wrong.release();
      await new Promise((r) => setImmediate(r));
      wrong.answer();
      const err = await failed;
      expect(err).toBeInstanceOf(DigestMismatchError);
      expect(err.message).toMatch(/^blob z: /);

      const cut = controlledHash();
      const halfway = createVerifyStream({
        verifier: createDeferredVerifier(digest, content.length, cut.hash),
      });
      halfway.on("error", () => {});
      halfway.write(content.subarray(0, 4));
      halfway.destroy(new Error("connection reset"));
      await new Promise((r) => setImmediate(r));
      expect(cut.calls).toEqual(["update", "abandon"]);
    });
  });
});
