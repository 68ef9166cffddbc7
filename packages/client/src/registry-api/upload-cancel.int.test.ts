/**
 * A cancelled upload leaves nothing on a real registry (Debian's docker-registry, CNCF distribution 2.8.2): the
 * request in flight gets its answer, the DELETE names the Location of that answer (upload-stop.ts), and the session
 * is gone with its bytes. Before, a PATCH cut off half-way left the Location we held stale; distribution answered its
 * DELETE 404 BLOB_UPLOAD_INVALID and kept the session, bytes and all, until its upload purge.
 */

import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";
import { seededBytes, useRegistry } from "@regatta/testkit";
import { type RegistryRequest, Transport } from "@regatta/transport";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STREAM_FROM, type UploadRequest, uploadBlob } from "./uploads.js";

describe("a cancelled upload on distribution", () => {
  const registry = useRegistry("none");
  let transport: Transport;
  beforeAll(() => {
    transport = new Transport({ retry: { attempts: 0 } });
  });
  afterAll(() => transport.close());

  /** Runs the upload, keeping every upload Location the registry answered (the last one is the session's latest). */
  async function cancelled(repository: string, req: Partial<UploadRequest>) {
    const locations: string[] = [];
    const deps = {
      retryPolicy: transport.retryPolicy,
      request: async (r: RegistryRequest) => {
        const response = await transport.request(r);
        const at = response.headers.location;
        if (at && /\/blobs\/uploads\//.test(at)) locations.push(new URL(at, response.url).href);
        return response;
      },
    };
    const error = await uploadBlob(deps, {
      registry: registry.host,
      repository,
      source: new Uint8Array(),
      ...req,
    }).catch((e: unknown) => e);
    return { error, latest: locations.at(-1) };
  }

  /**
   * What the registry keeps of the repository's upload sessions: the files of each, but the hash state distribution
   * 2.8.2 writes back after its own cancel (blobWriter.Close after Cancel; a few bytes, no data, no session).
   */
  function leftOf(repository: string): string[] {
    const dir = join(registry.dataDir, "storage/docker/registry/v2/repositories", repository, "_uploads");
    if (!existsSync(dir)) return [];
    return (readdirSync(dir, { recursive: true }) as string[]).filter(
      (p) => p.includes("/") && !p.includes("hashstates"),
    );
  }

  /** A one-shot stream of `size` bytes that then waits, and aborts `controller` 200 ms into the wait. */
  function abortingAfter(seed: string, size: number, controller: AbortController) {
    return Readable.from(
      (async function* () {
        yield Buffer.from(seededBytes(seed, size));
        setTimeout(() => controller.abort(), 200);
        await delay(10_000, undefined, { signal: controller.signal }).catch(() => {});
        yield Buffer.from("never sent");
      })(),
    );
  }

  async function expectGone(repository: string, latest: string | undefined) {
    expect(latest).toBeDefined();
    const status = await fetch(latest as string);
    await status.body?.cancel();
    expect(status.status, "GET on the session's latest Location").toBe(404);
    expect(leftOf(repository), "the session's files (data, startedat)").toEqual([]);
  }

  it("aborted in the middle of a streamed PATCH: the session and its bytes are gone", async () => {
    const controller = new AbortController();
    const source = abortingAfter("stream", 256 * 1024, controller);
    const { error, latest } = await cancelled("cancel/stream", { source, signal: controller.signal });
    expect((error as Error).name).toBe("AbortError");
    await expectGone("cancel/stream", latest);
  });

  it("aborted while a chunk PATCH is in flight: it is answered first, then the session is gone", async () => {
    const controller = new AbortController();
    const chunk = 4 * 1024 * 1024;
    const bytes = seededBytes("chunks", 3 * chunk);
    const { error, latest } = await cancelled("cancel/chunks", {
      source: () => Readable.from([Buffer.from(bytes)]),
      size: bytes.length,
      chunkSize: chunk,
      signal: controller.signal,
      // The second chunk is read: abort as its PATCH goes out.
      onProgress: (n) => {
        if (n === 2 * chunk) setImmediate(() => controller.abort());
      },
    });
    expect((error as Error).name).toBe("AbortError");
    await expectGone("cancel/chunks", latest);
  });

  it("aborted while the source is read between two chunks: the session is gone", async () => {
    const controller = new AbortController();
    const source = abortingAfter("between", 64 * 1024, controller);
    const { error, latest } = await cancelled("cancel/between", {
      source,
      chunkSize: 64 * 1024,
      signal: controller.signal,
    });
    expect((error as Error).name).toBe("AbortError");
    await expectGone("cancel/between", latest);
  });

  describe("a blob whose digest and size are known, above STREAM_FROM (the usual push or copy of a layer)", () => {
    const bytes = Buffer.from(seededBytes("large", STREAM_FROM + 4096));
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

    it("goes by streamed PATCH and an empty PUT ?digest=, which distribution commits", async () => {
      const result = await uploadBlob(transport, {
        registry: registry.host,
        repository: "cancel/whole",
        source: bytes,
        digest,
        size: bytes.length,
      });
      expect(result).toMatchObject({ digest, size: bytes.length });
      const head = await fetch(`${registry.url}/v2/cancel/whole/blobs/${digest}`, { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(head.headers.get("content-length")).toBe(String(bytes.length));
    });

    it("aborted half-way: the session and its bytes are gone (a PUT carrying them left them until the purge)", async () => {
      const controller = new AbortController();
      const source = () =>
        Readable.from(
          (async function* () {
            yield bytes.subarray(0, 3 * 1024 * 1024);
            setTimeout(() => controller.abort(), 200);
            // and the rest never comes: a PUT carrying the bytes would wait for it until it is cut
            await new Promise<never>(() => {});
          })(),
        );
      const { error, latest } = await cancelled("cancel/large", {
        source,
        digest,
        size: bytes.length,
        signal: controller.signal,
      });
      expect((error as Error).name).toBe("AbortError");
      await expectGone("cancel/large", latest);
    });
  });
});
