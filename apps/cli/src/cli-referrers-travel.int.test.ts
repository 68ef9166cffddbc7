/**
 * Referrers travelling with their subjects through the built CLI against the REAL distribution 2.8 (issue 13): a
 * multi-platform image with an SBOM, a signature and the signature's signature (attach) and a cosign `.sig` tag
 * (artifact push), copied with --referrers to a second registry and discovered there, deleted there with --referrers
 * (dry run first; then the fallback indexes and the cosign tag are gone), deleted at the source without it (a note
 * says its referrers remain; `regatta referrers` still finds them), and synced with --referrers into a third
 * repository, discovered there.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateIndex, pushImage, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(",");

describe("referrers travel with their images (distribution 2.8, built CLI)", () => {
  const first = useRegistry("none");
  const second = useRegistry("none");
  let index: Awaited<ReturnType<typeof generateIndex>>;
  let tag: string;
  const d: Record<"sbom" | "sig" | "sigSig" | "cosign", string> = {
    sbom: "",
    sig: "",
    sigSig: "",
    cosign: "",
  };

  /** The manifest `reference` of `host/repo` exists (HEAD 200) or not (404). */
  const exists = async (repo: string, reference: string) => {
    const slash = repo.indexOf("/");
    const url = `http://${repo.slice(0, slash)}/v2/${repo.slice(slash + 1)}/manifests/${reference}`;
    const response = await fetch(url, { method: "HEAD", headers: { accept: ACCEPT } });
    if (response.status !== 200 && response.status !== 404)
      throw new Error(`HEAD ${url}: ${response.status}`);
    return response.status === 200;
  };
  const ok = async (args: string[]) => {
    const run = await regatta(args);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    return run;
  };

  beforeAll(async () => {
    index = await generateIndex({
      platforms: ["linux/amd64", "linux/arm64/v8"],
      seed: "cli-referrers-travel",
    });
    tag = `sha256-${index.index.digest.slice(7)}`;
    await pushImage(first.url, "sc/app", "1.0", index);
    const work = mkdtempSync(join(tmpdir(), "regatta-travel-"));
    const file = (name: string) => {
      writeFileSync(join(work, name), name);
      return join(work, name);
    };
    const subject = `${first.host}/sc/app:1.0`;
    const attach = async (to: string, type: string, path: string) =>
      (await ok(["attach", to, "--artifact-type", type, path])).stdout.trim();
    d.sbom = await attach(subject, "application/spdx+json", file("sbom.json"));
    d.sig = await attach(subject, "application/vnd.example.sig", file("app.sig"));
    d.sigSig = await attach(`${first.host}/sc/app@${d.sig}`, "application/vnd.example.sig", file("sig.sig"));
    const cosign = await ok([
      "artifact",
      "push",
      `${first.host}/sc/app:${tag}.sig`,
      file("cosign.sig"),
      "--artifact-type",
      "application/vnd.dev.cosign.simplesigning.v1+json",
      "--json",
    ]);
    d.cosign = JSON.parse(cosign.stdout).digest;
  }, 120_000);

  /** `regatta referrers --tree` of an image with these referrers, its lines sorted below the root. */
  const treeOf = async (ref: string) => {
    const lines = (await ok(["referrers", ref, "--tree"])).stdout.trim().split("\n");
    return lines.map((line) => line.replace(/[├└│─ ]+/, "").split("  ")[0]);
  };
  const expectedTree = () => [index.index.digest, d.sbom, d.sig, d.sigSig, d.cosign];

  it("copy --referrers carries every level to a second registry, discovered there", async () => {
    await ok(["copy", `${first.host}/sc/app:1.0`, `${second.host}/mirror/app:1.0`, "--referrers"]);
    const found = await treeOf(`${second.host}/mirror/app:1.0`);
    expect(found[0]).toBe(index.index.digest);
    expect(found.slice(1).sort()).toEqual(expectedTree().slice(1).sort());
    // The signature's signature is drawn under the signature.
    expect(found.indexOf(d.sigSig)).toBe(found.indexOf(d.sig) + 1);
  });

  it("sync --referrers into a third repository: planned, copied, discovered there", async () => {
    const source = `${first.host}/sc/app`;
    const target = `${second.host}/synced/app`;
    const plan = await ok(["sync", source, target, "--referrers", "--dry-run"]);
    expect(plan.stdout).toContain("referrers: 4 to copy of 4");
    // The referrers' own tags travel with their subject, not as images of their own.
    expect(plan.stdout).not.toContain(tag);
    const run = await ok(["sync", source, target, "--referrers", "--json"]);
    expect(JSON.parse(run.stdout)).toMatchObject({ copied: 1, failed: 0, referrers: 4 });
    const found = await treeOf(`${target}:1.0`);
    expect(found.slice(1).sort()).toEqual(expectedTree().slice(1).sort());
  });

  it("delete --referrers on the second registry: a dry run, then every level, the fallback indexes and cosign tag gone", async () => {
    const repo = `${second.host}/mirror/app`;
    const dry = await ok(["delete", `${repo}:1.0`, "--referrers", "--dry-run"]);
    expect(dry.stderr).toContain("dry run: nothing deleted; 5 manifests would be");
    const listed = dry.stdout.trim().split("\n");
    expect(listed).toHaveLength(5);
    // One tag is "its tag": was "and its tags 1.0" (QA).
    expect(listed.at(-1)).toBe(`${repo}@${index.index.digest} and its tag 1.0`);
    expect(listed.findIndex((l) => l.includes(d.sigSig))).toBeLessThan(
      listed.findIndex((l) => l.includes(d.sig)),
    );
    expect(await exists(repo, "1.0")).toBe(true);

    const run = await ok(["delete", `${repo}:1.0`, "--referrers"]);
    expect(run.stdout).toBe(`${index.index.digest}\n`);
    expect(run.stderr).toContain(`deleted referrer ${repo}@${d.sigSig}`);
    for (const digest of expectedTree()) expect(await exists(repo, digest)).toBe(false);
    expect(await exists(repo, tag)).toBe(false);
    expect(await exists(repo, `sha256-${d.sig.slice(7)}`)).toBe(false);
    expect(await exists(repo, `${tag}.sig`)).toBe(false);
    // The synced copy on the same registry keeps everything.
    expect(await exists(`${second.host}/synced/app`, d.sigSig)).toBe(true);
  });

  it("delete without --referrers: a note says they remain, and regatta referrers still finds them", async () => {
    // The dry run says the same of the referrers as the delete will.
    const dry = await regatta(["delete", `${first.host}/sc/app:1.0`, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain("note: it has 3 referrers");
    expect(dry.stderr).toContain("they would remain in the registry");
    const run = await regatta(["delete", `${first.host}/sc/app:1.0`]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("note: it had 3 referrers");
    expect(run.stderr).toContain("they remain in the registry");
    expect(await exists(`${first.host}/sc/app`, "1.0")).toBe(false);
    const found = await treeOf(`${first.host}/sc/app@${index.index.digest}`);
    expect(found.slice(1).sort()).toEqual(expectedTree().slice(1).sort());
  });
});
