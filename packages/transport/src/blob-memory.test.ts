import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { Transport } from "./transport.js";

const MiB = 1024 * 1024;
const CHUNK = Buffer.alloc(MiB, 7);

/**
 * The blob server runs in a child process so that only the client's memory is measured. It serves
 * /<n> as n MiB of 0x07, honouring back-pressure.
 */
const SERVER = `
const CHUNK = Buffer.alloc(${MiB}, 7);
const server = require("node:http").createServer(async (req, res) => {
  const n = Number(req.url.split("/")[2]);
  res.writeHead(200, { "content-length": String(n * CHUNK.length) });
  for (let i = 0; i < n; i++) if (!res.write(CHUNK)) await new Promise((r) => res.once("drain", r));
  res.end();
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
process.stdin.on("end", () => process.exit(0)).resume();`;

function digestOf(mib: number): string {
  const hash = createHash("sha256");
  for (let i = 0; i < mib; i++) hash.update(CHUNK);
  return `sha256:${hash.digest("hex")}`;
}

describe("blob memory", () => {
  it("streams 200 MiB through a loopback server with RSS growth under 64 MB", async () => {
    const child = spawn(process.execPath, ["-e", SERVER], { stdio: ["pipe", "pipe", "inherit"] });
    const port = await new Promise<string>((resolve) =>
      child.stdout.once("data", (d) => resolve(String(d).trim())),
    );
    const transport = new Transport();
    const download = async (mib: number, onChunk?: (chunk: Buffer) => void) => {
      const { stream } = await transport.blob({
        registry: `127.0.0.1:${port}`,
        repository: String(mib),
        digest: digestOf(mib),
        size: mib * MiB,
      });
      await pipeline(
        stream,
        new Writable({
          write(chunk: Buffer, _e, cb) {
            onChunk?.(chunk);
            cb();
          },
        }),
      );
    };
    try {
      // Warm up with 1 MiB: undici instantiates its llhttp WebAssembly parser on the first connection, a one-time
      // cost of tens of MB that says nothing about buffering.
      await download(1);
      const before = process.memoryUsage.rss();
      let peak = 0;
      let received = 0;
      await download(200, (chunk) => {
        received += chunk.length;
        peak = Math.max(peak, process.memoryUsage.rss() - before);
      });
      expect(received).toBe(200 * MiB);
      // A buffering implementation grows by ~200 MB; a streaming one by the GC's slack for dead chunks.
      expect(peak).toBeLessThan(64 * MiB);
    } finally {
      await transport.close();
      child.stdin.end();
    }
  });
});
