import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeDigest } from "@regatta/manifest";
import { parseReference } from "@regatta/reference";
import { afterEach } from "vitest";
import type { BlobTarget, LayoutFormat } from "./layout-writer.js";
import { openLayoutWriter } from "./open-layout-writer.js";
import type { PullPlan } from "./pull-plan.js";

/**
 * Scratch directories for a test file, removed after each test. (The test kit's `tempDirs` cannot serve here:
 * @regatta/testkit depends on this package.)
 */
export function scratchDirs(prefix: string): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

export const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

function bytesOf(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += 32) createHash("sha256").update(`${seed}${i}`).digest().copy(out, i);
  return out;
}

/** A plan of one image (a config, two layers) tagged `ref`, and the bytes of each blob. */
export function imagePlan(ref = "localhost:5000/app:v1", seed = "") {
  const config = Buffer.from(
    JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers" } }),
  );
  const layers = [bytesOf(`one${seed}`, 300_000), bytesOf(`two${seed}`, 70_000)];
  const d = (mediaType: string, bytes: Buffer) => ({
    mediaType,
    digest: sha256(bytes),
    size: bytes.byteLength,
  });
  const configD = d("application/vnd.oci.image.config.v1+json", config);
  const layerDs = layers.map((l) => d("application/vnd.oci.image.layer.v1.tar+gzip", l));
  const manifestBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: configD,
      layers: layerDs,
    }),
  );
  const manifest = {
    digest: computeDigest(manifestBytes),
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    size: manifestBytes.byteLength,
    bytes: manifestBytes,
  };
  const reference = parseReference(ref);
  const repository = reference.repositoryOnly();
  const plan: PullPlan = {
    references: [
      {
        reference,
        top: manifest,
        manifests: [manifest],
        images: [{ manifest, config: configD, layers: layerDs }],
      },
    ],
    blobs: [
      { ...configD, kind: "config", repository },
      ...layerDs.map((l) => ({ ...l, kind: "layer" as const, repository })),
    ],
  };
  const contents = new Map<string, Buffer>([
    [configD.digest, config],
    ...layerDs.map((l, i) => [l.digest, layers[i]!] as [string, Buffer]),
  ]);
  return { plan, contents, manifest, layers: layerDs };
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of source) parts.push(chunk);
  return Buffer.concat(parts);
}

/** Fills `target` with `bytes` as fetchBlob does: a held prefix is hashed with the rest, and refetched if wrong. */
export async function fill(target: BlobTarget, bytes: Buffer): Promise<void> {
  let held = await target.held();
  if (held === "complete") return;
  if (held > bytes.byteLength) {
    await target.reset();
    held = 0;
  }
  const prefix = held > 0 ? await collect(target.prefix(held)) : Buffer.alloc(0);
  let sink = await target.open(held);
  await sink.write(bytes.subarray(held));
  await sink.close();
  if (!Buffer.concat([prefix, bytes.subarray(held)]).equals(bytes)) {
    await target.reset();
    sink = await target.open(0);
    await sink.write(bytes);
    await sink.close();
  }
  await target.commit();
}

/** Pulls `plan` into `dest` as `format`; `stopAfter` blobs, then abort (an interrupted pull), when given. */
export async function pull(
  format: LayoutFormat,
  dest: string,
  setup: ReturnType<typeof imagePlan>,
  stopAfter?: number,
) {
  const writer = await openLayoutWriter(format, dest, setup.plan, {});
  let done = 0;
  try {
    for (const blob of setup.plan.blobs) {
      if (stopAfter !== undefined && done === stopAfter) {
        // Half of the next blob lands, then the pull stops.
        const sink = await writer.target(blob).open(0);
        await sink.write(setup.contents.get(blob.digest)!.subarray(0, 1000));
        await sink.close();
        await writer.abort();
        return;
      }
      await fill(writer.target(blob), setup.contents.get(blob.digest)!);
      done++;
    }
    await writer.finish();
  } catch (error) {
    await writer.abort().catch(() => {});
    throw error;
  }
}
