/**
 * The fault × command matrix (issue 10), through the client: each fault the test kit's fault proxy injects, in front
 * of a real registry, against each command. Transient faults (one cut, one stall, one 503, one 429, one corrupt
 * blob) must be survived by retrying; persistent and lying ones refused with a typed error. Either way the disk is
 * clean (no temporary or partial file, except pull's resume data, which the error must name) and so is the target
 * (no manifest or tag written after a failure). The table itself is `faultCases()` in @regatta/testkit; the CLI runs
 * its `blob`-to-stdout row as a process (apps/cli/src/cli-faults.int.test.ts).
 */
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  countCases,
  type FaultCase,
  type FaultProxy,
  faultCases,
  type GeneratedImage,
  generateImage,
  pushImage,
  startFaultProxy,
  tempDirs,
  useRegistry,
} from "@regatta/testkit";
import { afterAll, beforeAll, describe, type ExpectStatic, it } from "vitest";
import {
  type ConnectOptions,
  createClient,
  DigestMismatchError,
  RegattaError,
  type RegistryClient,
  RegistryError,
  TimeoutError,
} from "./index.js";

/** Short timeouts and a small retry budget keep the matrix near a minute. */
const OPTIONS: ConnectOptions = {
  retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 2000 },
  // request: the whole of a small request (manifest, tags, upload open/close); idle: see below, by case.
  timeouts: { connect: 1000, request: 2500 },
  concurrency: 2,
};
/**
 * The idle timeout (no byte moved for that long) of every case but a stall, which none of them may meet: far above
 * the pauses of a loaded 2-core machine. At 700 ms, healthy answers timed out when the machine was busy (CI runs three
 * Node versions at once): with two runs at once beside three busy loops, 12 and 15 of 111 cases failed with a
 * TimeoutError, and the event loop of this file's worker paused for up to 0.8 s. No case needs it to fire: a client
 * that hung on a cut or a lie instead of failing would still fail its case, only later.
 */
const IDLE_MS = 15_000;
/**
 * A stall is the case about the idle timeout: its server sends nothing more until the client gives up (the fault
 * proxy keeps the request open for good), so the client's own clock is all that ends it. Long enough that the healthy
 * requests before the stall do not meet it on a busy machine (twice the longest pause measured above; were it met,
 * the stall would not be reached, which the check that the fault was injected reports), and short enough to fire
 * before the small requests' deadline (`request`, 2.5 s) even on undici's coarse clock (timeouts of 1 s or more tick
 * every ~0.5 s), so that the idle timeout, not the deadline, gives up on a stalled manifest or tags list.
 */
const STALL_IDLE_MS = 1500;
const isStall = (c: FaultCase) => c.rules.some((rule) => rule.fault.type === "stall");
const KINDS: Record<string, abstract new (...args: never[]) => Error> = {
  RegattaError,
  RegistryError,
  TimeoutError,
  DigestMismatchError,
};
/** What a failed pull may leave: its resume data, named in the error. */
const RESUME = /^\.app\.tar\.regatta-partial(\.json)?$|^\.regatta-partial$/;

const cases = faultCases();
const temp = tempDirs("regatta-faults-");

