import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type FaultRule,
  generateImage,
  pushImage,
  startFaultProxy,
  tempDirs,
  useRegistry,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { connect, type TransferEvent } from "../index.js";

const MiB = 1024 * 1024;
const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const temp = tempDirs("regatta-resume-");
const CLIENT = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

describe("an interrupted pull resumes, and never leaves a corrupt file under a final name", () => {
  const registry = useRegistry("none");
  let image: Awaited<ReturnType<typeof generateImage>>;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    image = await generateImage({ layers: [3 * MiB, 3 * MiB, 3 * MiB], seed: "resume" });
    await pushImage(registry.url, "resume/app", "v1", image);
    await pushImage(registry.url, "resume/app", "v2", image);
  }, 60_000);

  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  /** A client through a proxy that logs requests (and cuts or slows them when asked). */
  async function viaProxy(rules: FaultRule[] = []) {
    const proxy = await startFaultProxy(registry.url, rules);
    const reg = await connect(proxy.url);
    closers.push(
      () => reg.close(),
      () => proxy.close(),
    );
    return { proxy, reg, ref: `${proxy.host}/resume/app:v1` };
  }

  /** Pulls one blob at a time and aborts once `digest` has `after` bytes: the pull stops mid-blob. */
  function abortMidBlob(digest: string, after: number) {
    const controller = new AbortController();
    return {
      concurrency: 1,
      signal: controller.signal,
      onProgress(event: TransferEvent) {
        if (
          event.type === "blob" &&
          event.state === "bytes" &&
          event.digest === digest &&
          event.bytes >= after
        )
          controller.abort();
      },
    };
  }

  const [first, second] = [() => image.layers[0]!, () => image.layers[1]!];
  const rangesFor = (requests: { path: string; range?: string }[], digest: string) =>
    requests.filter((r) => r.path.endsWith(digest)).map((r) => r.range ?? "");

  it("OCI layout: complete blobs are kept, the partial one continues with a Range request", async () => {
    const { proxy, reg, ref } = await viaProxy();
    const layout = join(temp(), "layout");
    await expect(reg.pull(ref, layout, abortMidBlob(second().digest, MiB))).rejects.toThrow();
    const blobs = join(layout, "blobs", "sha256");
    expect(readdirSync(blobs).sort()).toEqual([image.config.digest.slice(7), first().digest.slice(7)].sort());
    expect(existsSync(join(layout, "index.json"))).toBe(false);
    const partial = join(layout, ".regatta-partial", `sha256-${second().digest.slice(7)}.partial`);
    const held = statSync(partial).size;
    expect(held).toBeGreaterThanOrEqual(MiB);
    expect(held).toBeLessThan(second().bytes.length);

    proxy.requests.length = 0;
    const result = await reg.pull(ref, layout);
    expect(result.blobs).toEqual({ total: 4, downloaded: 1, resumed: 1, cached: 2 });
    expect(rangesFor(proxy.requests, second().digest)).toEqual([`bytes=${held}-`]);
    expect(rangesFor(proxy.requests, first().digest)).toEqual([]);
    expect(result.bytes.downloaded).toBe(second().bytes.length - held + image.layers[2]!.bytes.length);
    for (const layer of image.layers)
      expect(sha256(readFileSync(join(blobs, layer.digest.slice(7))))).toBe(layer.digest);
    expect(existsSync(join(layout, ".regatta-partial"))).toBe(false);
  });

  it("docker archive: nothing under the final name until it is whole; the resumed tarball is the clean one", async () => {
    const { proxy, reg, ref } = await viaProxy();
    const dir = temp();
    const file = join(dir, "app.tar");
    await expect(reg.pull(ref, file, abortMidBlob(second().digest, MiB))).rejects.toThrow();
    expect(readdirSync(dir).sort()).toEqual([".app.tar.regatta-partial", ".app.tar.regatta-partial.json"]);

    proxy.requests.length = 0;
    const result = await reg.pull(ref, file);
    expect(result.blobs).toMatchObject({ resumed: 1, cached: 2 });
    expect(rangesFor(proxy.requests, second().digest)).toEqual([expect.stringMatching(/^bytes=\d+-$/)]);
    expect(readdirSync(dir)).toEqual(["app.tar"]);
    await reg.pull(ref, join(dir, "clean.tar"));
    expect(readFileSync(file).equals(readFileSync(join(dir, "clean.tar")))).toBe(true);
  });

  it("docker archive: resumed under another tag of the same image, the tarball names the tag asked for", async () => {
    const { reg, ref } = await viaProxy();
    const other = ref.replace(/:v1$/, ":v2");
    const dir = temp();
    const file = join(dir, "app.tar");
    await expect(reg.pull(other, file, abortMidBlob(second().digest, MiB))).rejects.toThrow();
    const result = await reg.pull(ref, file);
    expect(result.blobs).toMatchObject({ resumed: 1 });
    // manifest.json's RepoTags, repositories and index.json's annotations: :v1, as a clean pull of :v1 writes them.
    await reg.pull(ref, join(dir, "clean.tar"));
    expect(readFileSync(file).equals(readFileSync(join(dir, "clean.tar")))).toBe(true);
  });

  it("a connection cut mid-blob is taken up again with a Range request within the same pull", async () => {
    const { proxy, reg, ref } = await viaProxy([
      {
        method: "GET",
        path: new RegExp(`${second().digest}$`),
        when: (request) => !request.headers.range,
        fault: { type: "drop", afterBytes: MiB + 123 },
      },
    ]);
    const result = await reg.pull(ref, join(temp(), "layout"));
    expect(result.blobs).toMatchObject({ total: 4, downloaded: 4 });
    const ranges = rangesFor(proxy.requests, second().digest);
    expect(ranges[0]).toBe("");
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(ranges[1]!)![0])).toBeLessThanOrEqual(MiB + 123);
  });

  it("a partial blob that does not verify is fetched again from the start", async () => {
    const { proxy, reg, ref } = await viaProxy();
    const layout = join(temp(), "layout");
    await expect(reg.pull(ref, layout, abortMidBlob(second().digest, MiB))).rejects.toThrow();
    const partial = join(layout, ".regatta-partial", `sha256-${second().digest.slice(7)}.partial`);
    const bytes = readFileSync(partial);
    bytes.fill(0, 0, 4096);
    writeFileSync(partial, bytes);

    proxy.requests.length = 0;
    const result = await reg.pull(ref, layout);
    expect(rangesFor(proxy.requests, second().digest)).toEqual([`bytes=${bytes.length}-`, ""]);
    expect(result.blobs.total).toBe(4);
    expect(sha256(readFileSync(join(layout, "blobs", "sha256", second().digest.slice(7))))).toBe(
      second().digest,
    );
  });

  it("a tarball's state file records each blob as soon as it is in place, not at the next periodic save", async () => {
    const { reg, ref } = await viaProxy();
    const dir = temp();
    const file = join(dir, "eager.tar");
    const state = join(dir, ".eager.tar.regatta-partial.json");
    const seen: boolean[] = [];
    await reg.pull(ref, file, {
      concurrency: 1,
      onProgress(event) {
        // Read when the pull reports the blob done: a SIGKILL now must not cost it again.
        if (event.type === "blob" && event.state === "done" && event.digest && existsSync(state)) {
          const record = JSON.parse(readFileSync(state, "utf8")).blobs[event.digest] as { done?: boolean };
          seen.push(record?.done === true);
        }
      },
    });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every(Boolean)).toBe(true);
  });

  it("a pulling process killed with SIGKILL leaves a tarball the next pull finishes", async () => {
    // Slow enough that the process is surely mid-download when it is killed.
    const { proxy, reg, ref } = await viaProxy([
      {
        method: "GET",
        path: /\/blobs\/sha256:/,
        times: Number.POSITIVE_INFINITY,
        fault: { type: "slow", bytesPerSecond: 3 * MiB },
      },
    ]);
    const dir = temp();
    const file = join(dir, "killed.tar");
    const script = `import { connect } from ${JSON.stringify(CLIENT)};
const reg = await connect(${JSON.stringify(proxy.url)});
await reg.pull(${JSON.stringify(ref)}, ${JSON.stringify(file)}, { concurrency: 2 });`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "ignore" });
    const state = join(dir, ".killed.tar.regatta-partial.json");
    const deadline = Date.now() + 20_000;
    // Wait until the state file records bytes of a layer, then kill without warning.
    for (;;) {
      if (Date.now() > deadline) throw new Error("the child never started downloading");
      if (existsSync(state)) {
        const blobs = Object.values(JSON.parse(readFileSync(state, "utf8")).blobs) as {
          written: number;
          done?: boolean;
        }[];
        // A layer part-way: a blob already done (the small config, saved the moment it lands) is no partial one.
        if (blobs.some((b) => b.written > 0 && !b.done)) break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    expect(existsSync(file)).toBe(false);

    proxy.requests.length = 0;
    const result = await reg.pull(ref, file);
    expect(result.blobs.resumed + result.blobs.cached).toBeGreaterThan(0);
    expect(proxy.requests.some((r) => r.range)).toBe(true);
    await reg.pull(ref, join(dir, "clean.tar"));
    expect(readFileSync(file).equals(readFileSync(join(dir, "clean.tar")))).toBe(true);
  }, 60_000);
});
