/**
 * getManifest with a platform: an index is resolved to the image for that platform (fetched by digest, and so
 * verified), the index it came from is reported, and a platform the index lacks is a NotFoundError that lists what
 * it has (https://github.com/opencontainers/image-spec/blob/main/image-index.md). Pulls ask for the repository's
 * `pull` scope, and only that (https://distribution.github.io/distribution/spec/auth/scope/).
 */
import { NotFoundError } from "@regatta/errors";
import { computeDigest, OCI_INDEX } from "@regatta/manifest";
import { fakeRepository, type GeneratedIndex, generateImage, generateIndex } from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RegistryClient } from "./registry-client.js";
import { fakeDistribution } from "./test-answering-registry.js";

let index: GeneratedIndex;
let image: Awaited<ReturnType<typeof generateImage>>;
let reg: RegistryClient | undefined;

beforeAll(async () => {
  index = await generateIndex({
    platforms: ["linux/amd64", "linux/arm64/v8"],
    layers: [16],
    seed: "platform",
  });
  image = await generateImage({ layers: [16], seed: "platform-image" });
});
afterEach(async () => {
  await reg?.close();
  reg = undefined;
});

const emptyIndex = new TextEncoder().encode(
  JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }),
);

function open(auth = false) {
  const opened = fakeDistribution(
    {
      "team/app": fakeRepository({ multi: index, single: image }),
      empty: {},
    },
    auth ? { auth: { type: "bearer" } } : { auth: null },
  );
  reg = opened.reg;
  return opened.handlers;
}

describe("getManifest with a platform", () => {
  it("resolves an index to the image for the platform, by digest, and names the index", async () => {
    const handlers = open();
    const arm64 = index.children[1]!;
    const got = await reg!.manifest("registry.test/team/app:multi", { platform: "linux/arm64" });
    expect(got.digest).toBe(arm64.manifest.digest);
    expect(got.kind).toBe("image");
    expect(got.reference.toString()).toBe(`registry.test/team/app@${arm64.manifest.digest}`);
    // The descriptor's platform, not the one asked for: the caller learns the variant chosen.
    expect(got.platform).toBe("linux/arm64/v8");
    expect(got.index).toEqual({
      digest: index.index.digest,
      mediaType: index.index.mediaType,
      reference: expect.anything(),
    });
    expect(got.index!.reference.toString()).toBe(`registry.test/team/app:multi@${index.index.digest}`);
    expect(handlers.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /v2/team/app/manifests/multi",
      `GET /v2/team/app/manifests/${arm64.manifest.digest}`,
    ]);
  });

  it("takes a platform object", async () => {
    open();
    const got = await reg!.manifest("registry.test/team/app:multi", {
      platform: { os: "linux", architecture: "amd64" },
    });
    expect(got.digest).toBe(index.children[0]!.manifest.digest);
    expect(got.platform).toBe("linux/amd64");
  });

  it("resolve() uses the platform given", async () => {
    open();
    expect((await reg!.resolve("registry.test/team/app:multi", "linux/arm64/v8")).digest).toBe(
      index.children[1]!.manifest.digest,
    );
  });

  it("resolve() refuses a single image of another platform it was asked for, and takes it under the default", async () => {
    open();
    await expect(reg!.resolve("registry.test/team/app:single", "linux/arm64")).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect((await reg!.resolve("registry.test/team/app:single", "linux/amd64")).digest).toBe(
      image.manifest.digest,
    );
    // The default platform is the host's: an image built for one platform is what the reference names, as docker
    // pull takes it without --platform.
    const other = await reg!.with({ platform: "linux/s390x" }).resolve("registry.test/team/app:single");
    expect(other.digest).toBe(image.manifest.digest);
  });

  it("returns an image of the platform as it is, after a look at its config", async () => {
    const handlers = open();
    const got = await reg!.manifest("registry.test/team/app:single", { platform: "linux/amd64" });
    expect(got.digest).toBe(image.manifest.digest);
    expect(got.index).toBeUndefined();
    // Its own platform, from the config read for the check (the CLI's note uses it instead of a second GET).
    expect(got.platform).toBe("linux/amd64");
    expect(handlers.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /v2/team/app/manifests/single",
      `GET /v2/team/app/blobs/${image.config.digest}`,
    ]);
    // One of another platform has nothing to choose from: refused (call-arguments.test.ts has more).
    await expect(
      reg!.manifest("registry.test/team/app:single", { platform: "linux/arm64" }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it("returns the index itself when no platform is asked for", async () => {
    open();
    const got = await reg!.manifest("registry.test/team/app:multi");
    expect(got).toMatchObject({ kind: "index", digest: index.index.digest });
  });

  it("refuses a platform the index lacks, listing those it has", async () => {
    const handlers = open();
    const error = await reg!
      .manifest("registry.test/team/app:multi", { platform: "linux/s390x" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({
      code: "MANIFEST_UNKNOWN",
      message:
        "registry.test/team/app:multi has no image for platform linux/s390x; it has: linux/amd64, linux/arm64/v8",
    });
    expect(handlers.requests).toHaveLength(1);
  });

  it("says `none` for an index without images", async () => {
    const handlers = open();
    const repo = handlers.store.repository("empty")!;
    const digest = computeDigest(emptyIndex);
    repo.manifests.set(digest, { bytes: Buffer.from(emptyIndex), mediaType: OCI_INDEX });
    repo.tags = new Map([["v1", digest]]);
    const error = await reg!
      .manifest("registry.test/empty:v1", { platform: "linux/amd64" })
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "registry.test/empty:v1 has no image for platform linux/amd64; it has: none",
    );
  });

  it("asks the token service for pull access to the repository, and nothing more", async () => {
    const handlers = open(true);
    // Once the client knows the token service, it asks for the scopes a call names before sending it.
    await reg!.ping();
    await reg!.manifest("registry.test/team/app:multi", { platform: "linux/amd64" });
    await reg!.head("registry.test/team/app:single");
    expect(handlers.tokenRequests.length).toBeGreaterThan(0);
    for (const request of handlers.tokenRequests)
      expect(request.scopes).toEqual(["repository:team/app:pull"]);
  });
});
