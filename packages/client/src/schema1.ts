/**
 * Signed Docker schema 1 manifests (`application/vnd.docker.distribution.manifest.v1+prettyjws`): verifying their
 * libtrust signatures on read, explaining a registry's refusal on push, and converting an image to schema 1, signing
 * it and pushing it, as docker did for registries that spoke only schema 1 and as the heroku client signs with
 * `manifest.Sign(m, key)`. The JWS work is @regatta/manifest's (schema1-sign.ts); this file adds the registry.
 * https://github.com/distribution/distribution/blob/v2.8.3/docs/spec/manifest-v2-1.md
 */
import { createPrivateKey } from "node:crypto";
import { NotFoundError, RegistryError, UnsupportedError, UsageError } from "@regatta/errors";
import {
  buildSchema1,
  computeDigest,
  type Descriptor,
  DOCKER_SCHEMA1_SIGNED_MANIFEST,
  GZIPPED_EMPTY_TAR,
  GZIPPED_EMPTY_TAR_DIGEST,
  libtrustKeyId,
  parseManifest,
  type Schema1Manifest,
  type Schema1PrivateKey,
  schema1FromImage,
  schema1PrivateKey,
  signSchema1,
} from "@regatta/manifest";
import type { Reference } from "@regatta/reference";
import { BlobHandle } from "./blob-handle.js";
import { type ClientContext, type ReferenceInput, toReference } from "./context.js";
import { copyBlobs } from "./copy/blobs.js";
import { getAskedManifest, getManifest, type ManifestResult } from "./get-manifest.js";
import { pushBlob } from "./push-blob.js";
import { type PutManifestResult, putManifest } from "./put-manifest.js";
import type { OnTransferProgress } from "./transfer-events.js";

/**
 * Reads a libtrust signing key: a JWK (`key.json`, as docker daemons keep it, with `d`) or a PEM private key
 * (`EC PRIVATE KEY` as libtrust writes it, `PRIVATE KEY`, `RSA PRIVATE KEY`). The key returned has its `kid`.
 * @throws UsageError saying what the text is not.
 */
export function loadSchema1Key(text: string): Schema1PrivateKey & { kid: string } {
  const key = readSchema1Key(text);
  return { ...key, kid: libtrustKeyId(key) };
}

function readSchema1Key(text: string): Schema1PrivateKey {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new UsageError(
        "the signing key is neither a JWK (JSON) nor a PEM private key: its JSON does not parse",
      );
    }
    return schema1PrivateKey(parsed);
  }
  if (!trimmed.startsWith("-----BEGIN")) {
    throw new UsageError(
      "the signing key is neither a JWK (JSON, like docker's key.json) nor a PEM private key",
    );
  }
  let jwk: Record<string, unknown>;
  try {
    jwk = createPrivateKey(trimmed).export({ format: "jwk" }) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`the signing key's PEM does not hold a private key: ${(error as Error).message}`);
  }
  return schema1PrivateKey(jwk);
}

/** Options of {@link convertToSchema1}. */
export interface ConvertSchema1Options {
  /** The libtrust private key to sign with (see {@link loadSchema1Key}, or `manifests.generateSchema1Key()`). */
  key?: Schema1PrivateKey;
  /** Of an index, the platform whose image to convert. Default the client's platform. */
  platform?: string;
  signal?: AbortSignal;
}

/** A schema 1 manifest made from an image by {@link convertToSchema1}. */
export interface Schema1Conversion {
  /** The digest of the manifest converted (the platform's image when the source was an index). */
  source: string;
  /** The manifest's bytes: signed (`+prettyjws`) with a key, else the unsigned payload. */
  bytes: Uint8Array;
  /** The digest registries address it by: the payload's, signed or not. */
  digest: string;
  manifest: Schema1Manifest;
}

