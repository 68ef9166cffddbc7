/**
 * The retry policy and concern on their own (retry.ts), with the clock, the sleep and the dice injected: which
 * failures are retried and how often, how long each wait is (full jitter; a 429 at least 1 s; the server's
 * Retry-After up to a cap), the log line of each retry, what is done with a discarded answer, and an abort during
 * a wait.
 */
import { Readable } from "node:stream";
import {
  AbortError,
  ProtocolError,
  RegistryUnreachableError,
  TimeoutError,
  TooManyRequestsError,
} from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { bodySource, type Exchange, type RawResponse } from "./exchange.js";
import {
  abortableSleep,
  backoffDelay,
  NOTICE_WAIT_MS,
  noteRetryAfter,
  parseRetryAfter,
  RetryBudget,
  type RetryConfig,
  rateLimitedDelay,
  retrying,
  retryPolicy,
} from "./retry.js";
import { testExchange } from "./test-helpers.js";

const exchange = testExchange();
const answer = (status: number, headers: Record<string, string> = {}): RawResponse => ({
  status,
  headers,
  url: "https://reg.example/v2/",
  body: Readable.from([Buffer.from("body")]),
});
const refused = () =>
  new RegistryUnreachableError("refused", {
    retryable: true,
    cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }),
  });
const reset = () =>
  new RegistryUnreachableError("reset", {
    retryable: true,
    cause: Object.assign(new Error("x"), { code: "ECONNRESET" }),
  });

function setup(overrides: Partial<RetryConfig> = {}) {
  const sleeps: number[] = [];
  const lines: string[] = [];
  const config: RetryConfig = {
    attempts: 3,
    baseDelayMs: 200,
    maxDelayMs: 5000,
    maxRetryAfterMs: 60_000,
    sleep: async (ms) => void sleeps.push(ms),
    now: () => 0,
    random: () => 0.5,
    logger: (l) => lines.push(l),
    ...overrides,
  };
  const policy = retryPolicy(config);
  /** Runs the concern over a script of answers and failures (then 200s), recording each attempt. */
  const run = async (script: (RawResponse | Error)[], ex: Partial<Exchange> = {}) => {
    let attempts = 0;
    const result = await retrying(policy)(async () => {
      attempts++;
      const next = script.shift() ?? answer(200);
      if (next instanceof Error) throw next;
      return next;
    })({ ...exchange, ...ex }).catch((e: unknown) => e);
    return { result, attempts };
  };
  return { policy, run, sleeps, lines, config };
}

