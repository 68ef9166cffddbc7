/**
 * Referrers through the REAL client stack (connect → transport → bearer auth) against flavours whose access rules
 * differ from distribution's (issue 13): GHCR has no referrers API, so attaching and listing go through the
 * tag-schema fallback with a token scoped to the repository.
 */
import {
  createMswDispatcher,
  createRegistryHandlers,
  fakeRepository,
  generateImage,
  ghcrFlavour,
} from "@regatta/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { connect, type RegistryClient } from "../index.js";

const opened: RegistryClient[] = [];
afterEach(async () => {
  for (const reg of opened.splice(0)) await reg.close();
});

describe("referrers on ghcr.io (no referrers API, bearer tokens)", () => {
  it("attaches through the fallback tag and lists from it, asking the API first", async () => {
    const image = await generateImage({ seed: "ghcr-referrers" });
    const handlers = createRegistryHandlers(ghcrFlavour, {
      repos: { "user/image": fakeRepository({ "1.0": image }) },
    });
    const reg = await connect("ghcr.io", {
      dispatcher: createMswDispatcher(handlers),
      anonymous: false,
      username: "regatta",
      password: "regatta-secret",
    });
    opened.push(reg);
    const pushed = await reg.pushArtifact("ghcr.io/user/image", {
      artifactType: "application/spdx+json",
      subject: "ghcr.io/user/image:1.0",
      files: [{ bytes: "{}", title: "sbom.json" }],
    });
    expect(pushed.referrers).toBe("fallback-tag");
    const found = await reg.referrers("ghcr.io/user/image:1.0", { cosign: false });
    expect(found.api).toBe(false);
    expect(found.referrers.map((r) => [r.digest, r.source])).toEqual([[pushed.digest, "referrers-tag"]]);
    const referrerCalls = handlers.requests.filter((r) => r.path.includes("/referrers/"));
    expect(referrerCalls.map((r) => r.status)).toContain(404);
  });
});