describe("fault × command matrix (client)", () => {
  const source = useRegistry("none");
  const target = useRegistry("none");
  let image: GeneratedImage;
  let layout: string;

  beforeAll(async () => {
    image = await generateImage({ layers: [400_000], seed: "fault-matrix" });
    for (const tag of ["v1", "v2", "v3"]) await pushImage(source.url, "m/app", tag, image);
    // What `push` sends: an OCI layout on disk, pulled once without faults.
    layout = join(temp(), "layout");
    const reg = createClient(source.host);
    await reg.pull(`${source.host}/m/app:v1`, layout, { format: "oci" });
    await reg.close();
  }, 60_000);

  afterAll(() => {
    // The count of cases per command and fault, for the closing note.
    console.log(`fault matrix (client): ${cases.length} cases`, JSON.stringify(countCases(cases), null, 1));
  });

  /** Runs one command through the proxies; resolves with nothing, checking the result as it goes. */
  async function run(
    expect: ExpectStatic,
    c: FaultCase,
    reg: RegistryClient,
    from: FaultProxy,
    to: FaultProxy,
    dir: string,
    id: string,
  ): Promise<void> {
    const layer = image.layers[0]!;
    const ref = `${from.host}/m/app:v1`;
    switch (c.command) {
      case "manifest": {
        const got = await reg.manifest(ref);
        expect(got.digest).toBe(image.manifest.digest);
        return;
      }
      case "tags":
        expect(await reg.allTags(`${from.host}/m/app`)).toEqual(["v1", "v2", "v3"]);
        return;
      case "blob-file": {
        await reg.blob(`${from.host}/m/app`, layer.digest).toFile(join(dir, "layer"));
        expect(readFileSync(join(dir, "layer")).equals(layer.bytes)).toBe(true);
        return;
      }
      case "blob-stdout": {
        const chunks: Buffer[] = [];
        for await (const chunk of await reg.blob(`${from.host}/m/app`, layer.digest).stream())
          chunks.push(chunk);
        expect(Buffer.concat(chunks).equals(layer.bytes)).toBe(true);
        return;
      }
      case "pull-docker":
        await reg.pull(ref, join(dir, "app.tar"), { format: "docker" });
        return;
      case "pull-oci":
        await reg.pull(ref, join(dir, "oci"), { format: "oci" });
        return;
      case "pull-dir":
        await reg.pull(ref, join(dir, "dir"), { format: "dir" });
        return;
      case "push": {
        const pushed = await reg.push(layout, `${to.host}/t/${id}:v1`, { format: "oci" });
        expect(pushed.digest).toBe(image.manifest.digest);
        return;
      }
      case "copy": {
        const copied = await reg.copy(ref, `${to.host}/t/${id}:v1`);
        expect(copied.digest).toBe(image.manifest.digest);
        return;
      }
      case "put-blob": {
        const bytes = randomBytes(400_000);
        const pushed = await reg.pushBlob(`${to.host}/t/${id}`, bytes);
        expect(await reg.blob(`${target.host}/t/${id}`, pushed.digest).exists()).toBe(true);
        return;
      }
    }
  }

  /** Nothing on disk but the result (after success) or pull's named resume data (after a failure). */
  function expectCleanDisk(expect: ExpectStatic, c: FaultCase, dir: string, error: unknown): void {
    const entries = readdirSync(dir);
    const ok = error === undefined;
    switch (c.command) {
      case "blob-file":
        expect(entries).toEqual(ok ? ["layer"] : []);
        return;
      case "pull-docker":
        if (ok) expect(entries).toEqual(["app.tar"]);
        else {
          expect(entries.filter((e) => !RESUME.test(e))).toEqual([]);
          if (entries.length) expect((error as Error).message).toContain(".app.tar.regatta-partial");
        }
        return;
      case "pull-oci":
      case "pull-dir": {
        const root = join(dir, c.command === "pull-oci" ? "oci" : "dir");
        const inside = existsSync(root) ? readdirSync(root) : [];
        if (ok) expect(inside).not.toContain(".regatta-partial");
        else {
          // No index.json or manifest under a final name: the layout is not half-written.
          expect(inside.filter((e) => e === "index.json" || e === "manifest.json")).toEqual([]);
          if (inside.includes(".regatta-partial"))
            expect((error as Error).message).toContain(".regatta-partial");
        }
        return;
      }
      default:
        expect(entries).toEqual([]);
    }
  }

  /** No manifest or tag at the target after a failed write: HEAD answers 404. */
  async function expectCleanTarget(expect: ExpectStatic, id: string): Promise<void> {
    const answer = await fetch(`${target.url}/v2/t/${id}/manifests/v1`, {
      method: "HEAD",
      headers: { accept: `${image.manifest.mediaType}, application/vnd.oci.image.index.v1+json` },
    });
    expect(answer.status).toBe(404);
  }

  // Concurrent: most of a case is waiting (timeouts, Retry-After, throttles); each has its own proxies and paths.
  it.concurrent.for(cases)("$command × $fault", async (c, { expect }) => {
    const from = await startFaultProxy(source.url, c.rules);
    const to = await startFaultProxy(target.url, c.rules);
    const stall = isStall(c);
    const timeouts = { ...OPTIONS.timeouts, idle: stall ? STALL_IDLE_MS : Math.max(IDLE_MS, c.idleMs ?? 0) };
    const reg = createClient(from.host, { ...OPTIONS, timeouts });
    const dir = temp();
    const id = randomBytes(6).toString("hex");
    const started = Date.now();
    let error: unknown;
    try {
      await run(expect, c, reg, from, to, dir, id);
    } catch (e) {
      error = e;
    } finally {
      await reg.close();
      await from.close();
      await to.close();
    }
    // Within the table's bound (6 s): one idle timeout and the requests before it took at most 3.8 s with the cores
    // oversubscribed five times.
    if (c.maxMs) expect(Date.now() - started).toBeLessThan(c.maxMs);
    if (c.expect.ok) {
      expect(error).toBeUndefined();
      if (c.minMs) expect(Date.now() - started).toBeGreaterThanOrEqual(c.minMs);
    } else {
      expect(error).toBeInstanceOf(KINDS[c.expect.error]);
      const typed = error as RegattaError;
      expect(typed.code).toMatch(/^[A-Z_]+$/);
      if (c.expect.status !== undefined) expect(typed.status).toBe(c.expect.status);
      expect(typed.message).not.toMatch(/\n\s+at /);
      if (c.command === "push" || c.command === "copy") await expectCleanTarget(expect, id);
    }
    expectCleanDisk(expect, c, dir, error);
    // The fault was injected: a case whose rules never matched proves nothing.
    expect(from.faulted().length + to.faulted().length).toBeGreaterThan(0);
  });
});
