/**
 * Referrers and artifacts against the test kit's fake registries (issue 13): the referrers API with and without
 * `artifactType` filtering and in pages, the tag-schema fallback where the API answers 404 (distribution 2.8),
 * GitLab's `sha256-<hex>` quirk, cosign's legacy tags, and the fallback index kept whole when another writer changes
 * it between our read and our write.
 */
import { buildIndex, computeDigest, OCI_INDEX } from "@regatta/manifest";
import { parseRepository } from "@regatta/reference";
import {
  createMswDispatcher,
  createRegistryHandlers,
  distributionFlavour,
  fakeRepository,
  type GeneratedImage,
  type GeneratedIndex,
  generateImage,
  generateIndex,
  gitlabFlavour,
  oci11Flavour,
  oci11UnfilteredFlavour,
  type RegistryFlavour,
  type RegistryHandlers,
} from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../connect.js";
import { ProtocolError } from "../index.js";
import type { RegistryClient } from "../registry-client.js";
import { answeringRegistry, json, rejection } from "../test-answering-registry.js";
import { fallbackTag, removeFromFallbackIndex } from "./fallback-tag.js";
import { otherReferrer } from "./test-decorate.js";

const SBOM = "application/spdx+json";
const SIG = "application/vnd.example.signature.v1+json";

let image: GeneratedImage;
let index: GeneratedIndex;
beforeAll(async () => {
  image = await generateImage({ seed: "referrers" });
  index = await generateIndex({ seed: "referrers-index" });
});

function registry(flavour: RegistryFlavour): { reg: RegistryClient; handlers: RegistryHandlers } {
  const handlers = createRegistryHandlers(flavour, {
    host: "registry.test",
    repos: { "team/app": fakeRepository({ v1: image, multi: index }) },
  });
  const reg = createClient("registry.test", {
    dispatcher: createMswDispatcher(handlers),
    retry: { attempts: 0 },
  });
  return { reg, handlers };
}

const attach = (reg: RegistryClient, artifactType: string, text: string, subject = "team/app:v1") =>
  reg.pushArtifact("team/app", {
    artifactType,
    subject,
    files: [{ bytes: text, title: `${text}.json`, mediaType: "application/json" }],
  });