/** Options of {@link pushSchema1}. */
export interface PushSchema1Options extends ConvertSchema1Options {
  key: Schema1PrivateKey;
  /** Called for each blob copied into the target repository. */
  onProgress?: OnTransferProgress;
  /**
   * Convert and sign, and find the blobs the target lacks (HEAD), but write nothing: the result says what would be
   * pushed (`missingBlobs`). Whether the registry accepts schema 1 is only known by pushing.
   */
  dryRun?: boolean;
}

/** What {@link pushSchema1} pushed. */
export interface PushSchema1Result extends PutManifestResult {
  /** The digest of the manifest converted (the platform's image when the source was an index). */
  source: string;
  /** The schema 1 manifest pushed, as signed. */
  manifest: Schema1Manifest;
  /** The signed bytes sent. Their digest is the payload's: the registry serves other signatures under it. */
  bytes: Uint8Array;
  /** With `dryRun`: nothing was written, and these blobs of the manifest are missing from the target. */
  missingBlobs?: string[];
}

/** What a conversion needs besides the payload: the source and the blobs the manifest names. */
interface Prepared {
  got: ManifestResult;
  payload: Uint8Array;
  layers: Descriptor[];
  usesEmptyLayer: boolean;
}

/**
 * The unsigned schema 1 payload of `source` under the name and tag of `target`: an image converted as distribution's
 * schema 1 builder converts it (@regatta/manifest's schema1FromImage), a schema 1 manifest taken as it is, or rebuilt
 * when its name or tag differ.
 */
async function prepare(
  ctx: ClientContext,
  source: Reference,
  target: Reference,
  options: ConvertSchema1Options,
  verb: string,
): Promise<Prepared> {
  if (!target.tag) {
    throw new UsageError(
      `${verb} ${target.familiar()}: a tag is needed (a schema 1 manifest names its tag, and is put by it)`,
    );
  }
  const calls = options.signal ? { signal: options.signal } : {};
  const asked = options.platform ?? ctx.chosenPlatform;
  // A platform asked of a single image of another platform is refused (image-config.ts), as inspect refuses it.
  const got =
    asked !== undefined
      ? await getAskedManifest(ctx, source, { platform: asked, ...calls })
      : await getManifest(ctx, source, { platform: ctx.platform, ...calls });
  if (got.parsed.kind === "schema1") {
    const old = got.parsed.manifest;
    const payload =
      old.name === target.repository && old.tag === target.tag
        ? got.parsed.payload
        : buildSchema1({
            name: target.repository,
            tag: target.tag,
            architecture: old.architecture,
            fsLayers: old.fsLayers.map((l) => l.blobSum),
            history: old.history.map((h) => h.v1Compatibility),
          });
    // Schema 1 names no sizes or types: the source registry is asked for each size (HEAD).
    const repo = got.reference.repositoryOnly();
    const layers: Descriptor[] = [];
    for (const digest of new Set(old.fsLayers.map((l) => l.blobSum))) {
      const size = await new BlobHandle(ctx, repo, digest).size(calls);
      if (size === undefined) {
        throw new NotFoundError(
          `${verb} from ${got.reference.familiar()}: its repository has no blob ${digest}`,
          {
            code: "BLOB_UNKNOWN",
          },
        );
      }
      layers.push({ digest, size, mediaType: "application/octet-stream" });
    }
    return { got, payload, layers, usesEmptyLayer: false };
  }
  if (got.parsed.kind !== "image") {
    throw new UnsupportedError(
      `${verb} from ${got.reference.familiar()}: it is an index with no image for the platform; name one (--platform)`,
    );
  }
  const image = got.parsed.manifest;
  const config = await new BlobHandle(
    ctx,
    got.reference.repositoryOnly(),
    image.config.digest,
    image.config.size,
  ).bytes(calls);
  const built = await schema1FromImage({
    name: target.repository,
    tag: target.tag,
    config,
    layers: image.layers,
  });
  return { got, payload: built.payload, layers: image.layers, usesEmptyLayer: built.usesEmptyLayer };
}

