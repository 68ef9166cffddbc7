import { ghcrFlavour } from "@regatta/testkit";
import { request } from "undici";
import { expect, it } from "vitest";
import { AuthorizationError } from "../index.js";
import {
  describeFlavourContract,
  distributionSchema2,
  expectError,
  type FlavourContract,
  notFound,
} from "./test-flavour-contract.js";

const spec: FlavourContract = {
  flavour: ghcrFlavour,
  registry: "ghcr.io",
  repository: "user/image",
  options: { anonymous: true },
  auth: { service: "ghcr.io", user: undefined },
  pages: { n: 2 },
  cursor: "last",
  unknownTag: notFound("MANIFEST_UNKNOWN", "manifest unknown"),
  unknownRepository: notFound("NAME_UNKNOWN"),
  schema2Only: distributionSchema2("OCI index found, but Accept header does not support OCI indexes"),
};

describeFlavourContract(spec, ({ open, fixtures }) => {
  it("gets an anonymous token from https://ghcr.io/token, answered with `token` alone, and reuses it", async () => {
    const { dispatcher, handlers, reg } = await open();
    await reg.tags("user/image");
    await reg.manifest("user/image:1.0");
    await reg.blob("user/image", fixtures().image.config.digest).bytes();
    const tokenUrls = dispatcher.requests
      .filter((r) => r.url.startsWith("https://ghcr.io/token"))
      .map((r) => r.url);
    expect(tokenUrls).toEqual([
      "https://ghcr.io/token?service=ghcr.io&scope=repository%3Auser%2Fimage%3Apull",
    ]);
    expect(handlers.tokenRequests[0]).toMatchObject({ user: undefined, status: 200 });
    const body = (await (await request(tokenUrls[0]!, { dispatcher })).body.json()) as object;
    // No expires_in: the client assumes docker's 60 s minimum and keeps using the token meanwhile.
    expect(Object.keys(body)).toEqual(["token"]);
  });

  it("says why a token may not write a package: 403 DENIED permission_denied", async () => {
    const { handlers, reg } = await open();
    handlers.inject({ route: "tags", status: 403, error: { code: "DENIED" } });
    await expectError(reg.tags("user/image"), {
      kind: AuthorizationError,
      code: "DENIED",
      message: "permission_denied: write_package",
    });
  });
});