describe("on a registry without the referrers API (distribution 2.8: 404)", () => {
  it("pushes with subject, lists the referrer in the fallback tag index, and finds it there", async () => {
    const { reg, handlers } = registry(distributionFlavour);
    const pushed = await attach(reg, SBOM, "sbom");
    expect(pushed.referrers).toBe("fallback-tag");
    expect(pushed.fallbackTag).toBe(`sha256-${image.manifest.digest.slice(7)}`);
    const repo = handlers.store.repository("team/app")!;
    const indexDigest = repo.tags!.get(pushed.fallbackTag!)!;
    const stored = JSON.parse(repo.manifests.get(indexDigest)!.bytes.toString("utf8"));
    expect(stored.mediaType).toBe(OCI_INDEX);
    expect(stored.manifests).toEqual([
      { mediaType: pushed.mediaType, digest: pushed.digest, size: pushed.size, artifactType: SBOM },
    ]);

    const found = await reg.referrers("team/app:v1");
    expect(found.api).toBe(false);
    expect(found.digest).toBe(image.manifest.digest);
    expect(found.referrers).toEqual([
      {
        mediaType: pushed.mediaType,
        digest: pushed.digest,
        size: pushed.size,
        artifactType: SBOM,
        source: "referrers-tag",
        tag: pushed.fallbackTag,
      },
    ]);
  });

  it("adds a second referrer without losing the first, and filters by artifactType itself", async () => {
    const { reg } = registry(distributionFlavour);
    const sbom = await attach(reg, SBOM, "sbom");
    const sig = await attach(reg, SIG, "sig");
    const all = await reg.referrers("team/app:v1", { cosign: false });
    expect(all.referrers.map((r) => r.digest).sort()).toEqual([sbom.digest, sig.digest].sort());
    const sigs = await reg.referrers("team/app:v1", { artifactType: SIG, cosign: false });
    expect(sigs.referrers.map((r) => r.digest)).toEqual([sig.digest]);
  });

  it("re-reads and retries when another writer changes the index between its read and its write", async () => {
    const tag = fallbackTag(image.manifest.digest);
    const { manifest: other, descriptor: otherDescriptor } = otherReferrer(image.manifest);
    const otherIndex = buildIndex({ manifests: [otherDescriptor] });
    let gets = 0;
    // Another client's write lands just before our second read of the fallback tag (the check before the PUT).
    const flavour: RegistryFlavour = {
      ...distributionFlavour,
      preempt: (ctx) => {
        if (ctx.route !== "manifest" || ctx.request.method !== "GET" || ctx.reference !== tag)
          return undefined;
        if (++gets === 2) {
          const repo = ctx.store.repository("team/app")!;
          repo.manifests.set(other.digest, { bytes: Buffer.from(other.bytes), mediaType: other.mediaType });
          repo.manifests.set(otherIndex.digest, {
            bytes: Buffer.from(otherIndex.bytes),
            mediaType: OCI_INDEX,
          });
          repo.tags!.set(tag, otherIndex.digest);
        }
        return undefined;
      },
    };
    const { reg, handlers } = registry(flavour);
    const mine = await attach(reg, SBOM, "mine");
    expect(gets).toBeGreaterThan(3);
    const repo = handlers.store.repository("team/app")!;
    const listed = JSON.parse(repo.manifests.get(repo.tags!.get(tag)!)!.bytes.toString("utf8"));
    expect(listed.manifests.map((m: { digest: string }) => m.digest).sort()).toEqual(
      [mine.digest, other.digest].sort(),
    );
  });

  it("writes again when its referrer is missing after the PUT (a later writer's index won)", async () => {
    const tag = fallbackTag(image.manifest.digest);
    let gets = 0;
    let lost: string | undefined;
    const flavour: RegistryFlavour = {
      ...distributionFlavour,
      preempt: (ctx) => {
        if (ctx.route !== "manifest" || ctx.request.method !== "GET" || ctx.reference !== tag)
          return undefined;
        // Reads 1 and 2 find nothing; read 3 follows our PUT: the tag is gone again, as if overwritten.
        if (++gets === 3) {
          lost = ctx.store.repository("team/app")!.tags!.get(tag);
          ctx.store.repository("team/app")!.tags!.delete(tag);
        }
        return undefined;
      },
    };
    const { reg, handlers } = registry(flavour);
    const mine = await attach(reg, SBOM, "mine");
    expect(lost).toBeDefined();
    const repo = handlers.store.repository("team/app")!;
    const listed = JSON.parse(repo.manifests.get(repo.tags!.get(tag)!)!.bytes.toString("utf8"));
    expect(listed.manifests.map((m: { digest: string }) => m.digest)).toEqual([mine.digest]);
    expect(gets).toBe(6);
  });

  it("never overwrites a fallback tag that holds something other than a referrers index", async () => {
    const { reg, handlers } = registry(distributionFlavour);
    const repo = handlers.store.repository("team/app")!;
    // Someone tagged the multi-platform index under the subject's fallback tag name.
    const tag = fallbackTag(image.manifest.digest);
    repo.tags!.set(tag, index.index.digest);
    const error = await rejection(attach(reg, SBOM, "sbom"), ProtocolError);
    expect(error.code).toBe("FALLBACK_TAG_NOT_INDEX");
    expect(repo.tags!.get(tag)).toBe(index.index.digest);
    const found = await reg.referrers("team/app:v1");
    expect(found.referrers).toEqual([]);
    expect(found.ignored).toMatch(/platform images/);
  });
});

