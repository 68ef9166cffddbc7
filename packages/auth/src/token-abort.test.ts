import { getEventListeners } from "node:events";
import { AbortError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { createAuthenticator } from "./create-authenticator.js";
import { repositoryScope } from "./scope.js";
import { fakeSend, tokenBody } from "./test-helpers.js";

// A caller's signal while its token request is in flight (create-authenticator.test.ts aborts before the request
// starts; mutation testing showed the in-flight path untested; docs/testing.md).

const pull = [repositoryScope("a")];

/** An authenticator whose token server answers only when `release` is called, and a promise of its first request. */
function gated(answer: () => { status?: number; body?: string }) {
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let started!: () => void;
  const inFlight = new Promise<void>((r) => {
    started = r;
  });
  const send = fakeSend(async () => {
    started();
    await gate;
    return answer();
  });
  const auth = createAuthenticator({ send });
  auth.learn("r.io", 'Bearer realm="https://r.io/token"');
  return { auth, send, release, inFlight };
}

describe("a signal on a token request in flight", () => {
  it("aborting rejects that caller with AbortError carrying the reason; the shared request still serves the others", async () => {
    const { auth, send, release, inFlight } = gated(() => ({ body: tokenBody("t") }));
    const controller = new AbortController();
    const mine = auth.authorization({ registry: "r.io", scopes: pull, signal: controller.signal });
    await inFlight;
    const reason = new Error("user pressed Ctrl-C");
    controller.abort(reason);
    const error = await mine.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).message).toContain("token request aborted");
    expect((error as AbortError).cause).toBe(reason);
    release();
    expect(await auth.authorization({ registry: "r.io", scopes: pull })).toBe("Bearer t");
    expect(send.requests).toHaveLength(1);
  });

  it("a signal that is never aborted lets the token through", async () => {
    const { auth, release, inFlight } = gated(() => ({ body: tokenBody("t") }));
    const controller = new AbortController();
    const mine = auth.authorization({ registry: "r.io", scopes: pull, signal: controller.signal });
    await inFlight;
    release();
    expect(await mine).toBe("Bearer t");
    controller.abort(); // after the answer: changes nothing
    expect(await auth.authorization({ registry: "r.io", scopes: pull })).toBe("Bearer t");
  });

  it("leaves no listener on the caller's signal once the token arrives, fails, or the caller aborts", async () => {
    const answered = gated(() => ({ body: tokenBody("t") }));
    const failed = gated(() => ({ status: 500, body: "down" }));
    const aborted = gated(() => ({ body: tokenBody("t") }));
    const signals = [new AbortController(), new AbortController(), new AbortController()];
    const pending = [answered, failed, aborted].map(({ auth }, i) =>
      auth
        .authorization({ registry: "r.io", scopes: pull, signal: signals[i]!.signal })
        .catch(() => "failed"),
    );
    await Promise.all([answered.inFlight, failed.inFlight, aborted.inFlight]);
    expect(signals.map((c) => getEventListeners(c.signal, "abort").length)).toEqual([1, 1, 1]);
    answered.release();
    failed.release();
    signals[2]!.abort();
    expect(await Promise.all(pending)).toEqual(["Bearer t", "failed", "failed"]);
    // The aborted caller's shared request is still in flight: its listener went with the abort.
    expect(signals.map((c) => getEventListeners(c.signal, "abort").length)).toEqual([0, 0, 0]);
    aborted.release();
  });

  it("a failing token request rejects a caller with a signal with that failure, not an abort", async () => {
    const { auth, release, inFlight } = gated(() => ({ status: 500, body: "down" }));
    const controller = new AbortController();
    const mine = auth.authorization({ registry: "r.io", scopes: pull, signal: controller.signal });
    await inFlight;
    release();
    const error = await mine.catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(AbortError);
    expect((error as { status?: number }).status).toBe(500);
  });
});
