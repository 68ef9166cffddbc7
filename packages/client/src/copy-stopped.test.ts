/**
 * A copy that stops while its blobs are in flight (a sibling blob failed, or Ctrl-C): a blob below STREAM_FROM goes
 * as one `PUT` carrying its bytes, which cannot end early, so its download is given the same grace the upload is
 * (registry-api/uploads.ts, SETTLE_MS) and the `PUT` commits, rather than being cut and leaving its bytes in an upload
 * session on the target (distribution keeps them for days; copy/blobs.ts hands the upload's `settled` signal to the
 * download). https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-a-blob-monolithically
 */
import { NotFoundError } from "@regatta/errors";
import {
  createMswDispatcher,
  distributionHandlers,
  type GeneratedImage,
  generateImage,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "./connect.js";
import type { RegistryClient } from "./registry-client.js";

let image: GeneratedImage;
let reg: RegistryClient | undefined;

beforeAll(async () => {
  // One layer of 1 MiB, sent by one PUT; the config is the blob that fails.
  image = await generateImage({ layers: [1024 * 1024], seed: "copy-stopped" });
});
afterEach(async () => {
  await reg?.close();
  reg = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a copy stopped by a sibling blob's failure", () => {
  it("lets a small blob's PUT in flight get the rest of its download and commit, leaving no upload session", async () => {
    const missing = image.config;
    const slow = image.layers[0]!;
    const target = distributionHandlers({ host: "dst.test", repos: {} });
    const events: string[] = [];
    let stopped!: () => void;
    const copyStopped = new Promise<void>((resolve) => {
      stopped = resolve;
    });
    const source = async (request: Request): Promise<Response> => {
      const { pathname } = new URL(request.url);
      if (pathname.endsWith("/manifests/v1")) {
        return new Response(image.manifest.bytes, {
          headers: {
            "content-type": image.manifest.mediaType,
            "docker-content-digest": image.manifest.digest,
          },
        });
      }
      if (pathname.endsWith(missing.digest)) {
        // Fails once the layer's upload is under way (its session open on the target): the copy stops.
        for (let waited = 0; target.store.uploads.size === 0 && waited < 10_000; waited += 10)
          await sleep(10);
        events.push("missing: 404");
        setTimeout(stopped, 100);
        return new Response(null, { status: 404 });
      }
      const bytes = slow.bytes;
      const half = bytes.length / 2;
      return new Response(
        new ReadableStream<Uint8Array>({
          async start(controller) {
            controller.enqueue(bytes.subarray(0, half));
            await copyStopped;
            events.push("slow: rest sent");
            controller.enqueue(bytes.subarray(half));
            controller.close();
          },
        }),
        { headers: { "content-length": String(bytes.length) } },
      );
    };
    const dispatcher = createMswDispatcher(target, { onUnhandledRequest: source });
    reg = createClient("dst.test", { dispatcher, retry: { attempts: 0 } });

    const error = await reg.copy("src.test/team/app:v1", "dst.test/team/app:v1").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NotFoundError);
    expect(events).toEqual(["missing: 404", "slow: rest sent"]);
    const repository = target.store.repository("team/app");
    expect(repository?.blobs.has(slow.digest), "the layer in flight was committed").toBe(true);
    expect(repository?.blobs.has(missing.digest)).toBe(false);
    expect(repository?.tags?.get("v1"), "no manifest is put").toBeUndefined();
    expect(target.store.uploads.size, "no upload session is left").toBe(0);
  });
});
