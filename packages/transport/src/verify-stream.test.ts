/**
 * verify-stream.ts: the bytes pass through untouched; an overrun fails at once, a short or tampered blob at the end,
 * and every such error names what was streamed (issue 10: size and digest checked, never trusted).
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { DigestMismatchError, SizeMismatchError } from "@regatta/errors";
import { type ContentVerifier, createVerifier } from "@regatta/manifest";
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

  it("keeps the verifier's error code (a limit, SIZE_LIMIT) with the context in front", async () => {
    const limited: ContentVerifier = {
      bytes: 0,
      update() {
        throw new SizeMismatchError("too much", { code: "SIZE_LIMIT", expected: 1, actual: 2 });
      },
      finish: () => digest,
    };
    const err = await through(limited, "blob w", content).catch((e) => e);
    expect([err.code, err.message, err.expected, err.actual]).toEqual([
      "SIZE_LIMIT",
      "blob w: too much",
      1,
      2,
    ]);
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
});
