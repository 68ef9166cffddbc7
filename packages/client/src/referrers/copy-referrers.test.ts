/**
 * copyReferrers (issue 13): an image's referrers, theirs, and cosign's tags, copied to another registry after the
 * image, between a registry with the referrers API and one without (the fallback index kept at the target), both
 * ways, through the test kit's fakes behind one msw dispatcher.
 */
import {
  createMswDispatcher,
  createRegistryHandlers,
  distributionFlavour,
  type FakeRepositoryContent,
  fakeRepository,
  type GeneratedImage,
  type GeneratedIndex,
  generateImage,
  generateIndex,
  oci11Flavour,
  type RegistryFlavour,
  type RegistryHandlers,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../connect.js";
import { UsageError } from "../index.js";
import type { RegistryClient } from "../registry-client.js";
import { rejection } from "../test-answering-registry.js";
import { fallbackTag } from "./fallback-tag.js";
import { decorate, SIG } from "./test-decorate.js";

let image: GeneratedImage;
let multi: GeneratedIndex;
beforeAll(async () => {
  image = await generateImage({ seed: "copy-referrers" });
  multi = await generateIndex({ seed: "copy-referrers-multi", platforms: ["linux/amd64", "linux/arm64/v8"] });
});
const opened: RegistryClient[] = [];
afterEach(async () => {
  for (const reg of opened.splice(0)) await reg.close();
});

function twoRegistries(
  src: RegistryFlavour,
  dst: RegistryFlavour,
  repos: Record<string, FakeRepositoryContent> = { "team/app": fakeRepository({ v1: image }) },
) {
  const handlers: Record<"src" | "dst", RegistryHandlers> = {
    src: createRegistryHandlers(src, { host: "src.test", repos }),
    dst: createRegistryHandlers(dst, { host: "dst.test" }),
  };
  const reg = createClient("src.test", {
    dispatcher: createMswDispatcher([...handlers.src, ...handlers.dst]),
    retry: { attempts: 0 },
  });
  opened.push(reg);
  return { reg, handlers };
}

/** An SBOM of the image, a signature of the SBOM, and a cosign signature tag, at src.test/team/app. */
const decorateSource = (reg: RegistryClient) =>
  decorate(reg, "src.test/team/app", "v1", image.manifest.digest);

const shape = (nodes: { digest: string; source: string; referrers: unknown[] }[]): unknown =>
  nodes
    .map((n) => [n.digest, n.source, shape(n.referrers as never)])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));

