/**
 * A false `OCI-Subject` (issue 13, ECR): the registry answers the header on a PUT with a subject but has no referrers
 * API (404). The header alone would leave every referrer findable by nothing; the client checks the claim with one
 * GET per repository (referrers/referrers-api.ts) and keeps the fallback tag index when the API is not there.
 */
import {
  createMswDispatcher,
  createRegistryHandlers,
  distributionFlavour,
  fakeRepository,
  falseSubjectFlavour,
  type GeneratedImage,
  generateImage,
  oci11Flavour,
  type RegistryFlavour,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { connect, type RegistryClient } from "../index.js";

let image: GeneratedImage;
beforeAll(async () => {
  image = await generateImage({ seed: "false-subject" });
});
const opened: RegistryClient[] = [];
afterEach(async () => {
  for (const reg of opened.splice(0)) await reg.close();
});

async function registries(flavours: Record<string, RegistryFlavour>) {
  const handlers = Object.fromEntries(
    Object.entries(flavours).map(([host, flavour]) => [
      host,
      createRegistryHandlers(flavour, { host, repos: { "team/app": fakeRepository({ v1: image }) } }),
    ]),
  );
  const reg = await connect(Object.keys(flavours)[0]!, {
    dispatcher: createMswDispatcher(Object.values(handlers).flat()),
    retry: { attempts: 0 },
  });
  opened.push(reg);
  return { reg, handlers };
}

const attach = (reg: RegistryClient, host: string, text: string) =>
  reg.pushArtifact(`${host}/team/app`, {
    artifactType: "application/spdx+json",
    subject: `${host}/team/app:v1`,
    files: [{ bytes: text, title: `${text}.json` }],
  });

describe("a registry that answers OCI-Subject without a referrers API", () => {
  it("says OCI-Subject on the PUT and 404 on the referrers API (the quirk as reproduced)", async () => {
    const { reg, handlers } = await registries({ "ecr.test": falseSubjectFlavour });
    // The image's own manifest, now referring to the image: a referrer made of blobs the repository has.
    const referrer = {
      ...JSON.parse(new TextDecoder().decode(image.manifest.bytes)),
      subject: {
        mediaType: image.manifest.mediaType,
        digest: image.manifest.digest,
        size: image.manifest.bytes.byteLength,
      },
    };
    const put = await reg.putManifest("ecr.test/team/app:sbom", referrer);
    expect(put.subject).toBe(image.manifest.digest);
    // The put checked the claim (one GET, 404) and kept the fallback index, as attach does.
    expect(put.referrers?.how).toBe("fallback-tag");
    await expect(reg.referrers("ecr.test/team/app:v1", { cosign: false })).resolves.toMatchObject({
      api: false,
    });
    const asked = handlers["ecr.test"]!.requests.filter((r) => r.path.includes("/referrers/"));
    expect(asked.map((r) => r.status)).toEqual([404, 404]);
  });

  it("checks the claim with one GET per repository and keeps the fallback tag index", async () => {
    const { reg, handlers } = await registries({ "ecr.test": falseSubjectFlavour });
    const first = await attach(reg, "ecr.test", "a");
    const second = await attach(reg, "ecr.test", "b");
    expect([first.referrers, second.referrers]).toEqual(["fallback-tag", "fallback-tag"]);
    const checks = handlers["ecr.test"]!.requests.filter((r) => r.path.includes("/referrers/"));
    expect(checks.map((r) => [r.method, r.status])).toEqual([["GET", 404]]);
    const found = await reg.referrers("ecr.test/team/app:v1", { cosign: false });
    expect(found.referrers.map((r) => [r.digest, r.source]).sort()).toEqual(
      [
        [first.digest, "referrers-tag"],
        [second.digest, "referrers-tag"],
      ].sort(),
    );
  });

  it("takes a deleted referrer out of the fallback index, the claim notwithstanding", async () => {
    const { reg, handlers } = await registries({ "ecr.test": falseSubjectFlavour });
    const kept = await attach(reg, "ecr.test", "kept");
    const gone = await attach(reg, "ecr.test", "gone");
    const deleted = await reg.deleteManifest(`ecr.test/team/app@${gone.digest}`);
    expect(deleted.subject?.fallbackTag).toBe(kept.fallbackTag);
    const found = await reg.referrers("ecr.test/team/app:v1", { cosign: false });
    expect(found.referrers.map((r) => r.digest)).toEqual([kept.digest]);
    expect(handlers["ecr.test"]!.store.repository("team/app")!.manifests.has(gone.digest)).toBe(false);
  });

  it("trusts a checked claim: a registry whose API answers gets no fallback tag", async () => {
    const { reg, handlers } = await registries({ "oci.test": oci11Flavour });
    const pushed = await attach(reg, "oci.test", "a");
    expect(pushed.referrers).toBe("api");
    expect([...handlers["oci.test"]!.store.repository("team/app")!.tags!.keys()]).toEqual(["v1"]);
  });

  it("copies referrers to such a target through its fallback index", async () => {
    const { reg, handlers } = await registries({
      "src.test": distributionFlavour,
      "ecr.test": falseSubjectFlavour,
    });
    const sbom = await attach(reg, "src.test", "sbom");
    handlers["ecr.test"]!.store.repository("team/app")!.tags!.delete("v1");
    await reg.copy("src.test/team/app:v1", "ecr.test/team/app:v1", { referrers: true });
    const found = await reg.referrers("ecr.test/team/app:v1", { cosign: false });
    expect(found.referrers.map((r) => [r.digest, r.source])).toEqual([[sbom.digest, "referrers-tag"]]);
  });
});
