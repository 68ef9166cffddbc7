/**
 * Test helper (not shipped: only tests import it): the referrers the referrers tests give an image, the three shapes
 * that matter — an SBOM (an OCI 1.1 referrer), a signature of that SBOM (a referrer's referrer), and a cosign
 * signature tag (`sha256-<hex>.sig`, found by its name, in no index).
 */
import { buildImageManifest, type Descriptor, EMPTY_DESCRIPTOR } from "@regatta/manifest";
import type { RegistryClient } from "../registry-client.js";
import { fallbackTag } from "./fallback-tag.js";

export const SBOM = "application/spdx+json";
export const SIG = "application/vnd.example.signature.v1+json";

/** Attaches the three to `repo:tag`, whose manifest digest is `digest`. */
export async function decorate(reg: RegistryClient, repo: string, tag: string, digest: string) {
  const file = (text: string) => [{ bytes: text, title: `${text}.txt` }];
  const sbom = await reg.pushArtifact(repo, {
    artifactType: SBOM,
    subject: `${repo}:${tag}`,
    files: file("sbom"),
  });
  const sbomSig = await reg.pushArtifact(repo, {
    artifactType: SIG,
    subject: `${repo}@${sbom.digest}`,
    files: file("sbom-sig"),
  });
  const cosign = await reg.pushArtifact(`${repo}:${fallbackTag(digest)}.sig`, {
    artifactType: "application/vnd.dev.cosign.simplesigning.v1+json",
    files: file("cosign"),
  });
  return { sbom, sbomSig, cosign };
}

/** A signature of `subject` as another client would push it (not stored): its manifest and its index descriptor. */
export function otherReferrer(subject: { mediaType: string; digest: string; bytes: Uint8Array }) {
  const manifest = buildImageManifest({
    artifactType: SIG,
    config: EMPTY_DESCRIPTOR,
    layers: [],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.bytes.byteLength },
  });
  const descriptor: Descriptor = {
    mediaType: manifest.mediaType,
    digest: manifest.digest,
    size: manifest.size,
    artifactType: SIG,
  };
  return { manifest, descriptor };
}
