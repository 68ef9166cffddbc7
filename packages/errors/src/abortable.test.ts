import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { abortable } from "./index.js";

/** A promise and the functions that settle it. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("abortable", () => {
  it("without a signal is the promise's own outcome", async () => {
    await expect(abortable(Promise.resolve(7), undefined)).resolves.toBe(7);
    const failure = new Error("down");
    await expect(abortable(Promise.reject(failure), undefined)).rejects.toBe(failure);
  });

  it("with a signal that never aborts, resolves or rejects as the promise does and leaves no listener", async () => {
    const controller = new AbortController();
    const value = deferred<string>();
    const pending = abortable(value.promise, controller.signal);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    value.resolve("done");
    await expect(pending).resolves.toBe("done");
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);

    const failure = new Error("down");
    const failing = deferred<string>();
    const rejected = abortable(failing.promise, controller.signal);
    failing.reject(failure);
    await expect(rejected).rejects.toBe(failure);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("an already aborted signal rejects at once with its reason, and a later failure of the promise is nobody's", async () => {
    const reason = new Error("gone");
    const work = deferred<number>();
    await expect(abortable(work.promise, AbortSignal.abort(reason))).rejects.toBe(reason);
    // Would be an unhandled rejection (and fail the run) if the wait had not taken it.
    work.reject(new Error("late"));
    await new Promise((resolve) => setImmediate(resolve));
  });

  it("aborting during the wait rejects with the reason at once, removes the listener, and leaves the work alone", async () => {
    const controller = new AbortController();
    const work = deferred<number>();
    const pending = abortable(work.promise, controller.signal);
    const reason = new Error("Ctrl-C");
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    work.resolve(1);
    await expect(work.promise).resolves.toBe(1);
  });

  it("rejects with what `reason` makes of the signal, whether it aborted before or during the wait", async () => {
    const wrap = (signal: AbortSignal) => new Error("token request aborted", { cause: signal.reason });
    const before = await abortable(new Promise(() => {}), AbortSignal.abort("early"), wrap).catch(
      (e: Error) => e,
    );
    expect(before).toMatchObject({ message: "token request aborted", cause: "early" });
    const controller = new AbortController();
    const during = abortable(new Promise(() => {}), controller.signal, wrap).catch((e: Error) => e);
    controller.abort("late");
    expect(await during).toMatchObject({ message: "token request aborted", cause: "late" });
  });
});