describe("copyReferrers", () => {
  it("from a registry with the API to one without: copies every level and keeps the target's fallback indexes", async () => {
    const { reg, handlers } = twoRegistries(oci11Flavour, distributionFlavour);
    const { sbom, sbomSig, cosign } = await decorateSource(reg);
    await reg.copy("src.test/team/app:v1", "dst.test/mirror/app:v1");
    const result = await reg.copyReferrers("src.test/team/app:v1", "dst.test/mirror/app:v1");
    expect(result.targetApi).toBe(false);
    expect(result.copied.map((c) => [c.digest, c.fallback])).toEqual(
      expect.arrayContaining([
        [sbom.digest, true],
        [sbomSig.digest, true],
        [cosign.digest, false],
      ]),
    );
    // The parent before its child.
    const order = result.copied.map((c) => c.digest);
    expect(order.indexOf(sbom.digest)).toBeLessThan(order.indexOf(sbomSig.digest));
    const tree = await reg.referrerTree("dst.test/mirror/app:v1");
    expect(shape(tree.referrers)).toEqual(
      shape([
        {
          digest: sbom.digest,
          source: "referrers-tag",
          referrers: [{ digest: sbomSig.digest, source: "referrers-tag", referrers: [] }],
        },
        { digest: cosign.digest, source: "cosign-tag", referrers: [] },
      ]),
    );
    expect(
      handlers.dst.store.repository("mirror/app")!.tags!.has(`${fallbackTag(image.manifest.digest)}.sig`),
    ).toBe(true);
  });

  it("copy({ referrers: true }) carries them with the image, and again when the image is already there", async () => {
    const { reg } = twoRegistries(oci11Flavour, distributionFlavour);
    const { sbom, sbomSig, cosign } = await decorateSource(reg);
    const first = await reg.copy("src.test/team/app:v1", "dst.test/mirror/app:v1", { referrers: true });
    expect(first.upToDate).toBe(false);
    expect(first.referrers?.digest).toBe(image.manifest.digest);
    expect(first.referrers?.copied.map((c) => c.digest).sort()).toEqual(
      [sbom.digest, sbomSig.digest, cosign.digest].sort(),
    );
    const listed = await reg.referrers("dst.test/mirror/app:v1", { cosign: false });
    expect(listed.referrers.map((r) => r.digest)).toEqual([sbom.digest]);
    // The image is up to date; its referrers are still looked at (a new signature would travel).
    const again = await reg.copy("src.test/team/app:v1", "dst.test/mirror/app:v1", { referrers: true });
    expect(again.upToDate).toBe(true);
    expect(again.referrers?.copied).toHaveLength(3);
    // Without the option nothing but the image moves.
    const plain = await reg.copy("src.test/team/app:v1", "dst.test/other/app:v1");
    expect(plain.referrers).toBeUndefined();
    expect((await reg.referrers("dst.test/other/app:v1", { cosign: false })).referrers).toEqual([]);
  });

  it("copy({ referrers: true }) with a platform selection is refused before anything is copied", async () => {
    const { reg, handlers } = twoRegistries(oci11Flavour, distributionFlavour);
    await expect(
      reg.copy("src.test/team/app:v1", "dst.test/mirror/app:v1", {
        referrers: true,
        platforms: ["linux/amd64"],
      }),
    ).rejects.toThrow(UsageError);
    expect(handlers.dst.store.repository("mirror/app")).toBeUndefined();
  });

  it("from a registry without the API to one with it: no fallback tag written there", async () => {
    const { reg, handlers } = twoRegistries(distributionFlavour, oci11Flavour);
    const { sbom, sbomSig } = await decorateSource(reg);
    await reg.copy("src.test/team/app:v1", "dst.test/mirror/app:v1");
    const result = await reg.copyReferrers("src.test/team/app:v1", "dst.test/mirror/app:v1", {
      cosign: false,
    });
    expect(result.targetApi).toBe(true);
    expect(result.copied.every((c) => !c.fallback)).toBe(true);
    expect([...handlers.dst.store.repository("mirror/app")!.tags!.keys()]).toEqual(["v1"]);
    const tree = await reg.referrerTree("dst.test/mirror/app:v1", { cosign: false });
    expect(shape(tree.referrers)).toEqual(
      shape([
        {
          digest: sbom.digest,
          source: "referrers-api",
          referrers: [{ digest: sbomSig.digest, source: "referrers-api", referrers: [] }],
        },
      ]),
    );
  });

  it("refuses a target whose image has another digest (the referrers would refer to nothing there)", async () => {
    const { reg } = twoRegistries(oci11Flavour, distributionFlavour);
    await decorateSource(reg);
    await reg.copy("src.test/team/app:v1", "dst.test/mirror/app:v1");
    await reg.pushArtifact("dst.test/mirror/app:v1", {
      artifactType: SIG,
      files: [{ bytes: "x", title: "x" }],
    });
    const error = await rejection(
      reg.copyReferrers("src.test/team/app:v1", "dst.test/mirror/app:v1"),
      UsageError,
    );
    expect(error.message).toMatch(/another manifest/);
  });

  it("copies the referrers of an index's platform manifests too, to the depth the image's get (QA M1)", async () => {
    const { reg } = twoRegistries(oci11Flavour, oci11Flavour, {
      "team/multi": fakeRepository({ v1: multi }),
    });
    const child = multi.children[0]?.manifest.digest as string;
    const file = (text: string) => [{ bytes: text, title: `${text}.txt` }];
    const sig = await reg.pushArtifact("src.test/team/multi", {
      artifactType: SIG,
      subject: `src.test/team/multi@${child}`,
      files: file("child-sig"),
    });
    const sigSig = await reg.pushArtifact("src.test/team/multi", {
      artifactType: SIG,
      subject: `src.test/team/multi@${sig.digest}`,
      files: file("child-sig-sig"),
    });
    const cosign = await reg.pushArtifact(`src.test/team/multi:${fallbackTag(child)}.sig`, {
      artifactType: "application/vnd.dev.cosign.simplesigning.v1+json",
      files: file("child-cosign"),
    });
    await reg.copy("src.test/team/multi:v1", "dst.test/mirror/multi:v1");
    // One level: the child's own referrers, not the signature's signature (as for the image's).
    const shallow = await reg.copyReferrers("src.test/team/multi:v1", "dst.test/mirror/multi:v1", {
      depth: 1,
    });
    expect(shallow.copied.map((c) => [c.digest, c.subject]).sort()).toEqual(
      [
        [sig.digest, child],
        [cosign.digest, child],
      ].sort(),
    );
    expect(shallow.ofChildren).toBe(2);
    const full = await reg.copy("src.test/team/multi:v1", "dst.test/mirror/multi:v1", { referrers: true });
    expect(full.referrers?.copied.map((c) => c.digest).sort()).toEqual(
      [sig.digest, sigSig.digest, cosign.digest].sort(),
    );
    const tree = await reg.referrerTree(`dst.test/mirror/multi@${child}`);
    expect(shape(tree.referrers)).toEqual(
      shape([
        {
          digest: sig.digest,
          source: "referrers-api",
          referrers: [{ digest: sigSig.digest, source: "referrers-api", referrers: [] }],
        },
        { digest: cosign.digest, source: "cosign-tag", referrers: [] },
      ]),
    );
  });
});