describe("removeFromFallbackIndex (deleting referrers)", () => {
  it("drops one referrer and keeps the others; writes nothing when it is not listed", async () => {
    const { reg, handlers } = registry(distributionFlavour);
    const sbom = await attach(reg, SBOM, "sbom");
    const sig = await attach(reg, SIG, "sig");
    const repo = parseRepository("registry.test/team/app");
    const removed = await removeFromFallbackIndex(reg.ctx, repo, image.manifest.digest, sbom.digest);
    expect(removed.written).toBe(true);
    expect(removed.manifests.map((m) => m.digest)).toEqual([sig.digest]);
    const found = await reg.referrers("team/app:v1", { cosign: false });
    expect(found.referrers.map((r) => r.digest)).toEqual([sig.digest]);
    const puts = handlers.requests.filter((r) => r.method === "PUT").length;
    const again = await removeFromFallbackIndex(reg.ctx, repo, image.manifest.digest, sbom.digest);
    expect(again.written).toBe(false);
    expect(handlers.requests.filter((r) => r.method === "PUT")).toHaveLength(puts);
    // The last one out deletes the index, and its tag with it: no stale entry, no empty index left behind.
    const indexDigest = handlers.store.repository("team/app")!.tags!.get(fallbackTag(image.manifest.digest))!;
    const last = await removeFromFallbackIndex(reg.ctx, repo, image.manifest.digest, sig.digest);
    expect(last).toEqual({
      tag: fallbackTag(image.manifest.digest),
      manifests: [],
      written: true,
      deleted: true,
    });
    expect(handlers.store.repository("team/app")!.tags!.has(fallbackTag(image.manifest.digest))).toBe(false);
    expect(handlers.store.repository("team/app")!.manifests.has(indexDigest)).toBe(false);
    expect((await reg.referrers("team/app:v1", { cosign: false })).referrers).toEqual([]);
  });

  it("removes several at once; where deletes are off, an emptied index is written empty instead", async () => {
    const { reg, handlers } = registry({ ...distributionFlavour, deleteEnabled: false });
    const sbom = await attach(reg, SBOM, "sbom");
    const sig = await attach(reg, SIG, "sig");
    const repo = parseRepository("registry.test/team/app");
    const result = await removeFromFallbackIndex(reg.ctx, repo, image.manifest.digest, [
      sbom.digest,
      sig.digest,
    ]);
    expect(result).toMatchObject({ written: true, manifests: [] });
    expect(result.deleted).toBeUndefined();
    const tagged = handlers.store.repository("team/app")!.tags!.get(fallbackTag(image.manifest.digest))!;
    expect(
      JSON.parse(handlers.store.repository("team/app")!.manifests.get(tagged)!.bytes.toString()).manifests,
    ).toEqual([]);
  });

  it("leaves a fallback tag that holds no referrers index alone (it cannot list what is removed)", async () => {
    const { reg, handlers } = registry(distributionFlavour);
    const repo = parseRepository("registry.test/team/app");
    handlers.store.repository("team/app")!.tags!.set(fallbackTag(image.manifest.digest), index.index.digest);
    const result = await removeFromFallbackIndex(reg.ctx, repo, image.manifest.digest, image.manifest.digest);
    expect(result).toMatchObject({ written: false, manifests: [] });
    expect(handlers.store.repository("team/app")!.tags!.get(fallbackTag(image.manifest.digest))).toBe(
      index.index.digest,
    );
  });

  it("writes nothing where there is no fallback index", async () => {
    const { reg, handlers } = registry(distributionFlavour);
    const repo = parseRepository("registry.test/team/app");
    const result = await removeFromFallbackIndex(reg.ctx, repo, image.manifest.digest, image.manifest.digest);
    expect(result).toEqual({ tag: fallbackTag(image.manifest.digest), manifests: [], written: false });
    expect(handlers.requests.filter((r) => r.method === "PUT")).toEqual([]);
  });
});

