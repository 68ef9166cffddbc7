import { PassThrough, type Readable } from "node:stream";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { stoppableBody } from "./upload-stop.js";

/** V8's own collector, reachable without starting the process with --expose-gc (the flag is read at call time). */
function collector(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Reads `body` to its end without keeping what it read; the number of bytes. */
function drain(body: Readable): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    body.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
    });
    body.once("end", () => resolve(bytes));
    body.once("error", reject);
  });
}

describe("stoppableBody", () => {
  it("keeps no chunk it has handed on while its signal is alive (a per-chunk race with the abort held them all)", async () => {
    const gc = collector();
    const controller = new AbortController();
    const source = new PassThrough();
    const stoppable = stoppableBody(source, controller.signal);
    const reading = drain(stoppable.body);
    const handedOn: WeakRef<Buffer>[] = [];
    for (let i = 0; i < 64; i++) {
      const chunk = Buffer.alloc(64 * 1024, i);
      handedOn.push(new WeakRef(chunk));
      if (!source.write(chunk)) await new Promise((resolve) => source.once("drain", resolve));
    }
    source.end();
    expect(await reading).toBe(64 * 64 * 1024);
    // WeakRefs hold their target until the job that made them ends: collect in a later one.
    await tick();
    gc();
    await tick();
    const alive = handedOn.filter((ref) => ref.deref() !== undefined).length;
    // The upload (here: the signal and the body) is still alive, as it is until the registry answers.
    expect(controller.signal.aborted).toBe(false);
    expect(stoppable.stopped).toBeUndefined();
    expect(alive).toBeLessThan(4);
  });

  it("reads the source only as fast as the request takes the body (back-pressure)", async () => {
    const source = new PassThrough({ highWaterMark: 16 * 1024 });
    const stoppable = stoppableBody(source, new AbortController().signal);
    stoppable.body.pause();
    stoppable.body.read(0); // as a consumer that asked once and stopped
    let written = 0;
    const chunk = Buffer.alloc(16 * 1024);
    while (written < 64 * 1024 * 1024 && source.write(chunk)) written += chunk.length;
    await tick();
    // The source filled up and said so long before 64 MiB: nothing pulls it while the body is not read.
    expect(written).toBeLessThan(1024 * 1024);
    stoppable.body.destroy();
  });

  it("ends cleanly when the signal aborts, says why, and releases the source", async () => {
    const controller = new AbortController();
    const source = new PassThrough();
    const stoppable = stoppableBody(source, controller.signal);
    const reading = drain(stoppable.body);
    source.write(Buffer.alloc(1000));
    await tick();
    controller.abort(new Error("stop"));
    expect(await reading).toBe(1000);
    expect((stoppable.stopped as Error).message).toBe("stop");
    expect(source.destroyed).toBe(true);
  });

  it("ends cleanly when the source fails, with that failure as the reason", async () => {
    const source = new PassThrough();
    const stoppable = stoppableBody(source, undefined);
    const reading = drain(stoppable.body);
    source.write(Buffer.alloc(10));
    await tick();
    source.destroy(new Error("digest mismatch"));
    expect(await reading).toBe(10);
    expect((stoppable.stopped as Error).message).toBe("digest mismatch");
  });

  it("a body the HTTP client destroys (an early answer) releases the source and names no reason of its own", async () => {
    const source = new PassThrough();
    const stoppable = stoppableBody(source, new AbortController().signal);
    stoppable.body.on("error", () => {});
    stoppable.body.destroy();
    await tick();
    expect(source.destroyed).toBe(true);
    expect(stoppable.stopped).toBeUndefined();
  });

  it("an already aborted signal ends the body at once", async () => {
    const controller = new AbortController();
    controller.abort(new Error("before"));
    const source = new PassThrough();
    source.write(Buffer.alloc(5));
    const stoppable = stoppableBody(source, controller.signal);
    expect(await drain(stoppable.body)).toBe(0);
    expect((stoppable.stopped as Error).message).toBe("before");
  });
});
