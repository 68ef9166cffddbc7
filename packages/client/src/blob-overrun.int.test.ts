/**
 * Every blob read that holds a descriptor (pull, copy, artifact pull) cuts a body that runs past the descriptor's
 * size as it passes it: a proxy in front of a real registry answers each blob GET without Content-Length, the blob
 * and then zeros for ever. Each read fails with SizeMismatchError naming the expected size, leaves no file, and the
 * proxy sent a bounded amount (a reader that went on would have been fed for ever).
 */
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { SizeMismatchError } from "@regatta/errors";
import {
  generateImage,
  pushImage,
  startServer,
  type TestServer,
  tempDirs,
  useRegistry,
} from "@regatta/testkit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createClient, type RegistryClient } from "./index.js";

const temp = tempDirs("regatta-blob-overrun-");
const MiB = 1024 * 1024;

describe("a blob body longer than its descriptor, every reader", () => {
  const source = useRegistry("none");
  const target = useRegistry("none");
  let proxy: TestServer;
  let reg: RegistryClient;
  /** Blob GETs answered, and the body bytes the proxy sent for them, since the last reset. */
  let gets = 0;
  let sent = 0;

  beforeAll(async () => {
    const image = await generateImage({ layers: [200_000], seed: "blob-overrun" });
    await pushImage(source.url, "o/app", "1", image);
    proxy = await startServer((req, res) => {
      const upstream = httpRequest(
        `${source.url}${req.url}`,
        { method: req.method, headers: { ...req.headers, host: source.host } },
        (answer) => {
          const blobGet =
            req.method === "GET" && /\/blobs\/sha256:/.test(req.url ?? "") && answer.statusCode === 200;
          if (!blobGet) {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            return void answer.pipe(res);
          }
          const { "content-length": _dropped, ...headers } = answer.headers;
          res.writeHead(200, headers);
          gets++;
          const more = () => {
            if (res.destroyed || res.writableEnded) return;
            sent += 65_536;
            if (res.write(Buffer.alloc(65_536))) setImmediate(more);
            else res.once("drain", more);
          };
          answer.on("data", (chunk: Buffer) => {
            sent += chunk.length;
            res.write(chunk);
          });
          answer.on("end", more);
        },
      );
      req.pipe(upstream);
    });
    reg = createClient(proxy.host, { retry: { attempts: 0 } });
    const file = join(temp(), "notes.txt");
    writeFileSync(file, "x".repeat(100_000));
    // Pushed straight to the registry: only the reads go through the proxy.
    const direct = createClient(source.host);
    await direct.pushArtifact(`${source.host}/o/art:1`, {
      artifactType: "application/vnd.example.notes",
      files: [{ path: file }],
    });
    await direct.close();
  }, 60_000);
  afterAll(async () => {
    await reg?.close();
    await proxy?.close();
  });
  beforeEach(() => {
    gets = 0;
    sent = 0;
  });

  const overrun = (error: unknown) => {
    expect(error).toBeInstanceOf(SizeMismatchError);
    expect((error as Error).message).toMatch(/is longer than the expected \d+ bytes \(\d+ so far\)/);
    // Each GET stopped soon after the blob's size: what was sent is what sockets and streams buffer (a few MiB on
    // loopback). A read may be made twice (a pull fetches a blob with wrong bytes once more).
    expect(gets).toBeGreaterThan(0);
    expect(sent / gets).toBeLessThan(8 * MiB);
  };

  it("pull (docker tarball and OCI layout)", async () => {
    for (const format of ["docker", "oci"] as const) {
      gets = 0;
      sent = 0;
      const dir = temp();
      const error = await reg
        .pull([`${proxy.host}/o/app:1`], join(dir, format === "docker" ? "app.tar" : "layout"), { format })
        .catch((e: unknown) => e);
      overrun(error);
    }
  });

  it("copy to another registry", async () => {
    overrun(await reg.copy(`${proxy.host}/o/app:1`, `${target.host}/o/app:1`).catch((e: unknown) => e));
    // Nothing was tagged at the target: the copy stopped at the blob.
    await expect(reg.manifest(`${target.host}/o/app:1`)).rejects.toMatchObject({ name: "NotFoundError" });
  });

  it("artifact pull", async () => {
    const dir = temp();
    overrun(await reg.pullArtifact(`${proxy.host}/o/art:1`, dir).catch((e: unknown) => e));
    expect(existsSync(join(dir, "notes.txt"))).toBe(false);
    expect(readdirSync(dir).filter((n) => !n.startsWith("."))).toEqual([]);
  });
});