describe("on a registry with the referrers API", () => {
  it("trusts OCI-Subject on the PUT and writes no fallback tag; lists every referrer from the API", async () => {
    const { reg, handlers } = registry(oci11Flavour);
    const sbom = await attach(reg, SBOM, "sbom");
    const sig = await attach(reg, SIG, "sig");
    expect(sbom.referrers).toBe("api");
    expect(sig.referrers).toBe("api");
    // OCI-Subject was checked by one GET of the referrers API (referrers-api.ts), remembered for the second push.
    expect(handlers.requests.filter((r) => r.path.includes("/referrers/"))).toHaveLength(1);
    expect([...handlers.store.repository("team/app")!.tags!.keys()].sort()).toEqual(["multi", "v1"]);
    const found = await reg.referrers("team/app:v1");
    expect(found.api).toBe(true);
    expect(found.referrers.map((r) => [r.digest, r.source, r.artifactType]).sort()).toEqual(
      [
        [sbom.digest, "referrers-api", SBOM],
        [sig.digest, "referrers-api", SIG],
      ].sort(),
    );
  });

  it("takes only an OCI-Subject naming the subject's digest: `true` (a 2023 draft) still gets the fallback index", async () => {
    const { reg, handlers } = registry({
      ...oci11Flavour,
      referrers: { filtering: true, subjectHeader: "true" },
    });
    const pushed = await attach(reg, SBOM, "sbom");
    expect(pushed.referrers).toBe("fallback-tag");
    expect(handlers.store.repository("team/app")!.tags!.has(fallbackTag(image.manifest.digest))).toBe(true);
    // Listed once, from the API, though the fallback index names it too.
    const found = await reg.referrers("team/app:v1", { cosign: false });
    expect(found.referrers.map((r) => [r.digest, r.source])).toEqual([[pushed.digest, "referrers-api"]]);
  });

  it("asks the registry to filter, and takes its answer when it says it filtered", async () => {
    const { reg, handlers } = registry(oci11Flavour);
    await attach(reg, SBOM, "sbom");
    const sig = await attach(reg, SIG, "sig");
    const before = handlers.requests.length;
    const found = await reg.referrers("team/app:v1", { artifactType: SIG, cosign: false });
    expect(found.referrers.map((r) => r.digest)).toEqual([sig.digest]);
    const asked = handlers.requests.slice(before).filter((r) => r.path.includes("/referrers/"));
    expect(asked).toHaveLength(1);
    expect(new URL(asked[0]!.path, "http://x").searchParams.get("artifactType")).toBe(SIG);
  });

  it("filters itself when the registry did not (no OCI-Filters-Applied)", async () => {
    const { reg, handlers } = registry(oci11UnfilteredFlavour);
    await attach(reg, SBOM, "sbom");
    const sig = await attach(reg, SIG, "sig");
    const found = await reg.referrers("team/app:v1", { artifactType: SIG, cosign: false });
    expect(found.referrers.map((r) => r.digest)).toEqual([sig.digest]);
    expect(handlers.requests.some((r) => r.path.includes("/referrers/") && r.status === 200)).toBe(true);
  });

  it("follows Link pages of referrers", async () => {
    const { reg, handlers } = registry({ ...oci11Flavour, referrers: { filtering: true, pageSize: 1 } });
    const pushed = [await attach(reg, SBOM, "a"), await attach(reg, SBOM, "b"), await attach(reg, SIG, "c")];
    const before = handlers.requests.length;
    const found = await reg.referrers("team/app:v1", { cosign: false });
    expect(found.referrers.map((r) => r.digest).sort()).toEqual(pushed.map((p) => p.digest).sort());
    expect(handlers.requests.slice(before).filter((r) => r.path.includes("/referrers/"))).toHaveLength(3);
  });

  it("refuses an answer that is not an index", async () => {
    const answering = await answeringRegistry(({ path }) =>
      path.includes("/referrers/") ? json({ hello: "world" }) : json({}, {}, 404),
    );
    try {
      const error = await rejection(
        answering.reg.referrers(`${answering.host}/team/app@${image.manifest.digest}`),
        ProtocolError,
      );
      expect(error.message).toMatch(/not a referrers index/);
    } finally {
      await answering.close();
    }
  });
});

