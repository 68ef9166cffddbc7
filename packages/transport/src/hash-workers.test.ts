/**
 * hash-workers.ts: a large blob hashed on a worker thread gives exactly node:crypto's digest, whatever the chunking
 * and however often the ring wraps; a full ring asks the caller to wait; the verifier over it fails the same way the
 * in-place one does; a digest being waited for keeps the process alive, an abandoned hash does not (issue 15).
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { DigestMismatchError, SizeMismatchError } from "@regatta/errors";
import { createDeferredVerifier } from "@regatta/manifest";
import { describe, expect, it } from "vitest";
import { blobVerifier, OFF_THREAD_MIN_BYTES, offThreadHash } from "./hash-workers.js";

const MiB = 1024 * 1024;
const content = randomBytes(7 * MiB + 123);
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Feeds `bytes` in chunks of the given sizes, round robin, awaiting back-pressure; counts the waits. */
async function feed(
  target: { update(chunk: Uint8Array): Promise<void> | undefined | void },
  bytes: Buffer,
  sizes: number[],
): Promise<number> {
  let waits = 0;
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = Math.min(sizes[i % sizes.length] as number, bytes.length - at);
    const wait = target.update(bytes.subarray(at, at + n));
    if (wait) {
      waits++;
      await wait;
    }
    at += n;
  }
  return waits;
}

describe("offThreadHash", () => {
  it("gives node:crypto's digest across every wrap of the ring, for odd and huge chunks alike", async () => {
    for (const sizes of [[65536], [1, 777, 65536, 3 * MiB, 5], [9 * MiB]]) {
      const hash = offThreadHash("sha256");
      expect(hash).toBeDefined();
      await feed(hash!, content, sizes);
      expect(await hash!.hex()).toBe(sha256(content));
    }
  });

  it("sha512 too", async () => {
    const hash = offThreadHash("sha512")!;
    await feed(hash, content, [100_000]);
    expect(await hash.hex()).toBe(createHash("sha512").update(content).digest("hex"));
  });

  it("asks the caller to wait when a chunk does not fit in the ring (memory stays bounded)", async () => {
    const hash = offThreadHash("sha256")!;
    const waits = await feed(hash, content, [3 * MiB]);
    expect(waits).toBeGreaterThan(0);
    expect(await hash.hex()).toBe(sha256(content));
  });

  it("several hashes at once keep their bytes apart", async () => {
    const parts = [content.subarray(0, 3 * MiB), content.subarray(MiB, 6 * MiB), content.subarray(2 * MiB)];
    const hashes = parts.map(() => offThreadHash("sha256")!);
    await Promise.all(parts.map((p, i) => feed(hashes[i]!, p, [65536 + i])));
    expect(await Promise.all(hashes.map((h) => h.hex()))).toEqual(parts.map(sha256));
  });

  it("an abandoned hash takes no more bytes", async () => {
    const hash = offThreadHash("sha256")!;
    hash.update(content.subarray(0, MiB));
    hash.abandon();
    expect(() => hash.update(content.subarray(0, 10))).toThrow(/after it ended/);
  });
});

describe("blobVerifier", () => {
  const digest = `sha256:${sha256(content)}`;

  it("hashes a small blob where it is received and a large one on a worker, with the same verdicts", async () => {
    const small = content.subarray(0, 1000);
    const inPlace = blobVerifier(`sha256:${sha256(small)}`, small.length);
    expect(inPlace.update(small)).toBeUndefined();
    expect(inPlace.finish()).toBe(`sha256:${sha256(small)}`); // a string, not a promise: no worker involved

    expect(content.length).toBeGreaterThanOrEqual(OFF_THREAD_MIN_BYTES);
    const deferred = blobVerifier(digest, content.length);
    await feed(deferred, content, [65536]);
    const result = deferred.finish();
    expect(result).toBeInstanceOf(Promise);
    expect(await result).toBe(digest);
  });

  it("a tampered large blob is a DigestMismatchError; a short one a SizeMismatchError before any digest", async () => {
    const tampered = Buffer.from(content);
    tampered[5 * MiB] = (tampered[5 * MiB] as number) ^ 1;
    const bad = blobVerifier(digest, content.length);
    await feed(bad, tampered, [65536]);
    await expect(bad.finish()).rejects.toBeInstanceOf(DigestMismatchError);

    const short = blobVerifier(digest, content.length);
    await feed(short, content.subarray(0, 6 * MiB), [65536]);
    await expect(Promise.resolve().then(() => short.finish())).rejects.toBeInstanceOf(SizeMismatchError);
  });

  it("an overrun throws at once, on the chunk that overruns", () => {
    const verifier = createDeferredVerifier(digest, 10, offThreadHash("sha256")!);
    expect(() => verifier.update(content.subarray(0, 11))).toThrow(SizeMismatchError);
    verifier.abandon();
  });
});

describe("the process and the workers", () => {
  // The built module (setup builds every package; the client's resume test spawns its dist the same way): a child
  // process with nothing on its event loop but the worker shows whether a pending digest holds the process open.
  const built = fileURLToPath(new URL("../dist/hash-workers.js", import.meta.url));
  const run = (body: string) =>
    new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const script = `import { offThreadHash } from ${JSON.stringify(built)};
const bytes = new Uint8Array(6 * 1024 * 1024).fill(7);
const hash = offThreadHash("sha256");
${body}`;
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let stdout = "";
      child.stdout.on("data", (d) => {
        stdout += d;
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.on("error", reject);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout });
      });
    });

  it("a digest being waited for keeps the process alive until it arrives", async () => {
    const { code, stdout } = await run(`await hash.update(bytes);
hash.hex().then((hex) => console.log(hex));`);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(
      createHash("sha256")
        .update(new Uint8Array(6 * MiB).fill(7))
        .digest("hex"),
    );
  });

  it("an abandoned hash does not keep the process from exiting", async () => {
    const { code, stdout } = await run(`hash.update(bytes.subarray(0, 1024 * 1024));
hash.abandon();
console.log("left");`);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe("left");
  });
});