describe("notices of long waits (shown without -v)", () => {
  it("a wait of 2 s or more is told, with the request, the reason and whether the server asked for it", async () => {
    const notices: string[] = [];
    const s = setup({ notice: (l) => notices.push(l), maxRetryAfterMs: 120_000 });
    const url = new URL("https://u:hunter2@reg.example/v2/a/manifests/1?X-Amz-Signature=abcdef0123456789");
    const { result } = await s.run(
      [
        answer(429, { "retry-after": "30" }),
        answer(503, { "retry-after": "90" }),
        answer(503), // backoff: 0.5 × 200 · 2² = 400 ms, not told
      ],
      { url },
    );
    expect((result as RawResponse).status).toBe(200);
    expect(s.sleeps).toEqual([30_000, 90_000, 400]);
    expect(notices).toEqual([
      "waiting 30 s before retrying GET https://reg.example/v2/a/manifests/1?X-Amz-Signature=REDACTED (1/3): 429 Too Many Requests, as its Retry-After asks",
      "waiting 1 min 30 s before retrying GET https://reg.example/v2/a/manifests/1?X-Amz-Signature=REDACTED (2/3): 503 Service Unavailable, as its Retry-After asks",
    ]);
    expect(notices.join("\n")).not.toContain("hunter2");
  });

  it("a long backoff after a failure is told too; short ones and waits not taken are not", async () => {
    const notices: string[] = [];
    const long = setup({ notice: (l) => notices.push(l), random: () => 1, baseDelayMs: 2000 });
    await long.run([reset()]);
    expect(long.sleeps).toEqual([2000]);
    expect(notices).toEqual(["waiting 2 s before retrying GET https://reg.example/v2/ (1/3): reset"]);
    notices.length = 0;
    const short = setup({ notice: (l) => notices.push(l) });
    await short.run([reset(), answer(502), answer(429, { "retry-after": "3600" })]);
    expect(notices).toEqual([]); // 100 ms, 200 ms, then a Retry-After beyond the cap: reported, not waited for
  });

  it("policy.wait announces a long wait it is told the reason of, in the retry concern's words, then sleeps", async () => {
    // The one wording and threshold for every caller: the upload recovery waits through it too.
    const notices: string[] = [];
    const s = setup({ notice: (l) => notices.push(l) });
    const budget = s.policy.budget(4);
    budget.take();
    const why = { before: "going on with the upload", budget, reason: "503 Service Unavailable" };
    await s.policy.wait(NOTICE_WAIT_MS - 1, undefined, why); // short: not told
    await s.policy.wait(NOTICE_WAIT_MS, undefined, why);
    await s.policy.wait(90_000); // no reason given: a wait nobody asked to announce
    budget.take();
    await s.policy.wait(90_001, undefined, why);
    expect(s.sleeps).toEqual([1999, 2000, 90_000, 90_001]);
    expect(notices).toEqual([
      "waiting 2 s before going on with the upload (1/4): 503 Service Unavailable",
      "waiting 1 min 31 s before going on with the upload (2/4): 503 Service Unavailable",
    ]);
  });

  it("policy.wait is told before it sleeps, and an abort wakes it with the signal's reason", async () => {
    const events: string[] = [];
    const s = setup({
      notice: (l) => events.push(`notice ${l.slice(0, 12)}`),
      sleep: (ms, signal) =>
        new Promise<void>((_resolve, reject) => {
          events.push(`sleep ${ms}`);
          signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
        }),
    });
    const controller = new AbortController();
    const why = { before: "retrying GET x", budget: s.policy.budget(), reason: "reset" };
    const waiting = s.policy.wait(5000, controller.signal, why);
    const reason = new AbortError("stop");
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(events).toEqual(["notice waiting 5 s ", "sleep 5000"]);
  });
});

describe("delays", () => {
  it("full jitter: random × min(cap, base · 2^attempt), rounded", () => {
    expect(backoffDelay(0, 200, 5000, () => 0.5)).toBe(100);
    expect(backoffDelay(1, 200, 5000, () => 0.5)).toBe(200);
    expect(backoffDelay(2, 200, 5000, () => 0.333)).toBe(266);
    expect(backoffDelay(5, 200, 5000, () => 0.5)).toBe(2500);
  });

  it("a 429: at least 1 s, doubling up to the cap, plus up to as much again", () => {
    expect(rateLimitedDelay(0, 5000, () => 0)).toBe(1000);
    expect(rateLimitedDelay(0, 5000, () => 1)).toBe(2000);
    expect(rateLimitedDelay(1, 5000, () => 0.5)).toBe(3000);
    expect(rateLimitedDelay(3, 5000, () => 0)).toBe(5000);
    expect(rateLimitedDelay(2, 500, () => 0)).toBe(1000); // the floor wins over a smaller cap
  });

  it("Retry-After: seconds (trimmed), an HTTP date from now (never negative), or nothing", () => {
    expect(parseRetryAfter("120", 0)).toBe(120_000);
    expect(parseRetryAfter(" 5 ", 0)).toBe(5000);
    // Not delay-seconds, and not an HTTP-date either, though Date.parse would take them for dates decades away.
    // Day names are case-sensitive (RFC 9110 §5.6.7: %s"Mon").
    for (const odd of [
      "1.5",
      "-3",
      "0.5",
      "5s",
      "1 Jan 2030 00:00:00 GMT",
      "2030-01-01",
      "mon, 01 Jan 2100 00:00:00 GMT",
    ]) {
      expect(parseRetryAfter(odd, 0)).toBeUndefined();
    }
    expect(parseRetryAfter("Thu, 01 Jan 1970 00:01:00 GMT", 20_000)).toBe(40_000);
    // The obsolete forms a recipient must still read (RFC 9110 §5.6.7), each naming a day first.
    expect(parseRetryAfter("Thursday, 01-Jan-70 00:01:00 GMT", 20_000)).toBe(40_000);
    expect(parseRetryAfter("Thu Jan  1 00:01:00 1970", 20_000)).toBeTypeOf("number");
    for (const day of ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]) {
      expect(parseRetryAfter(`${day}, 01 Jan 2100 00:00:00 GMT`, 0)).toBe(Date.UTC(2100, 0, 1));
    }
    expect(parseRetryAfter("Thu, 01 Jan 1970 00:00:00 GMT", 20_000)).toBe(0);
    expect(parseRetryAfter("", 0)).toBeUndefined();
  });

  it("the policy: a 429 backs off harder; delayAfter prefers the answer's Retry-After up to the cap", () => {
    const { policy } = setup();
    expect(policy.delay(0)).toBe(100);
    expect(policy.delay(0, 503)).toBe(100);
    expect(policy.delay(0, 429)).toBe(1500);
    const limited = new TooManyRequestsError("429", { status: 429 });
    expect(policy.delayAfter(1, limited)).toBe(3000);
    noteRetryAfter(limited, 60_000);
    expect(policy.delayAfter(1, limited)).toBe(60_000);
    const tooLong = new TooManyRequestsError("429", { status: 429 });
    noteRetryAfter(tooLong, 60_001);
    expect(policy.delayAfter(0, tooLong)).toBeUndefined();
    const none = new TooManyRequestsError("429", { status: 429 });
    noteRetryAfter(none, undefined);
    expect(policy.delayAfter(0, none)).toBe(1500);
    expect(policy.delayAfter(2, new Error("plain"))).toBe(400);
    expect(policy.delayAfter(2, "not an object")).toBe(400);
    expect(policy.delayAfter(2, null)).toBe(400);
  });

  it("budgets: the default is the configured attempts, or a given limit", () => {
    const { policy } = setup({ attempts: 2 });
    const budget = policy.budget();
    expect(budget.limit).toBe(2);
    expect([budget.take(), budget.take(), budget.take()]).toEqual([true, true, false]);
    expect(budget.used).toBe(2);
    expect(policy.budget(5).limit).toBe(5);
    const none = new RetryBudget(0);
    expect(none.take()).toBe(false);
    expect(none.used).toBe(0);
  });
});

