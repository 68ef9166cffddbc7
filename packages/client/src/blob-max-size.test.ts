/**
 * `maxSize` of the blob reads: a registry whose GET and HEAD give no size and whose body never ends is read only up
 * to the caller's limit, by every read of a BlobHandle; `toFile` leaves nothing behind and does not fetch again.
 */
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SizeMismatchError } from "@regatta/errors";
import { startServer, type TestServer, tempDirs } from "@regatta/testkit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createClient } from "./connect.js";
import type { RegistryClient } from "./registry-client.js";

const temp = tempDirs("regatta-blob-max-size-");
const content = randomBytes(100_000);
const digest = `sha256:${createHash("sha256").update(content).digest("hex")}`;
/** `endless`: no size anywhere, a body for ever; `unsized`: no size anywhere, the blob and its end. */
let mode: "endless" | "unsized" = "endless";
let server: TestServer;
let reg: RegistryClient;
let gets = 0;

beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.url === "/v2/") return void res.writeHead(200).end("{}");
    if (req.method === "HEAD") return void res.writeHead(200).end();
    gets++;
    res.writeHead(200);
    if (mode === "unsized") return void res.end(content);
    const more = () => {
      if (res.destroyed || res.writableEnded) return;
      if (res.write(Buffer.alloc(65_536))) setImmediate(more);
      else res.once("drain", more);
    };
    res.write(content);
    more();
  });
  reg = createClient(server.origin, { retry: { attempts: 0 } });
});
afterAll(async () => {
  await reg.close();
  await server.close();
});
beforeEach(() => {
  gets = 0;
  mode = "endless";
});

const limitError = (err: unknown, maxSize: number) => {
  expect(err).toBeInstanceOf(SizeMismatchError);
  const e = err as SizeMismatchError;
  expect([e.code, e.expected]).toEqual(["SIZE_LIMIT", maxSize]);
  expect(e.actual).toBeGreaterThan(maxSize);
  expect(e.message).toContain(`more than the limit of ${maxSize} bytes arrived`);
};

describe("BlobHandle reads with maxSize", () => {
  it("toFile: cut at the limit, its temporary file removed, fetched once", async () => {
    const dir = temp();
    const err = await reg
      .blob(`${server.host}/a/b@${digest}`)
      .toFile(join(dir, "blob"), { maxSize: 300_000 })
      .catch((e) => e);
    limitError(err, 300_000);
    expect(readdirSync(dir)).toEqual([]);
    expect(gets).toBe(1);
  });

  it("stream and bytes: cut at the limit", async () => {
    const stream = await reg.blob(`${server.host}/a/b@${digest}`).stream({ maxSize: 200_000 });
    let read = 0;
    const err = await (async () => {
      for await (const chunk of stream) read += (chunk as Buffer).length;
    })().catch((e) => e);
    limitError(err, 200_000);
    expect(read).toBeLessThanOrEqual(200_000 + 65_536);
    limitError(
      await reg
        .blob(`${server.host}/a/b@${digest}`)
        .bytes({ maxSize: 150_000 })
        .catch((e) => e),
      150_000,
    );
  });

  it("a blob of no known size within the limit is read whole", async () => {
    mode = "unsized";
    const file = join(temp(), "blob");
    const saved = await reg.blob(`${server.host}/a/b@${digest}`).toFile(file, { maxSize: content.length });
    expect(saved.size).toBe(content.length);
    expect(readFileSync(file).equals(content)).toBe(true);
  });
});
