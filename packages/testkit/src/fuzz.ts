import { RegattaError } from "@regatta/errors";

/**
 * Shared rules of the parser fuzz tests (`*.fuzz.test.ts`, issue 10): each parser gets at least {@link FUZZ_RUNS}
 * generated inputs per run, may only succeed or throw an error of the Regatta family (with a code and a message), and
 * must answer each input within {@link FUZZ_MAX_MS_PER_INPUT} of CPU time, so a super-linear path (a regex that backtracks, a loop
 * that does not advance) shows up as a finding rather than as a slow CI.
 */

/** Generated inputs per parser per run; `REGATTA_FUZZ_RUNS` overrides it (more for a soak, fewer while developing). */
export const FUZZ_RUNS: number = Number(process.env.REGATTA_FUZZ_RUNS) || 100_000;

/** The longest one input may take. Generous (a GC pause must not fail CI); a real blow-up takes seconds. */
export const FUZZ_MAX_MS_PER_INPUT = 250;

/**
 * The vitest timeout of a fuzz test: far above its ~10 s of CPU, because CI machines are shared and wall time can be
 * several times that; the per-input CPU bound, not this, is what catches a hang.
 */
export const FUZZ_TEST_TIMEOUT_MS = 180_000;

/** What {@link fuzzParse} saw: the parser's value, or the typed error it threw. */
export type FuzzOutcome<T> = { ok: true; value: T } | { ok: false; error: RegattaError };

/** A fuzz input the parser mishandled: an untyped throw, a typed error without code or message, or a slow answer. */
export class FuzzFinding extends Error {
  override name = "FuzzFinding";
}

const show = (input: unknown): string => {
  const text =
    input instanceof Uint8Array ? `bytes ${Buffer.from(input).toString("hex")}` : JSON.stringify(input);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
};

/**
 * Runs `parse` on one fuzz input and returns what it did; throws a {@link FuzzFinding} when it threw anything but a
 * RegattaError (a TypeError from a missing check, a RangeError from recursion), a RegattaError without a code or
 * message, or took longer than `maxMs` of CPU time.
 *
 * CPU time, not wall time: CI machines are shared, and a parser preempted by another process has not hung. But
 * `process.cpuUsage()` is a getrusage(2) that sums every thread of the process, about 10–30 µs in a vitest worker,
 * more than most parses: two per input were 16 of the 27 s of CPU of parse-reference's fuzz test. So the clock read
 * per input is the cheap monotonic one. A parse that took at most `maxMs` of wall time used at most that much CPU
 * (the parser runs on this one thread), so only an input slower than that on the wall is parsed again, this time
 * timed in CPU: the parsers are pure, so the second run does the same work, and a super-linear input is as slow
 * both times, while one that was merely preempted is fast in CPU.
 */
export function fuzzParse<T>(input: unknown, parse: () => T, maxMs = FUZZ_MAX_MS_PER_INPUT): FuzzOutcome<T> {
  const start = performance.now();
  const outcome = parseOnce(input, parse);
  if (performance.now() - start > maxMs) {
    const cpuStart = process.cpuUsage();
    parseOnce(input, parse);
    const used = process.cpuUsage(cpuStart);
    const ms = (used.user + used.system) / 1000;
    if (ms > maxMs) throw new FuzzFinding(`took ${ms.toFixed(0)} ms (limit ${maxMs} ms) for ${show(input)}`);
  }
  return outcome;
}

function parseOnce<T>(input: unknown, parse: () => T): FuzzOutcome<T> {
  try {
    return { ok: true, value: parse() };
  } catch (error) {
    if (!(error instanceof RegattaError)) {
      const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new FuzzFinding(`untyped failure (${what}) for ${show(input)}`, { cause: error });
    }
    if (!error.code || !error.message)
      throw new FuzzFinding(`typed error without code or message for ${show(input)}`, { cause: error });
    return { ok: false, error };
  }
}
