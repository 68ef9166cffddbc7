/**
 * Walks down indexes stop at MAX_INDEX_DEPTH (index-depth.ts): a registry serving a chain of nested indexes, each
 * verified by its digest, made pull and copy follow it request by request (2000 levels: 46 s).
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UnsupportedError } from "@regatta/errors";
import { computeDigest, MAX_INDEX_DEPTH, OCI_INDEX } from "@regatta/manifest";
import { type FakeRepositories, generateImage } from "@regatta/testkit";
import { describe, expect, it } from "vitest";
import { fakeDistribution, rejection } from "./test-answering-registry.js";

/** A repository whose tag `top` is `levels` indexes, each holding the next, over one image. */
async function chain(levels: number): Promise<FakeRepositories> {
  const image = await generateImage({ layers: [64], seed: "deep" });
  const manifests: Record<string, { bytes: Uint8Array; mediaType: string }> = {
    [image.manifest.digest]: { bytes: image.manifest.bytes, mediaType: image.manifest.mediaType },
  };
  let below = {
    digest: image.manifest.digest,
    size: image.manifest.bytes.byteLength,
    mediaType: image.manifest.mediaType,
  };
  for (let i = 0; i < levels; i++) {
    const bytes = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [{ ...below, platform: { os: "linux", architecture: "amd64" } }],
      }),
    );
    const digest = computeDigest(bytes);
    manifests[digest] = { bytes, mediaType: OCI_INDEX };
    below = { digest, size: bytes.byteLength, mediaType: OCI_INDEX };
  }
  const blobs = Object.fromEntries([image.config, ...image.layers].map((b) => [b.digest, b.bytes]));
  return { deep: { tags: { top: below.digest }, manifests, blobs } };
}

describe("nested indexes", () => {
  it(`deeper than ${MAX_INDEX_DEPTH} are refused by pull and copy, before the whole chain is walked`, async () => {
    const { reg } = fakeDistribution(await chain(40));
    const pull = await rejection(
      reg.pull("deep:top", join(tmpdir(), `regatta-deep-${process.pid}`), {
        format: "oci",
        platforms: "all",
      }),
      UnsupportedError,
    );
    expect(pull.message).toContain(`nests indexes more than ${MAX_INDEX_DEPTH} deep`);
    const copy = await rejection(reg.copy("deep:top", "copied:top"), UnsupportedError);
    expect(copy.message).toContain(`nests indexes more than ${MAX_INDEX_DEPTH} deep`);
  });

  it(`up to ${MAX_INDEX_DEPTH} levels are walked as before`, async () => {
    const { reg } = fakeDistribution(await chain(MAX_INDEX_DEPTH));
    const copied = await reg.copy("deep:top", "copied:top");
    expect(copied.digest).toBeDefined();
  });
});