describe("the referrers API's failures", () => {
  const onAnswering = async (
    answer: Parameters<typeof answeringRegistry>[0],
    run: (reg: RegistryClient, host: string) => Promise<void>,
  ) => {
    const answering = await answeringRegistry(answer);
    try {
      await run(answering.reg, answering.host);
    } finally {
      await answering.close();
    }
  };
  const index = (manifests: object[]) => ({ schemaVersion: 2, mediaType: OCI_INDEX, manifests });

  it("takes only a 404 as 'no API': a 500 fails the listing instead of reading the fallback tag", async () => {
    let fallbackAsked = false;
    await onAnswering(
      ({ path }) => {
        if (path.includes("/manifests/")) fallbackAsked = true;
        return path.includes("/referrers/")
          ? json({ errors: [{ code: "UNKNOWN", message: "boom" }] }, {}, 500)
          : json({}, {}, 404);
      },
      async (reg, host) => {
        await expect(
          reg.referrers(`${host}/team/app@${image.manifest.digest}`, { cosign: false }),
        ).rejects.toThrow(/500|boom/);
      },
    );
    expect(fallbackAsked).toBe(false);
  });

  it("refuses a next-page link to another origin", async () => {
    await onAnswering(
      () => json(index([]), { link: '<http://169.254.169.254/v2/x/referrers/y>; rel="next"' }),
      async (reg, host) => {
        const error = await rejection(
          reg.referrers(`${host}/team/app@${image.manifest.digest}`, { cosign: false }),
          ProtocolError,
        );
        expect(error.code).toBe("FOREIGN_NEXT_LINK");
      },
    );
  });

  it("sends artifactType on the first page only; the registry's next link carries what it needs", async () => {
    const paths: string[] = [];
    const d = (c: string) => `sha256:${c.repeat(64)}`;
    await onAnswering(
      ({ path }) => {
        paths.push(path);
        if (!path.includes("/referrers/")) return json({}, {}, 404);
        const first = !path.includes("page=2");
        const entry = {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: d(first ? "a" : "b"),
          size: 1,
          artifactType: SIG,
        };
        return json(
          index([entry]),
          first
            ? {
                link: `</v2/team/app/referrers/${image.manifest.digest}?page=2>; rel="next"`,
                "oci-filters-applied": "artifactType",
              }
            : { "oci-filters-applied": "artifactType" },
        );
      },
      async (reg, host) => {
        const found = await reg.referrers(`${host}/team/app@${image.manifest.digest}`, {
          cosign: false,
          artifactType: SIG,
        });
        expect(found.referrers.map((r) => r.digest)).toEqual([d("a"), d("b")]);
      },
    );
    expect(paths).toEqual([
      `/v2/team/app/referrers/${image.manifest.digest}?artifactType=${encodeURIComponent(SIG)}`,
      `/v2/team/app/referrers/${image.manifest.digest}?page=2`,
    ]);
  });
});

describe("GitLab's quirk: sha256-<hex> resolves to the subject", () => {
  it("ignores the subject served as its own fallback index, then writes a real one", async () => {
    const { reg } = registry(gitlabFlavour);
    const before = await reg.referrers("team/app:multi", { cosign: false });
    // Trusting the answer would list the index's two platform images as its referrers.
    expect(before.referrers).toEqual([]);
    expect(before.ignored).toMatch(/resolves to the subject itself/);
    const pushed = await attach(reg, SBOM, "sbom", "team/app:multi");
    expect(pushed.referrers).toBe("fallback-tag");
    const after = await reg.referrers("team/app:multi", { cosign: false });
    expect(after.referrers.map((r) => r.digest)).toEqual([pushed.digest]);
    expect(after.ignored).toBeUndefined();
  });
});

describe("cosign's legacy tags", () => {
  it("are listed with the referrers, source cosign-tag", async () => {
    const { reg, handlers } = registry(distributionFlavour);
    const sbom = await attach(reg, SBOM, "sbom");
    const sig = await reg.pushArtifact(`team/app:${fallbackTag(image.manifest.digest)}.sig`, {
      artifactType: "application/vnd.dev.cosign.simplesigning.v1+json",
      files: [{ bytes: "signature", title: "sig" }],
    });
    const found = await reg.referrers("team/app:v1");
    expect(found.referrers.map((r) => [r.digest, r.source])).toEqual([
      [sbom.digest, "referrers-tag"],
      [sig.digest, "cosign-tag"],
    ]);
    expect(found.referrers[1]!.tag).toBe(`sha256-${image.manifest.digest.slice(7)}.sig`);
    // Three tags asked for by HEAD (sig, att, sbom), whatever they answered; only the one found is read.
    const cosignAsks = handlers.requests.filter(
      (r) => /\.(sig|att|sbom)$/.test(r.path) && r.method !== "PUT",
    );
    expect(cosignAsks.map((r) => r.method)).toEqual(["HEAD", "HEAD", "HEAD"]);
    expect(
      handlers.requests.some((r) => r.method === "GET" && r.path.endsWith(`/manifests/${sig.digest}`)),
    ).toBe(true);
  });
});

