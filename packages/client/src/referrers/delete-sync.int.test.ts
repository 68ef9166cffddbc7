/**
 * Referrers travelling with their subjects on the REAL distribution 2.8 (issue 13; no referrers API, so every level
 * goes through the sha256-<hex> fallback indexes Regatta keeps): a multi-platform image with an SBOM, a signature,
 * a signature of the signature and a cosign `.sig` tag, copied with its referrers to a second registry, synced with
 * them into a third repository, deleted there with its referrers (fallback indexes and cosign tag gone), and deleted
 * at the source without them (still findable by its digest).
 */
import { generateIndex, pushImage, useRegistry } from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type RegistryClient } from "../index.js";
import { fallbackTag } from "./fallback-tag.js";
import type { ReferrerNode } from "./referrer-tree.js";

const SBOM = "application/spdx+json";
const SIG = "application/vnd.example.signature.v1+json";
const ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(",");

/** A tree as [digest, source, children], sorted: the same content gives the same shape. */
const shape = (nodes: readonly ReferrerNode[]): unknown[] =>
  nodes
    .map((n) => [n.digest, n.source, shape(n.referrers)])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));

describe("referrers on distribution 2.8: copy, sync, delete", () => {
  const first = useRegistry("none");
  const second = useRegistry("none");
  let reg: RegistryClient;
  let index: Awaited<ReturnType<typeof generateIndex>>;
  const pushed: Record<"sbom" | "sig" | "sigSig" | "cosign", string> = {
    sbom: "",
    sig: "",
    sigSig: "",
    cosign: "",
  };

  /** Whether `host/repo` has the manifest `reference` (tag or digest): a HEAD, where 404 is no. */
  const exists = async (repo: string, reference: string) => {
    const slash = repo.indexOf("/");
    const url = `http://${repo.slice(0, slash)}/v2/${repo.slice(slash + 1)}/manifests/${reference}`;
    const response = await fetch(url, { method: "HEAD", headers: { accept: ACCEPT } });
    if (response.status !== 200 && response.status !== 404)
      throw new Error(`HEAD ${url}: ${response.status}`);
    return response.status === 200;
  };

  beforeAll(async () => {
    index = await generateIndex({
      platforms: ["linux/amd64", "linux/arm64/v8"],
      seed: "referrers-delete-int",
    });
    await pushImage(first.url, "sc/app", "1.0", index);
    reg = createClient(first.host, { retry: { attempts: 0 } });
    const repo = `${first.host}/sc/app`;
    const file = (text: string) => [{ bytes: text, title: `${text}.txt` }];
    pushed.sbom = (
      await reg.pushArtifact(repo, { artifactType: SBOM, subject: `${repo}:1.0`, files: file("sbom") })
    ).digest;
    pushed.sig = (
      await reg.pushArtifact(repo, { artifactType: SIG, subject: `${repo}:1.0`, files: file("sig") })
    ).digest;
    pushed.sigSig = (
      await reg.pushArtifact(repo, {
        artifactType: SIG,
        subject: `${repo}@${pushed.sig}`,
        files: file("sig-sig"),
      })
    ).digest;
    pushed.cosign = (
      await reg.pushArtifact(`${repo}:${fallbackTag(index.index.digest)}.sig`, {
        artifactType: "application/vnd.dev.cosign.simplesigning.v1+json",
        files: file("cosign"),
      })
    ).digest;
  }, 60_000);
  afterAll(() => reg?.close());

  const expectedTree = () =>
    [
      [pushed.cosign, "cosign-tag", []],
      [pushed.sbom, "referrers-tag", []],
      [pushed.sig, "referrers-tag", [[pushed.sigSig, "referrers-tag", []]]],
    ].sort((a, b) => String(a[0]).localeCompare(String(b[0])));

  it("copies the image with its referrers to a second registry, every level found there", async () => {
    const copied = await reg.copy(`${first.host}/sc/app:1.0`, `${second.host}/mirror/app:1.0`, {
      referrers: true,
    });
    expect(copied.referrers?.copied).toHaveLength(4);
    const tree = await reg.referrerTree(`${second.host}/mirror/app:1.0`);
    expect(tree.api).toBe(false);
    expect(shape(tree.referrers)).toEqual(expectedTree());
  });

  it("syncs the image with its referrers into a third repository, then has nothing left to copy", async () => {
    const job = { source: `${first.host}/sc/app`, target: `${second.host}/synced/app` };
    const plan = await reg.planSync(job, { referrers: true });
    expect(plan.totals.referrers).toEqual({ total: 4, copy: 4 });
    const result = await reg.sync(plan, { referrers: true });
    expect(result).toMatchObject({ copied: 1, failed: 0, referrers: 4 });
    expect(shape((await reg.referrerTree(`${second.host}/synced/app:1.0`)).referrers)).toEqual(
      expectedTree(),
    );
    const again = await reg.planSync(job, { referrers: true });
    expect(again.totals.referrers).toEqual({ total: 4, copy: 0 });
  });

  it("deletes the copy with its referrers: every level, the fallback indexes and the cosign tag gone", async () => {
    const target = `${second.host}/mirror/app`;
    const dry = await reg.deleteManifest(`${target}:1.0`, { referrers: true, dryRun: true });
    expect(dry.referrers?.list.map((r) => r.digest).sort()).toEqual(Object.values(pushed).sort());
    // The signature's signature before the signature.
    const order = dry.referrers?.list.map((r) => r.digest) ?? [];
    expect(order.indexOf(pushed.sigSig)).toBeLessThan(order.indexOf(pushed.sig));
    expect(await exists(`${target}`, `1.0`)).toBe(true);

    const deleted = await reg.deleteManifest(`${target}:1.0`, { referrers: true });
    expect(deleted.referrers?.deleted).toBe(true);
    expect(deleted.referrers?.fallbackTags.sort()).toEqual(
      [fallbackTag(index.index.digest), fallbackTag(pushed.sig)].sort(),
    );
    for (const digest of [index.index.digest, ...Object.values(pushed)])
      expect(await exists(`${target}`, `${digest}`)).toBe(false);
    expect(await exists(`${target}`, `${fallbackTag(index.index.digest)}`)).toBe(false);
    expect(await exists(`${target}`, `${fallbackTag(pushed.sig)}`)).toBe(false);
    expect(await exists(`${target}`, `${fallbackTag(index.index.digest)}.sig`)).toBe(false);
    // The synced repository of the same registry is untouched.
    expect(await exists(`${second.host}/synced/app`, `${pushed.sigSig}`)).toBe(true);
  });

  it("deletes the source image alone: its referrers stay, findable by its digest", async () => {
    const deleted = await reg.deleteManifest(`${first.host}/sc/app:1.0`);
    expect(deleted.referrers).toEqual({ count: 3, deleted: false, list: [], fallbackTags: [], api: false });
    expect(await exists(`${first.host}/sc/app`, `1.0`)).toBe(false);
    const tree = await reg.referrerTree(`${first.host}/sc/app@${index.index.digest}`);
    expect(shape(tree.referrers)).toEqual(expectedTree());
  });
});
