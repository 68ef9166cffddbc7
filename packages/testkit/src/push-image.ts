import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import type { GeneratedImage, GeneratedIndex } from "./generate-image.js";
import type { GeneratedLargeImage } from "./generate-large-image.js";
import type { GeneratedDocument } from "./image-json.js";
import { createRegistrySession, type PlainCredentials, type RegistrySession } from "./registry-session.js";

/** Anything {@link pushImage} can push. */
export type PushableImage = GeneratedImage | GeneratedIndex | GeneratedLargeImage;

/** Result of {@link pushImage}. */
export interface PushResult {
  /** Digest of the top manifest (the index for an index). */
  digest: string;
  mediaType: string;
  /** Blobs uploaded (blobs the registry already had are skipped after a HEAD). */
  uploadedBlobs: number;
}

/**
 * Seeds a registry with a generated image or index using plain HTTP (`fetch`): for each blob a HEAD, then a
 * monolithic upload (`POST /blobs/uploads/` then `PUT <Location>&digest=`), then child manifests by digest and
 * the top manifest by `tag` (by digest when `tag` is undefined). Handles anonymous, Basic and token registries
 * through {@link createRegistrySession}. Test-only: this is deliberately not Regatta's write path.
 *
 * @example
 * await pushImage(registry.url, "demo/app", "v1", await generateImage({ layers: 2 }));
 */
export async function pushImage(
  registryUrl: string,
  repository: string,
  tag: string | undefined,
  image: PushableImage,
  credentials: PlainCredentials = {},
): Promise<PushResult> {
  const session = createRegistrySession(registryUrl, [`repository:${repository}:pull,push`], credentials);
  const state = { uploadedBlobs: 0 };
  const images = image.kind === "index" ? image.children : [image];
  for (const img of images) {
    await pushBlob(session, repository, img.config.digest, () => img.config.bytes, state);
    for (const layer of img.layers) {
      const body = "bytes" in layer ? () => layer.bytes : () => Readable.toWeb(createReadStream(layer.path));
      await pushBlob(session, repository, layer.digest, body, state);
    }
    if (image.kind === "index") await putManifest(session, repository, img.manifest.digest, img.manifest);
  }
  const top = image.kind === "index" ? image.index : image.manifest;
  await putManifest(session, repository, tag ?? top.digest, top);
  return { digest: top.digest, mediaType: top.mediaType, uploadedBlobs: state.uploadedBlobs };
}

async function pushBlob(
  session: RegistrySession,
  repository: string,
  digest: string,
  body: () => Buffer | ReadableStream,
  state: { uploadedBlobs: number },
): Promise<void> {
  const head = await session.fetch(`/v2/${repository}/blobs/${digest}`, { method: "HEAD" });
  if (head.ok) return;
  const start = await session.fetch(`/v2/${repository}/blobs/uploads/`, { method: "POST" });
  await expectStatus(start, 202, `start upload of ${digest} to ${repository}`);
  const location = start.headers.get("location");
  if (!location) throw new Error(`upload of ${digest}: 202 without Location`);
  const uploadUrl = new URL(location, start.url);
  uploadUrl.searchParams.set("digest", digest);
  const payload = body();
  const put = await session.fetch(uploadUrl.href, {
    method: "PUT",
    headers: { "content-type": "application/octet-stream" },
    body: payload,
    ...(payload instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  await expectStatus(put, 201, `finish upload of ${digest} to ${repository}`);
  state.uploadedBlobs++;
}

async function putManifest(
  session: RegistrySession,
  repository: string,
  reference: string,
  manifest: GeneratedDocument,
): Promise<void> {
  const res = await session.fetch(`/v2/${repository}/manifests/${reference}`, {
    method: "PUT",
    headers: { "content-type": manifest.mediaType },
    body: manifest.bytes,
  });
  await expectStatus(res, 201, `put manifest ${repository}:${reference}`);
}

async function expectStatus(res: Response, status: number, what: string): Promise<void> {
  if (res.status === status) {
    await res.body?.cancel();
    return;
  }
  const text = (await res.text()).slice(0, 2_000);
  throw new Error(`${what}: expected ${status}, got ${res.status} ${text}`);
}