describe("the pushed artifact", () => {
  it("is an OCI artifact by the image spec: artifactType, the empty config, titled layers, subject", async () => {
    const { reg } = registry(distributionFlavour);
    const pushed = await reg.pushArtifact("team/app:sbom", {
      artifactType: SBOM,
      subject: "team/app:v1",
      annotations: { "org.example.note": "x" },
      files: [{ bytes: '{"spdx":true}', title: "sbom.spdx.json", mediaType: SBOM }],
    });
    expect(pushed.manifest).toEqual({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      artifactType: SBOM,
      config: {
        mediaType: "application/vnd.oci.empty.v1+json",
        digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
        size: 2,
        data: "e30=",
      },
      layers: [
        {
          mediaType: SBOM,
          digest: computeDigest(new TextEncoder().encode('{"spdx":true}')),
          size: 13,
          annotations: { "org.opencontainers.image.title": "sbom.spdx.json" },
        },
      ],
      subject: {
        mediaType: image.manifest.mediaType,
        digest: image.manifest.digest,
        size: image.manifest.bytes.byteLength,
      },
      annotations: { "org.example.note": "x" },
    });
  });

  it("refuses a subject in another repository, unsafe titles, and titles used twice", async () => {
    const { reg } = registry(distributionFlavour);
    await expect(attach(reg, SBOM, "x", "team/other:v1")).rejects.toThrow(/must share one/);
    // A relative path (`a/b`) is a title, as oras makes them; one that climbs or is absolute is not.
    for (const title of ["../x", "/a", "a/../b", "..", ""]) {
      await expect(
        reg.pushArtifact("team/app", { artifactType: SBOM, files: [{ bytes: "x", title }] }),
      ).rejects.toThrow(/not a safe relative path/);
    }
    await expect(
      reg.pushArtifact("team/app", {
        artifactType: SBOM,
        files: [
          { bytes: "x", title: "same" },
          { bytes: "y", title: "same" },
        ],
      }),
    ).rejects.toThrow(/two files titled "same"/);
  });
});

describe("referrerTree", () => {
  it("shows the referrers of referrers (a signature of an SBOM), filters the top level only, stops at depth", async () => {
    for (const flavour of [distributionFlavour, oci11Flavour]) {
      const { reg } = registry(flavour);
      const sbom = await attach(reg, SBOM, "sbom");
      const other = await attach(reg, SIG, "image-sig");
      const sbomSig = await attach(reg, SIG, "sbom-sig", `team/app@${sbom.digest}`);
      const tree = await reg.referrerTree("team/app:v1", { cosign: false });
      const shape = (nodes: { digest: string; referrers: unknown[] }[]): unknown =>
        nodes
          .map((n) => [n.digest, shape(n.referrers as never)])
          .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      expect(shape(tree.referrers)).toEqual(
        shape([
          { digest: sbom.digest, referrers: [{ digest: sbomSig.digest, referrers: [] }] },
          { digest: other.digest, referrers: [] },
        ]),
      );
      const sboms = await reg.referrerTree("team/app:v1", { cosign: false, artifactType: SBOM });
      expect(shape(sboms.referrers)).toEqual([[sbom.digest, [[sbomSig.digest, []]]]]);
      const shallow = await reg.referrerTree("team/app:v1", { cosign: false, artifactType: SBOM, depth: 1 });
      expect(shape(shallow.referrers)).toEqual([[sbom.digest, []]]);
    }
  });
});
