/**
 * QA M1, on the REAL distribution 2.8 (no referrers API: every referrer goes through the sha256-<hex> fallback tags):
 * the referrers of an index's platform manifests (an `oras attach` to a platform digest, a `cosign sign --recursive`
 * `sha256-<child>.sig` tag) travel with `copy --referrers` and `sync --referrers` as the index's own do, counted; and
 * `sync --referrers` copies every tag a plain sync copies (it used to drop the children's referrer tags), including
 * a referrer tag whose subject is not in the repository.
 */
import { generateIndex, pushImage, useRegistry } from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type RegistryClient } from "../index.js";
import { fallbackTag } from "./fallback-tag.js";

const SIG = "application/vnd.example.signature.v1+json";
const ROOT = "application/vnd.example.root.v1+json";
const COSIGN = "application/vnd.dev.cosign.simplesigning.v1+json";
/** A digest no manifest of the repository has: its cosign tag is a referrer tag with no subject there. */
const ORPHAN = `sha256:${"0".repeat(63)}1`;

describe("referrers of an index's platform manifests on distribution 2.8", () => {
  const first = useRegistry("none");
  const second = useRegistry("none");
  let reg: RegistryClient;
  let index: Awaited<ReturnType<typeof generateIndex>>;
  let child = "";
  const pushed = { childSig: "", childCosign: "", root: "", orphan: "" };

  beforeAll(async () => {
    index = await generateIndex({ platforms: ["linux/amd64", "linux/arm64/v8"], seed: "referrers-children" });
    await pushImage(first.url, "src/multi", "v1", index);
    child = index.children[1]?.manifest.digest as string;
    reg = createClient(first.host, { retry: { attempts: 0 } });
    const repo = `${first.host}/src/multi`;
    const file = (text: string) => [{ bytes: text, title: `${text}.txt` }];
    const attach = async (target: string, artifactType: string, text: string, subject?: string) =>
      (await reg.pushArtifact(target, { artifactType, files: file(text), ...(subject ? { subject } : {}) }))
        .digest;
    pushed.childSig = await attach(repo, SIG, "child-sig", `${repo}@${child}`);
    pushed.childCosign = await attach(`${repo}:${fallbackTag(child)}.sig`, COSIGN, "child-cosign");
    pushed.root = await attach(repo, ROOT, "root", `${repo}:v1`);
    pushed.orphan = await attach(`${repo}:${fallbackTag(ORPHAN)}.sig`, COSIGN, "orphan");
  }, 60_000);
  afterAll(() => reg?.close());

  const digestsOf = async (ref: string) => (await reg.referrers(ref)).referrers.map((r) => r.digest).sort();
  const tagsOf = async (repo: string) => [...(await reg.tags(repo)).tags].sort();

  it("copy --referrers copies the platform manifests' referrers too, counted apart", async () => {
    const copied = await reg.copy(`${first.host}/src/multi:v1`, `${second.host}/ref/multi:v1`, {
      referrers: true,
    });
    expect(copied.referrers?.copied.map((c) => c.digest).sort()).toEqual(
      [pushed.root, pushed.childSig, pushed.childCosign].sort(),
    );
    expect(copied.referrers?.ofChildren).toBe(2);
    expect(await digestsOf(`${second.host}/ref/multi@${child}`)).toEqual(
      [pushed.childSig, pushed.childCosign].sort(),
    );
    expect(await digestsOf(`${second.host}/ref/multi:v1`)).toEqual([pushed.root]);
    expect(await tagsOf(`${second.host}/ref/multi`)).toEqual(
      [fallbackTag(index.index.digest), fallbackTag(child), `${fallbackTag(child)}.sig`, "v1"].sort(),
    );
  });

  it("sync --referrers copies every tag a plain sync copies, the children's referrers counted and carried", async () => {
    const plain = await reg.sync({ source: `${first.host}/src/multi`, target: `${second.host}/s/plain` });
    expect(plain.failed).toBe(0);
    const job = { source: `${first.host}/src/multi`, target: `${second.host}/s/refs` };
    const result = await reg.sync(job, { referrers: true });
    const synced = await tagsOf(`${second.host}/s/refs`);
    expect(synced).toEqual(await tagsOf(`${second.host}/s/plain`));
    expect(result.plan.totals.referrers).toEqual({ total: 3, copy: 3 });
    expect(result).toMatchObject({ failed: 0, referrers: 3 });
    // The orphan's tag has no subject to travel with: synced as a tag, as without --referrers.
    expect(synced).toContain(`${fallbackTag(ORPHAN)}.sig`);
    expect(await digestsOf(`${second.host}/s/refs@${child}`)).toEqual(
      [pushed.childSig, pushed.childCosign].sort(),
    );
    const again = await reg.planSync(job, { referrers: true });
    expect(again.totals.referrers).toEqual({ total: 3, copy: 0 });
    expect(again.totals.images.copy).toBe(0);
  });
});
