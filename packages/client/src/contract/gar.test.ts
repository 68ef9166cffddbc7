import { garFlavour } from "@regatta/testkit";
import { expect, it } from "vitest";
import { describeFlavourContract, type FlavourContract, notFound } from "./test-flavour-contract.js";

const repository = "regatta-project/images/app";
// Shaped like a Google OAuth2 access token (ya29. and random characters).
const accessToken = "ya29.a0AfB_byC7xQ2mZr9LkT4vWn8HsJd3PqYe6uNc1GbVo5Ri";

const spec: FlavourContract = {
  flavour: garFlavour,
  registry: "us-docker.pkg.dev",
  repository,
  options: { username: "oauth2accesstoken", password: accessToken },
  // The /v2/ challenge names no service, so the first token request has none either.
  auth: { service: undefined, user: "oauth2accesstoken" },
  pages: { n: 2 },
  cursor: "last",
  unknownTag: notFound(
    "MANIFEST_UNKNOWN",
    `Failed to fetch "no-such-tag" from request "/v2/${repository}/manifests/no-such-tag".`,
  ),
  unknownRepository: notFound("NAME_UNKNOWN"),
  // Google neither rewrites nor picks a platform: what the client does not accept is not found.
  schema2Only: {
    ociIndex: notFound(
      "MANIFEST_UNKNOWN",
      "Manifest with tag '1.0' has media type 'application/vnd.oci.image.index.v1+json', but client accepts 'application/vnd.docker.distribution.manifest.v2+json'.",
    ),
    dockerList: notFound(
      "MANIFEST_UNKNOWN",
      "has media type 'application/vnd.docker.distribution.manifest.list.v2+json'",
    ),
  },
};

describeFlavourContract(spec, ({ open }) => {
  it("pings with a realm-only challenge and serves tokens from /v2/token with Basic oauth2accesstoken", async () => {
    const { dispatcher, reg } = await open();
    expect((await reg.ping()).challenge).toBe('Bearer realm="https://us-docker.pkg.dev/v2/token"');
    await reg.tags(repository);
    // connect() checked the access token with a scope-less token request; the tag list asked for its own scope.
    const tokens = dispatcher.requests.filter((r) => r.url.startsWith("https://us-docker.pkg.dev/v2/token"));
    expect(tokens.map((r) => r.url)).toEqual([
      "https://us-docker.pkg.dev/v2/token",
      "https://us-docker.pkg.dev/v2/token?scope=repository%3Aregatta-project%2Fimages%2Fapp%3Apull",
    ]);
    expect(reg.whoami()).toMatchObject({ scheme: "bearer", username: "oauth2accesstoken" });
  });

  it("reads tags/list past Google's child and manifest maps", async () => {
    const { dispatcher, reg } = await open();
    const page = await reg.tags(repository);
    expect(Object.keys(page).sort()).toEqual(["name", "tags"]);
    expect(page.tags).toContain("1.0");
    expect(dispatcher.requests.some((r) => r.url.endsWith(`/v2/${repository}/tags/list`))).toBe(true);
  });
});
