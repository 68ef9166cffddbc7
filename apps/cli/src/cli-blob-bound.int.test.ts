/**
 * `regatta blob` against a registry whose blob body does not end: a GET longer than the size the HEAD gave is cut as
 * it passes that size, and a body nobody gave a size for is read only up to `--max-size`. Either way one line on
 * stderr, exit 1, and no file left behind; the server counts what it sent, so a client that read on is seen.
 */
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, type TestServer, tempDirs } from "@regatta/testkit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EXIT } from "./exit-codes.js";
import { regatta } from "./test-cli.js";

const temp = tempDirs("regatta-blob-bound-");
const content = randomBytes(300_000);
const digest = `sha256:${createHash("sha256").update(content).digest("hex")}`;
const MiB = 1024 * 1024;

/**
 * What the blob's HEAD and GET say: `overrun`: the HEAD gives the size, the GET (chunked) sends it and then zeros for
 * ever; `endless`: neither gives a size and the GET never ends; `unsized`: neither gives a size, the GET sends the
 * blob and ends; `huge`: the HEAD says 1 TiB, the GET never ends.
 */
type Mode = "overrun" | "endless" | "unsized" | "huge";
let mode: Mode = "overrun";
let server: TestServer;
/** Body bytes the server wrote for blob GETs since the last reset. */
let sent = 0;

beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.url === "/v2/") return void res.writeHead(200, { "content-type": "application/json" }).end("{}");
    if (req.method === "HEAD") {
      const length =
        mode === "overrun" ? String(content.length) : mode === "huge" ? String(2 ** 40) : undefined;
      // No Content-Length and no body: a HEAD that says nothing about the size.
      return void res.writeHead(200, length ? { "content-length": length } : {}).end();
    }
    res.writeHead(200, { "content-type": "application/octet-stream" });
    const write = (chunk: Buffer) => {
      sent += chunk.length;
      return res.write(chunk);
    };
    if (mode === "unsized") {
      write(content);
      return void res.end();
    }
    const more = () => {
      if (res.destroyed || res.writableEnded) return;
      if (write(Buffer.alloc(65_536))) setImmediate(more);
      else res.once("drain", more);
    };
    write(content);
    more();
  });
});
afterAll(() => server.close());
beforeEach(() => {
  sent = 0;
});

describe("regatta blob bounds a body that does not end", () => {
  it.each([
    ["-o FILE", true],
    ["stdout", false],
  ])(
    "%s: a GET longer than the HEAD's size is cut as it passes it, naming both sizes",
    async (_name, toFile) => {
      mode = "overrun";
      const dir = temp();
      const r = await regatta(
        ["blob", `${server.host}/a/b@${digest}`, ...(toFile ? ["-o", join(dir, "blob")] : [])],
        { killAfter: 30_000 },
      );
      expect(r.code, r.stderr).toBe(EXIT.error);
      expect(r.stderr).toMatch(
        new RegExp(`longer than the expected ${content.length} bytes \\(\\d+ so far\\)`),
      );
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(readdirSync(dir)).toEqual([]);
      expect(r.stdoutBytes.length).toBeLessThanOrEqual(content.length);
    },
  );

  it.each([
    ["-o FILE", true],
    ["stdout", false],
  ])(
    "%s: a body of no known size stops at --max-size, one line naming the flag, nothing left",
    async (_name, toFile) => {
      mode = "endless";
      const dir = temp();
      const r = await regatta(
        [
          "blob",
          `${server.host}/a/b@${digest}`,
          "--max-size",
          "1MiB",
          ...(toFile ? ["-o", join(dir, "blob")] : []),
        ],
        { killAfter: 30_000 },
      );
      expect(r.code, r.stderr).toBe(EXIT.error);
      expect(r.stderr).toMatch(
        /^regatta: get blob sha256:[0-9a-f]{64} from 127\.0\.0\.1:\d+\/a\/b: more than the limit of 1048576 bytes arrived \(\d+ so far\), and the registry gave no size for the blob \(the limit is --max-size 1MiB; raise it, or leave it out to read the blob to its end\)$/m,
      );
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(readdirSync(dir)).toEqual([]);
      expect(r.stdoutBytes.length).toBeLessThanOrEqual(MiB);
      // Read as it arrives: the server got no further than the limit and what the sockets' buffers hold.
      expect(sent).toBeLessThan(16 * MiB);
    },
  );

  it("a HEAD that says more than --max-size is refused before the body is read", async () => {
    mode = "huge";
    const dir = temp();
    const r = await regatta(
      ["blob", `${server.host}/a/b@${digest}`, "--max-size", "2G", "-o", join(dir, "b")],
      {
        killAfter: 30_000,
      },
    );
    expect(r.code, r.stderr).toBe(EXIT.error);
    expect(r.stderr).toMatch(
      /: the blob is 1099511627776 bytes, more than the limit of 2147483648; nothing of it was read \(the limit is --max-size 2G;/,
    );
    expect(readdirSync(dir)).toEqual([]);
    expect(sent).toBeLessThan(16 * MiB);
  });

  it("a blob of no known size within --max-size is saved whole; -v says that no size was given", async () => {
    mode = "unsized";
    const file = join(temp(), "blob");
    const bounded = await regatta([
      "blob",
      `${server.host}/a/b@${digest}`,
      "--max-size",
      "300000",
      "-o",
      file,
    ]);
    expect(bounded.code, bounded.stderr).toBe(0);
    expect(readFileSync(file).equals(content)).toBe(true);
    expect(bounded.stderr).not.toContain("gave no size");
    // Without --max-size, -v (or a terminal) says once that the read goes on until the body ends; a pipe without -v
    // is left quiet, as crane is.
    const quiet = await regatta(["blob", `${server.host}/a/b@${digest}`, "-o", file]);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toContain("gave no size");
    const verbose = await regatta(["-v", "blob", `${server.host}/a/b@${digest}`, "-o", file]);
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(
      verbose.stderr.match(/the registry gave no size for this blob; reading until it ends \(--max-size/g),
    ).toHaveLength(1);
  });

  it("refuses a --max-size that is no size, before any request", async () => {
    const before = server.requests.length;
    const r = await regatta(["blob", `${server.host}/a/b@${digest}`, "--max-size", "lots"]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/--max-size takes a size such as 8MiB/);
    expect(server.requests.length).toBe(before);
  });
});
