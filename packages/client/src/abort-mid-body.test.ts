/**
 * Every read of a blob aborted while its body streams fails with the typed AbortError (code ABORTED, the redacted
 * request, the signal's reason as cause) whatever the verb: `toFile` threw the signal's raw reason (a DOMException)
 * once its response had started, `stream()` and `bytes()` the typed error (QA library6 F1).
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AbortError, RegattaError } from "@regatta/errors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "./connect.js";
import type { RegistryClient } from "./registry-client.js";

const size = 4 * 1024 * 1024;
const content = Buffer.alloc(size, 7);
const digest = `sha256:${createHash("sha256").update(content).digest("hex")}`;

describe("a blob read aborted after its response started", () => {
  let server: Server;
  let reg: RegistryClient;

  beforeAll(async () => {
    // Headers and the first 64 KiB, then nothing: the body is mid-way when the caller aborts.
    server = createServer((req, res) => {
      if (req.method === "HEAD") return res.writeHead(200, { "content-length": String(size) }).end();
      res.writeHead(200, { "content-length": String(size), "docker-content-digest": digest });
      res.write(content.subarray(0, 64 * 1024));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    reg = createClient(`http://127.0.0.1:${port}`, { retry: { attempts: 0 } });
  });

  afterAll(async () => {
    await reg.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Options whose signal aborts (with `reason`, or the default DOMException) once the first bytes arrived. */
  function abortingOnFirstBytes(reason?: unknown) {
    const controller = new AbortController();
    return {
      signal: controller.signal,
      onProgress: (event: { type: string; state?: string }) => {
        if (event.type === "blob" && event.state === "bytes" && !controller.signal.aborted)
          controller.abort(reason);
      },
    };
  }

  const reads: Record<string, (options: ReturnType<typeof abortingOnFirstBytes>) => Promise<unknown>> = {
    toFile: (options) =>
      reg.blob("a/b", digest).toFile(join(mkdtempSync(join(tmpdir(), "abort-")), "blob"), options),
    stream: async (options) => {
      for await (const _ of await reg.blob("a/b", digest).stream(options));
    },
    bytes: (options) => reg.blob("a/b", digest).bytes(options),
  };

  for (const [verb, read] of Object.entries(reads)) {
    for (const [label, reason] of [
      ["the default reason", undefined],
      ["a reason of the caller's", new Error("user pressed stop")],
    ] as const) {
      it(`${verb}, with ${label}: AbortError ABORTED naming the request, the reason as cause`, async () => {
        const options = abortingOnFirstBytes(reason);
        const error = await read(options).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(AbortError);
        expect(error).toBeInstanceOf(RegattaError);
        expect((error as AbortError).code).toBe("ABORTED");
        expect((error as AbortError).request?.method).toBe("GET");
        expect((error as AbortError).request?.url).toContain(`/v2/a/b/blobs/${digest}`);
        const cause = (error as AbortError).cause;
        // The reason itself, or undici's error for it whose cause it is.
        expect(cause === options.signal.reason || (cause as Error)?.cause === options.signal.reason).toBe(
          true,
        );
      });
    }
  }

  it("toFile leaves nothing in the directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "abort-"));
    await expect(reg.blob("a/b", digest).toFile(join(dir, "blob"), abortingOnFirstBytes())).rejects.toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });
});