/**
 * Converts an image to a Docker schema 1 manifest named after `target` (`name` its repository, `tag` its tag), signed
 * when a key is given, without pushing anything: what {@link pushSchema1} would push.
 */
export async function convertToSchema1(
  ctx: ClientContext,
  sourceInput: ReferenceInput,
  targetInput: ReferenceInput,
  options: ConvertSchema1Options = {},
): Promise<Schema1Conversion> {
  const target = toReference(ctx, targetInput);
  const { got, payload } = await prepare(
    ctx,
    toReference(ctx, sourceInput),
    target,
    options,
    "convert to schema 1",
  );
  const bytes = options.key ? await signSchema1(payload, options.key) : payload;
  const parsed = parseManifest(bytes);
  return { source: got.digest, bytes, digest: parsed.digest, manifest: parsed.manifest as Schema1Manifest };
}

/**
 * Converts an image to a signed schema 1 manifest and pushes it under `target` (which needs a tag: schema 1 names its
 * tag inside the manifest): the manifest is put first, and when the registry lacks blobs it names, the layers are
 * copied into the target repository (plus the gzipped empty tar for history entries without a layer) and it is put
 * again, so a registry that refuses schema 1 is left untouched. The manifest is built as distribution's schema 1 builder builds it (name and tag
 * from `target`), signed with `key`, and put as `+prettyjws`. A schema 1 source is signed again (rebuilt first when
 * its name or tag differ from the target's).
 * @throws UsageError without a tag; UnsupportedError when the registry refuses schema 1 (see explainSchema1Refusal).
 */
export async function pushSchema1(
  ctx: ClientContext,
  sourceInput: ReferenceInput,
  targetInput: ReferenceInput,
  options: PushSchema1Options,
): Promise<PushSchema1Result> {
  const target = toReference(ctx, targetInput);
  const calls = options.signal ? { signal: options.signal } : {};
  const { got, payload, layers, usesEmptyLayer } = await prepare(
    ctx,
    toReference(ctx, sourceInput),
    target,
    options,
    "push schema 1",
  );
  // Signed before any upload: a bad key fails with nothing written.
  const bytes = await signSchema1(payload, options.key);
  const manifest = parseManifest(bytes).manifest as Schema1Manifest;
  if (options.dryRun) {
    const targetRepo = target.repositoryOnly();
    const missingBlobs: string[] = [];
    for (const digest of new Set(manifest.fsLayers.map((l) => l.blobSum))) {
      if (!(await new BlobHandle(ctx, targetRepo, digest).exists(calls))) missingBlobs.push(digest);
    }
    const digest = computeDigest(payload);
    return {
      reference: target.withDigest(digest),
      digest,
      mediaType: DOCKER_SCHEMA1_SIGNED_MANIFEST,
      size: bytes.byteLength,
      source: got.digest,
      manifest,
      bytes,
      missingBlobs,
    };
  }
  const put = () => putManifest(ctx, target, bytes, { mediaType: DOCKER_SCHEMA1_SIGNED_MANIFEST, ...calls });
  let pushed: PutManifestResult;
  try {
    // The manifest first: a registry refusing schema 1 refuses it before it checks blobs (distribution's
    // manifestStore.Put), so nothing is uploaded to a registry that will not take the manifest.
    pushed = await put();
  } catch (error) {
    if (!(error instanceof RegistryError) || !error.errors.some((e) => e.code === "MANIFEST_BLOB_UNKNOWN"))
      throw error;
    if (usesEmptyLayer) {
      await pushBlob(ctx, target.repositoryOnly(), GZIPPED_EMPTY_TAR, {
        digest: GZIPPED_EMPTY_TAR_DIGEST,
        ...calls,
      });
    }
    await copyBlobs(ctx, got.reference, target, layers, {
      concurrency: ctx.concurrency,
      force: false,
      verify: true,
      onProgress: options.onProgress,
      signal: options.signal,
    });
    pushed = await put();
  }
  return { ...pushed, source: got.digest, manifest, bytes };
}
