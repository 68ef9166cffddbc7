/**
 * How many blobs a copy moves at once: `concurrency` when given, DEFAULT_COPY_CONCURRENCY (4, tuned in
 * bench/README.md) when not, and at least one, so that a concurrency of 0 still copies rather than stalls; blobs under
 * 1 MiB go four to a job (map-concurrent.ts's blobLimit, issue 15). Measured at the source: how many blob GETs are
 * waiting there at the same time.
 */
import { NotFoundError } from "@regatta/errors";
import { computeDigest, OCI_INDEX } from "@regatta/manifest";
import {
  createMswDispatcher,
  distributionHandlers,
  type GeneratedImage,
  generateImage,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "./connect.js";
import { DEFAULT_COPY_CONCURRENCY } from "./copy.js";
import type { RegistryClient } from "./registry-client.js";
import { answeringRegistry, json } from "./test-answering-registry.js";

let image: GeneratedImage;
let small: GeneratedImage;
let reg: RegistryClient | undefined;

beforeAll(async () => {
  // Layers of 1 MiB count as large; the config (a few hundred bytes) as small.
  image = await generateImage({ layers: Array(4).fill(1024 * 1024), seed: "copy-concurrency" });
  small = await generateImage({ layers: Array(12).fill(16), seed: "copy-concurrency-small" });
});
afterEach(async () => {
  await reg?.close();
  reg = undefined;
});

/**
 * Copies `from` (by default the 5-blob image of large layers) from a source whose blob GETs each wait until `gate` of them are waiting (or 50 ms have
 * passed), to an empty fake registry; returns how many were waiting at once at most.
 */
async function copyMeasuring(gate: number, concurrency?: number, from = image): Promise<number> {
  const image = from;
  const blobs = new Map([image.config, ...image.layers].map((b) => [b.digest, b.bytes]));
  let waiting = 0;
  let most = 0;
  const wakers: (() => void)[] = [];
  const source = async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (pathname.endsWith("/manifests/v1")) {
      return new Response(image.manifest.bytes, {
        headers: { "content-type": image.manifest.mediaType, "docker-content-digest": image.manifest.digest },
      });
    }
    const bytes = blobs.get(pathname.split("/").at(-1)!);
    if (!bytes) return new Response(null, { status: 404 });
    waiting++;
    most = Math.max(most, waiting);
    if (waiting >= gate) for (const wake of wakers.splice(0)) wake();
    else await new Promise<void>((resolve) => wakers.push(resolve) && setTimeout(resolve, 50));
    waiting--;
    expect(computeDigest(bytes)).toBe(pathname.split("/").at(-1));
    return new Response(bytes, { headers: { "content-length": String(bytes.byteLength) } });
  };
  const target = distributionHandlers({ host: "dst.test", repos: {} });
  const dispatcher = createMswDispatcher(target, { onUnhandledRequest: source });
  reg = createClient("dst.test", { dispatcher, retry: { attempts: 0 } });
  const result = await reg.copy("src.test/team/app:v1", "dst.test/team/app:v1", {
    ...(concurrency === undefined ? {} : { concurrency }),
  });
  expect(result.blobs).toHaveLength(image.layers.length + 1);
  expect(target.store.repository("team/app")!.tags!.get("v1")).toBe(image.manifest.digest);
  return most;
}

describe("copy's concurrency", () => {
  it("moves DEFAULT_COPY_CONCURRENCY blobs at once by default", async () => {
    expect(DEFAULT_COPY_CONCURRENCY).toBe(4);
    expect(await copyMeasuring(4)).toBe(4);
  });

  it("moves as many blobs at once as asked", async () => {
    expect(await copyMeasuring(2, 2)).toBe(2);
  });

  it("moves one blob at a time when asked for none", async () => {
    expect(await copyMeasuring(1, 0)).toBe(1);
  });

  it("moves four small blobs in place of each large one", async () => {
    expect(await copyMeasuring(8, 2, small)).toBe(8);
    expect(await copyMeasuring(13, undefined, small)).toBe(13); // 16 allowed, 13 there: all of them at once
  });
});

describe("copy after one blob fails", () => {
  it("stops the other blobs' checks at once instead of waiting for them", async () => {
    const [config, layer] = [image.config, image.layers[0]!];
    // One registry on a socket (so that an aborted request really ends): the source's layer is missing, and the
    // target answers the HEAD of the config only after 5 s, long after a copy that stopped it has failed.
    const registry = await answeringRegistry(async ({ method, path }) => {
      if (path === "/v2/src/app/manifests/v1") {
        return { headers: { "content-type": image.manifest.mediaType }, body: image.manifest.bytes };
      }
      if (path === `/v2/dst/app/blobs/${config.digest}`)
        await new Promise((resolve) => setTimeout(resolve, 5000));
      if (method === "POST") return { status: 202, headers: { location: "/v2/dst/app/blobs/uploads/1" } };
      return json({ errors: [{ code: "BLOB_UNKNOWN", message: "blob unknown to registry" }] }, {}, 404);
    });
    try {
      const started = Date.now();
      const error = await registry.reg
        .copy(`${registry.host}/src/app:v1`, `${registry.host}/dst/app:v1`)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect(registry.seen.map((r) => `${r.method} ${r.path}`)).toContain(
        `GET /v2/src/app/blobs/${layer.digest}`,
      );
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      await registry.close();
    }
  });
});

describe("copy aborted while it asks the target what it holds", () => {
  it("stops that request at once", async () => {
    // The caller gives up when the HEAD of the target's tag arrives, which the target answers only after 5 s.
    const controller = new AbortController();
    const registry = await answeringRegistry(async ({ path }) => {
      if (path === "/v2/src/app/manifests/v1") {
        return { headers: { "content-type": image.manifest.mediaType }, body: image.manifest.bytes };
      }
      controller.abort(new Error("caller gave up"));
      await new Promise((resolve) => setTimeout(resolve, 5000));
      return { status: 404 };
    });
    try {
      const started = Date.now();
      const error = await registry.reg
        .copy(`${registry.host}/src/app:v1`, `${registry.host}/dst/app:v1`, { signal: controller.signal })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(registry.seen.map((r) => `${r.method} ${r.path}`)).toEqual([
        "GET /v2/src/app/manifests/v1",
        "HEAD /v2/dst/app/manifests/v1",
      ]);
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      await registry.close();
    }
  });
});

describe("copy aborted while it fetches a child of an index", () => {
  it("stops that request at once", async () => {
    const child = image.manifest;
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [{ ...child.descriptor, platform: image.platform }],
      }),
    );
    // The caller gives up when the GET of the child arrives, which the source answers only after 5 s.
    const controller = new AbortController();
    const registry = await answeringRegistry(async ({ method, path }) => {
      if (path === "/v2/src/app/manifests/v1") return { headers: { "content-type": OCI_INDEX }, body: index };
      if (method === "HEAD") return { status: 404 };
      controller.abort(new Error("caller gave up"));
      await new Promise((resolve) => setTimeout(resolve, 5000));
      return { headers: { "content-type": child.mediaType }, body: child.bytes };
    });
    try {
      const started = Date.now();
      const error = await registry.reg
        .copy(`${registry.host}/src/app:v1`, `${registry.host}/dst/app:v1`, { signal: controller.signal })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(registry.seen.map((r) => `${r.method} ${r.path}`).at(-1)).toBe(
        `GET /v2/src/app/manifests/${child.digest}`,
      );
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      await registry.close();
    }
  });
});
