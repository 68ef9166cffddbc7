/**
 * pushBlob takes what a modern Node program has as a stream of bytes: a web ReadableStream (`fetch().body`) or an
 * async iterable, given directly or returned by a factory; anything else a factory returns is the UsageError the
 * same value given directly gets, not "TypeError: stream.on is not a function" (QA library6 F4).
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { ReadableStream } from "node:stream/web";
import { UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { fakeDistribution } from "./test-answering-registry.js";

const bytes = Buffer.from("a blob pushed from a stream of bytes");
const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const web = () =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes.subarray(0, 10));
      controller.enqueue(bytes.subarray(10));
      controller.close();
    },
  });
async function* chunks() {
  yield bytes.subarray(0, 5);
  yield bytes.subarray(5);
}

describe("pushBlob from a stream of bytes", () => {
  it.each([
    ["a web ReadableStream", () => web()],
    ["an async generator", () => chunks()],
    ["a factory of a web ReadableStream", () => () => web()],
    ["a factory of an async generator", () => () => chunks()],
    ["an async factory of a web ReadableStream", () => async () => web()],
    ["a factory of bytes", () => () => bytes],
    ["a Node Readable", () => Readable.from([bytes])],
  ])("%s is pushed whole", async (_what, source) => {
    const { reg } = fakeDistribution({});
    const pushed = await reg.pushBlob("team/app", source() as never);
    expect(pushed.digest).toBe(digest);
    expect(Buffer.from(await reg.blob("team/app", digest).bytes())).toEqual(bytes);
  });

  it.each([
    ["a string", "abc"],
    ["a number", 42],
    ["an object", { length: 3 }],
  ])("a factory returning %s is a UsageError naming what it got", async (_what, made) => {
    const { reg } = fakeDistribution({});
    const error = await reg.pushBlob("team/app", (() => made) as never).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/source function returned must be a readable stream .*, got/);
  });
});