describe("abortableSleep", () => {
  it("without a signal, just sleeps", async () => {
    const slept: number[] = [];
    await abortableSleep(async (ms) => void slept.push(ms), 25, undefined);
    expect(slept).toEqual([25]);
  });

  it("an already aborted signal fails at once with its reason, without sleeping", async () => {
    const slept: number[] = [];
    const reason = new Error("gone");
    await expect(
      abortableSleep(async (ms) => void slept.push(ms), 25, AbortSignal.abort(reason)),
    ).rejects.toBe(reason);
    expect(slept).toEqual([]);
  });

  it("wakes with the reason when aborted during the sleep, and removes its listener after", async () => {
    const controller = new AbortController();
    const reason = new Error("stop");
    const pending = abortableSleep(() => new Promise(() => {}), 10_000, controller.signal);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    const quiet = new AbortController();
    const added: string[] = [];
    const removed: string[] = [];
    quiet.signal.addEventListener = ((type: string) => void added.push(type)) as never;
    quiet.signal.removeEventListener = ((type: string) => void removed.push(type)) as never;
    await abortableSleep(async () => {}, 1, quiet.signal);
    expect(added).toEqual(["abort"]);
    expect(removed).toEqual(["abort"]);
  });
});

describe("retrying", () => {
  it("retries a retryable status until the budget is spent, logging each retry, and returns the last answer", async () => {
    const { run, sleeps, lines } = setup({ attempts: 2 });
    const { result, attempts } = await run([answer(503), answer(502), answer(500)]);
    expect((result as RawResponse).status).toBe(500);
    expect(attempts).toBe(3);
    expect(sleeps).toEqual([100, 200]);
    expect(lines).toEqual([
      "~ retry 1/2 in 100ms: 503 Service Unavailable",
      "~ retry 2/2 in 200ms: 502 Bad Gateway",
    ]);
  });

  it("does not retry a status that is not transient", async () => {
    for (const status of [200, 400, 401, 404, 501]) {
      const { run, sleeps } = setup();
      const { result, attempts } = await run([answer(status)]);
      expect((result as RawResponse).status).toBe(status);
      expect(attempts).toBe(1);
      expect(sleeps).toEqual([]);
    }
  });

  it("honours Retry-After up to the cap, and returns an answer that asks for longer", async () => {
    const { run, sleeps } = setup({ maxRetryAfterMs: 3000 });
    const ok = await run([answer(503, { "retry-after": "3" })]);
    expect((ok.result as RawResponse).status).toBe(200);
    expect(sleeps).toEqual([3000]);
    const long = await run([answer(429, { "retry-after": "4" })]);
    expect((long.result as RawResponse).status).toBe(429);
    expect(long.attempts).toBe(1);
  });

  it("reads a Retry-After date against the injected clock", async () => {
    const { run, sleeps } = setup({ now: () => 10_000 });
    await run([answer(503, { "retry-after": new Date(12_500).toUTCString() })]);
    expect(sleeps).toEqual([2000]); // HTTP dates have whole seconds: 12 s − 10 s
  });

  it("hands each discarded answer to onDiscard (its failure ignored) before releasing it", async () => {
    const { run } = setup();
    const seen: number[] = [];
    const { result } = await run([answer(503), answer(429)], {
      onDiscard: async (r) => {
        seen.push(r.status);
        throw new Error("ignored");
      },
    });
    expect((result as RawResponse).status).toBe(200);
    expect(seen).toEqual([503, 429]);
  });

  it("never retries a request that cannot be replayed", async () => {
    for (const ex of [{ idempotent: false }, { body: bodySource(Readable.from(["x"])) }]) {
      const { run, sleeps } = setup();
      const status = await run([answer(503)], ex);
      expect((status.result as RawResponse).status).toBe(503);
      const thrown = reset();
      const failure = await run([thrown], ex);
      expect(failure.result).toBe(thrown);
      expect(failure.attempts).toBe(1);
      expect(sleeps).toEqual([]);
    }
  });

  it("retries a retryable error with the ordinary backoff, and gives up with it when the budget is spent", async () => {
    const { run, sleeps, lines } = setup({ attempts: 1 });
    const last = reset();
    const { result, attempts } = await run([reset(), last]);
    expect(result).toBe(last);
    expect(attempts).toBe(2);
    expect(sleeps).toEqual([100]);
    expect(lines).toEqual(["~ retry 1/1 in 100ms: reset"]);
  });

  it("does not retry an error that is not retryable, nor one that is not a RegattaError", async () => {
    for (const thrown of [new TimeoutError("idle"), new ProtocolError("bad"), new Error("bug")]) {
      const { run, sleeps } = setup();
      const { result, attempts } = await run([thrown]);
      expect(result).toBe(thrown);
      expect(attempts).toBe(1);
      expect(sleeps).toEqual([]);
    }
  });

  it("a refused connection gets one more look, not the whole budget", async () => {
    const { run, sleeps } = setup({ attempts: 5 });
    const second = refused();
    const { result, attempts } = await run([refused(), second, answer(200)]);
    expect(result).toBe(second);
    expect(attempts).toBe(2);
    expect(sleeps).toEqual([100]);
    // Refusals are counted, not consecutive failures: a reset in between does not reset the count.
    const mixed = setup({ attempts: 5 });
    const last = refused();
    const again = await mixed.run([refused(), reset(), last]);
    expect(again.result).toBe(last);
    expect(again.attempts).toBe(3);
  });

  it("uses the exchange's budget when it has one, shared between requests", async () => {
    const { run, sleeps } = setup({ attempts: 5 });
    const budget = new RetryBudget(1);
    const first = await run([answer(503), answer(503)], { budget });
    expect((first.result as RawResponse).status).toBe(503);
    expect(first.attempts).toBe(2);
    const second = await run([answer(503)], { budget });
    expect(second.attempts).toBe(1);
    expect(sleeps).toEqual([100]);
  });

  it("an abort during a wait fails with the signal's reason, or a typed AbortError", async () => {
    const never = () => new Promise<void>(() => {});
    const withReason = setup({ sleep: never });
    const controller = new AbortController();
    const reason = new TimeoutError("deadline");
    const pending = withReason.run([answer(503)], { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 10);
    expect((await pending).result).toBe(reason);

    const plain = setup({ sleep: never });
    const c2 = new AbortController();
    const p2 = plain.run([answer(503)], { signal: c2.signal, context: "list tags" });
    setTimeout(() => c2.abort(), 10);
    const err = (await p2).result as AbortError;
    expect(err).toBeInstanceOf(AbortError);
    expect(err.message).toBe("list tags: aborted (GET https://reg.example/v2/)");
  });
});
