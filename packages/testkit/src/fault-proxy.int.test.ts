import { createHash } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, startFaultProxy, WRONG_DIGEST } from "./fault-proxy.js";
import { generateImage } from "./generate-image.js";
import { pushImage } from "./push-image.js";
import { useRegistry } from "./use-registry.js";

const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** A GET through the proxy with plain node:http: status, headers, and the body or how it ended. */
function get(proxy: FaultProxy, path: string, waitMs = 5_000) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer; ended: string }>(
    (resolve, reject) => {
      const req = request(`${proxy.url}${path}`, (res) => {
        const chunks: Buffer[] = [];
        const done = (ended: string) =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ended });
        const timer = setTimeout(() => {
          done("stalled");
          req.destroy();
        }, waitMs);
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          clearTimeout(timer);
          done("end");
        });
        res.on("error", () => {
          clearTimeout(timer);
          done("cut");
        });
      });
      req.on("error", reject);
      req.end();
    },
  );
}

describe("fault proxy in front of a real registry", () => {
  const registry = useRegistry("none");
  let proxy: FaultProxy;
  let image: Awaited<ReturnType<typeof generateImage>>;
  let blobPath: string;

  beforeAll(async () => {
    image = await generateImage({ layers: [100_000], seed: "fault-proxy" });
    for (const tag of ["a", "b", "c"]) await pushImage(registry.url, "f/app", tag, image);
    proxy = await startFaultProxy(registry.url);
    blobPath = `/v2/f/app/blobs/${image.layers[0]!.digest}`;
  }, 60_000);
  afterAll(() => proxy?.close());

  it("forwards untouched without rules, and counts", async () => {
    proxy.set([]);
    const r = await get(proxy, blobPath);
    expect(sha256(r.body)).toBe(image.layers[0]!.digest);
    expect(proxy.count("GET", /\/blobs\//)).toBe(1);
    expect(proxy.faulted()).toEqual([]);
  });

  it("drop: the connection goes after afterBytes, for the first `times` matches after `skip`", async () => {
    proxy.set([
      { method: "GET", path: /\/blobs\//, skip: 1, times: 1, fault: { type: "drop", afterBytes: 1000 } },
    ]);
    const first = await get(proxy, blobPath);
    const second = await get(proxy, blobPath);
    const third = await get(proxy, blobPath);
    expect([first.ended, second.ended, third.ended]).toEqual(["end", "cut", "end"]);
    expect(second.body.length).toBe(1000);
    expect(proxy.faulted("drop")).toHaveLength(1);
  });

  it("stall: headers, afterBytes, then silence", async () => {
    proxy.set([{ method: "GET", path: /\/blobs\//, fault: { type: "stall", afterBytes: 10 } }]);
    const r = await get(proxy, blobPath, 500);
    expect(r.status).toBe(200);
    expect(r.ended).toBe("stalled");
    expect(r.body.length).toBe(10);
  });

  it("corrupt: one bit of one byte, the length kept", async () => {
    proxy.set([{ method: "GET", path: /\/blobs\//, fault: { type: "corrupt", at: 5 } }]);
    const r = await get(proxy, blobPath);
    const original = Buffer.from(image.layers[0]!.bytes);
    expect(r.body.length).toBe(original.length);
    const differ = [...r.body].flatMap((byte, i) => (byte !== original[i] ? [i] : []));
    expect(differ).toEqual([5]);
    expect((r.body[5] as number) ^ (original[5] as number)).toBe(1);
  });

  it("slow: the body takes size / rate", async () => {
    proxy.set([{ method: "GET", path: /\/blobs\//, fault: { type: "slow", bytesPerSecond: 200_000 } }]);
    const started = Date.now();
    const r = await get(proxy, blobPath);
    expect(sha256(r.body)).toBe(image.layers[0]!.digest);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  it("status: 429 with Retry-After and an errors[] body; the registry never sees it", async () => {
    proxy.set([
      { method: "GET", path: /\/manifests\//, fault: { type: "status", status: 429, retryAfter: 3 } },
    ]);
    const r = await get(proxy, "/v2/f/app/manifests/a");
    expect(r.status).toBe(429);
    expect(r.headers["retry-after"]).toBe("3");
    expect(JSON.parse(r.body.toString()).errors[0].code).toBe("TOOMANYREQUESTS");
  });

  it("digest: a lying Docker-Content-Digest", async () => {
    proxy.set([{ method: "GET", path: /\/blobs\//, fault: { type: "digest" } }]);
    const r = await get(proxy, blobPath);
    expect(r.headers["docker-content-digest"]).toBe(WRONG_DIGEST);
    expect(sha256(r.body)).toBe(image.layers[0]!.digest);
  });

  it("redirect: 302 to the same path on another origin (the registry itself by default)", async () => {
    proxy.set([{ method: "GET", path: /\/blobs\//, fault: { type: "redirect" } }]);
    const r = await get(proxy, blobPath);
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe(`${registry.url}${blobPath}`);
  });

  it("paginate: one tag per page with a Link to the next, none on the last", async () => {
    proxy.set([
      { method: "GET", path: /\/tags\/list/, times: Number.POSITIVE_INFINITY, fault: { type: "paginate" } },
    ]);
    const seen: string[] = [];
    let path: string | undefined = "/v2/f/app/tags/list";
    while (path) {
      const r = await get(proxy, path);
      seen.push(...(JSON.parse(r.body.toString()).tags as string[]));
      path = /<([^>]+)>; rel="next"/.exec(String(r.headers.link ?? ""))?.[1];
    }
    expect(seen.sort()).toEqual(["a", "b", "c"]);
    expect(proxy.count("GET", /\/tags\/list/)).toBe(3);
  });
});
