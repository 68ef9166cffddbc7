/**
 * deleteManifest and referrers (issue 13): by default a deleted image's referrers stay, counted, findable by its
 * digest; `referrers: true` deletes them first, deepest first, cosign's tags too, and the fallback indexes with them;
 * a dry run deletes nothing; a registry that refuses a delete gets no half-done delete; a referrer deleted alone
 * leaves its subject's fallback index.
 */
import { buildIndex, type Descriptor, OCI_INDEX } from "@regatta/manifest";
import {
  createMswDispatcher,
  createRegistryHandlers,
  distributionFlavour,
  type FlavourFault,
  fakeRepository,
  type GeneratedImage,
  generateImage,
  oci11Flavour,
  type RegistryFlavour,
  type RegistryHandlers,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../connect.js";
import { AuthorizationError, UnsupportedError } from "../index.js";
import type { RegistryClient } from "../registry-client.js";
import { fallbackTag } from "./fallback-tag.js";
import { decorate, otherReferrer, SBOM } from "./test-decorate.js";

let image: GeneratedImage;
beforeAll(async () => {
  image = await generateImage({ seed: "delete-referrers" });
});
const opened: RegistryClient[] = [];
afterEach(async () => {
  for (const reg of opened.splice(0)) await reg.close();
});

function registry(flavour: RegistryFlavour): { reg: RegistryClient; handlers: RegistryHandlers } {
  const handlers = createRegistryHandlers(flavour, {
    host: "registry.test",
    repos: { "team/app": fakeRepository({ v1: image }) },
  });
  const reg = createClient("registry.test", {
    dispatcher: createMswDispatcher(handlers),
    retry: { attempts: 0 },
  });
  opened.push(reg);
  return { reg, handlers };
}

/** An SBOM of the image, a signature of the SBOM, and a cosign signature tag. */
const decorateImage = (reg: RegistryClient) => decorate(reg, "team/app", "v1", image.manifest.digest);

const stored = (handlers: RegistryHandlers) => {
  const repo = handlers.store.repository("team/app")!;
  return { tags: [...(repo.tags?.keys() ?? [])].sort(), manifests: [...repo.manifests.keys()].sort() };
};
const deletes = (handlers: RegistryHandlers) => handlers.requests.filter((r) => r.method === "DELETE");

describe("deleteManifest of an image with referrers, on a registry without the referrers API", () => {
  it("leaves them by default: counted, and still findable by the image's digest", async () => {
    const { reg } = registry(distributionFlavour);
    const { sbom, cosign } = await decorateImage(reg);
    const deleted = await reg.deleteManifest(`team/app@${image.manifest.digest}`);
    expect(deleted.referrers).toEqual({ count: 2, deleted: false, list: [], fallbackTags: [], api: false });
    const found = await reg.referrers(`team/app@${image.manifest.digest}`);
    expect(found.referrers.map((r) => r.digest)).toEqual([sbom.digest, cosign.digest]);
  });

  it("with referrers: deletes them deepest first, cosign's tag too, and the fallback indexes go", async () => {
    const { reg, handlers } = registry(distributionFlavour);
    const { sbom, sbomSig, cosign } = await decorateImage(reg);
    const deleted = await reg.deleteManifest(`team/app@${image.manifest.digest}`, { referrers: true });
    expect(deleted.referrers?.list.map((r) => [r.digest, r.subject, r.source])).toEqual([
      [sbomSig.digest, sbom.digest, "referrers-tag"],
      [sbom.digest, image.manifest.digest, "referrers-tag"],
      [cosign.digest, image.manifest.digest, "cosign-tag"],
    ]);
    expect(deleted.referrers?.fallbackTags.sort()).toEqual(
      [fallbackTag(sbom.digest), fallbackTag(image.manifest.digest)].sort(),
    );
    // The image's own manifest DELETE came last.
    expect(deletes(handlers).at(-1)?.path).toBe(`/v2/team/app/manifests/${image.manifest.digest}`);
    // Nothing is left: no image, no referrer, no fallback tag, no cosign tag; the layers' blobs are the GC's.
    expect(stored(handlers)).toEqual({ tags: [], manifests: [] });
  });

  it("in a dry run lists the same and deletes nothing", async () => {
    const { reg, handlers } = registry(distributionFlavour);
    const { sbom, sbomSig, cosign } = await decorateImage(reg);
    const before = stored(handlers);
    const planned = await reg.deleteManifest("team/app:v1", { referrers: true, dryRun: true });
    expect(planned.dryRun).toBe(true);
    // A dry run deleted nothing: was `deleted: true` beside `dryRun: true` (QA).
    expect(planned.referrers).toMatchObject({ deleted: false, wouldDelete: true });
    expect(planned.referrers?.list.map((r) => r.digest)).toEqual([
      sbomSig.digest,
      sbom.digest,
      cosign.digest,
    ]);
    expect(deletes(handlers)).toEqual([]);
    expect(stored(handlers)).toEqual(before);
  });

  it("changes nothing where deletes are off (UNSUPPORTED), and says so", async () => {
    const { reg, handlers } = registry({ ...distributionFlavour, deleteEnabled: false });
    await decorateImage(reg);
    const before = stored(handlers);
    const error = await reg.deleteManifest("team/app:v1", { referrers: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toMatch(/does not allow deleting.*nothing was changed/);
    expect(stored(handlers)).toEqual(before);
  });

  it("stops before the image when a referrer cannot be deleted, its deleted siblings out of the indexes", async () => {
    let refused = "";
    const fault: FlavourFault = { status: 403, error: { code: "DENIED" } };
    const { reg, handlers } = registry({
      ...distributionFlavour,
      preempt: (ctx) => (ctx.request.method === "DELETE" && ctx.reference === refused ? fault : undefined),
    });
    const { sbom, sbomSig } = await decorateImage(reg);
    refused = sbom.digest;
    const error = await reg.deleteManifest("team/app:v1", { referrers: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthorizationError);
    expect((error as Error).message).toContain(`delete referrer registry.test/team/app@${sbom.digest}`);
    expect((error as Error).message).toMatch(/1 of 3 referrers were deleted before it.*was not deleted/);
    const left = stored(handlers);
    expect(left.manifests).toContain(image.manifest.digest);
    expect(left.manifests).toContain(sbom.digest);
    expect(left.manifests).not.toContain(sbomSig.digest);
    // The SBOM's fallback index listed only its deleted signature: it went, tag and all.
    expect(left.tags).not.toContain(fallbackTag(sbom.digest));
    expect((await reg.referrers(`team/app@${sbom.digest}`)).referrers).toEqual([]);
    expect((await reg.referrers("team/app:v1", { cosign: false })).referrers.map((r) => r.digest)).toEqual([
      sbom.digest,
    ]);
  });

  it("deleting a referrer alone takes it out of its subject's fallback index", async () => {
    const { reg, handlers } = registry(distributionFlavour);
    const { sbom } = await decorateImage(reg);
    const deleted = await reg.deleteManifest(`team/app@${sbom.digest}`);
    expect(deleted.subject).toEqual({
      digest: image.manifest.digest,
      fallbackTag: fallbackTag(image.manifest.digest),
    });
    // It was the image's only referrer in the index: the index went with it.
    expect(stored(handlers).tags).not.toContain(fallbackTag(image.manifest.digest));
    expect((await reg.referrers("team/app:v1", { cosign: false })).referrers).toEqual([]);
  });
});

describe("a referrer leaving a fallback index another writer is changing", () => {
  it("re-reads and keeps the other writer's referrer: the index is rewritten, not deleted", async () => {
    const tag = fallbackTag(image.manifest.digest);
    const { manifest: other, descriptor: otherDescriptor } = otherReferrer(image.manifest);
    let armed = false;
    let gets = 0;
    let sbomDescriptor: Descriptor | undefined;
    // Another client attaches `other` just before our second read of the fallback tag (the check before our write).
    const { reg, handlers } = registry({
      ...distributionFlavour,
      preempt: (ctx) => {
        if (!armed || ctx.route !== "manifest" || ctx.request.method !== "GET" || ctx.reference !== tag)
          return undefined;
        if (++gets === 2) {
          const index = buildIndex({
            manifests: [sbomDescriptor as Descriptor, otherDescriptor],
          });
          const repo = ctx.store.repository("team/app")!;
          repo.manifests.set(other.digest, { bytes: Buffer.from(other.bytes), mediaType: other.mediaType });
          repo.manifests.set(index.digest, { bytes: Buffer.from(index.bytes), mediaType: OCI_INDEX });
          repo.tags!.set(tag, index.digest);
        }
        return undefined;
      },
    });
    const sbom = await reg.pushArtifact("team/app", {
      artifactType: SBOM,
      subject: "team/app:v1",
      files: [{ bytes: "sbom", title: "sbom.txt" }],
    });
    sbomDescriptor = { mediaType: sbom.mediaType, digest: sbom.digest, size: sbom.size, artifactType: SBOM };
    armed = true;
    const deleted = await reg.deleteManifest(`team/app@${sbom.digest}`);
    expect(gets).toBeGreaterThan(2);
    expect(deleted.subject).toEqual({ digest: image.manifest.digest, fallbackTag: tag });
    const repo = handlers.store.repository("team/app")!;
    const listed = JSON.parse(repo.manifests.get(repo.tags!.get(tag)!)!.bytes.toString("utf8"));
    expect(listed.manifests.map((m: Descriptor) => m.digest)).toEqual([other.digest]);
  });
});

describe("deleteManifest of an image with referrers, on a registry with the referrers API", () => {
  it("deletes what the API lists, writes no fallback tag, and a referrer alone touches no index", async () => {
    const { reg, handlers } = registry(oci11Flavour);
    const { sbom, sbomSig, cosign } = await decorateImage(reg);
    const alone = await reg.deleteManifest(`team/app@${sbomSig.digest}`);
    expect(alone.subject).toEqual({ digest: sbom.digest });
    const deleted = await reg.deleteManifest("team/app:v1", { referrers: true });
    expect(deleted.referrers).toMatchObject({ count: 2, deleted: true, fallbackTags: [], api: true });
    expect(deleted.referrers?.list.map((r) => [r.digest, r.source])).toEqual([
      [sbom.digest, "referrers-api"],
      [cosign.digest, "cosign-tag"],
    ]);
    expect(handlers.requests.filter((r) => r.method === "PUT" && r.path.includes("sha256-"))).toHaveLength(1);
    expect(stored(handlers)).toEqual({ tags: [], manifests: [] });
  });
});
