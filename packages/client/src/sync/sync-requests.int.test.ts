/**
 * Requests per image of `reg.sync` against CNCF distribution 2.8 (the registry of bench/sync.mjs), counted by a
 * recording proxy in front of each registry: what docs/sync.md "Requests per image" states, on the real thing. A
 * request the plan has made unnecessary that comes back fails it.
 */
import { type FaultProxy, generateImage, pushImage, startFaultProxy, useRegistry } from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../index.js";
import { countKinds } from "./test-request-kinds.js";

describe("requests of a sync between two distribution registries", () => {
  const source = useRegistry("none");
  const target = useRegistry("none");
  let from: FaultProxy;
  let to: FaultProxy;
  const tags = ["t0", "t1", "t2"];

  beforeAll(async () => {
    // The benchmark's shape: distinct images, each its own small layer and config.
    for (const tag of tags) {
      const image = await generateImage({ layers: [2048], seed: `sync-requests:${tag}`, labels: { tag } });
      await pushImage(source.url, "src/app", tag, image);
    }
    from = await startFaultProxy(source.url);
    to = await startFaultProxy(target.url);
  });
  afterAll(async () => {
    await from?.close();
    await to?.close();
  });

  it("fresh: 8 requests an image (GET, per blob GET, POST and PUT, the manifest PUT); up to date: 2", async () => {
    const reg = createClient(from.host);
    try {
      const job = { source: `${from.host}/src/app`, target: `${to.host}/dst/app` };
      const fresh = await reg.sync(job);
      expect([fresh.copied, fresh.failed]).toEqual([3, 0]);
      expect(countKinds(from.requests)).toEqual({
        "GET tags": 1,
        "HEAD manifest by tag": 1,
        "GET manifest by tag": 3,
        "GET blob": 6,
      });
      // distribution answers the unknown repository's tag list 404 NAME_UNKNOWN: nothing is HEADed there.
      expect(countKinds(to.requests)).toEqual({
        "GET /v2/": 1,
        "GET tags": 1,
        "POST upload": 6,
        "PUT upload": 6,
        "PUT manifest by tag": 3,
      });
      for (const tag of tags) {
        expect(await reg.digest(`${to.host}/dst/app:${tag}`)).toBe(
          await reg.digest(`${from.host}/src/app:${tag}`),
        );
      }
      countKinds(from.requests);
      countKinds(to.requests);

      const again = await reg.sync(job);
      expect([again.copied, again.skipped]).toEqual([0, 3]);
      expect(countKinds(from.requests)).toEqual({ "GET tags": 1, "HEAD manifest by tag": 3 });
      expect(countKinds(to.requests)).toEqual({ "GET tags": 1, "HEAD manifest by tag": 3 });
    } finally {
      await reg.close();
    }
  });
});
