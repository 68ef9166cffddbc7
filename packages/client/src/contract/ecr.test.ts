import { ecrFlavour } from "@regatta/testkit";
import { expect, it } from "vitest";
import { AuthenticationError, type ConnectOptions } from "../index.js";
import {
  describeFlavourContract,
  distributionSchema2,
  expectError,
  type FlavourContract,
  notFound,
} from "./test-flavour-contract.js";

const host = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
// Shaped like GetAuthorizationToken's answer: base64 of a JSON payload, no dictionary words a message could share.
const password = "eyJwYXlsb2FkIjoiQjlxR3RXNXhMa0ZwUjJ2Wm1ONHNUOGNEIiwiZGF0YWtleSI6IkFRRUJBSGg0In0=";

const spec: FlavourContract = {
  flavour: ecrFlavour,
  registry: host,
  repository: "team/app",
  options: { username: "AWS", password },
  auth: "basic",
  pages: { n: 2 },
  cursor: "last",
  unknownTag: notFound("MANIFEST_UNKNOWN", "Requested image not found"),
  unknownRepository: notFound(
    "NAME_UNKNOWN",
    "The repository with name 'team/app-missing' does not exist in the registry with id '123456789012'",
  ),
  schema2Only: distributionSchema2(),
};

describeFlavourContract(spec, ({ open, fixtures }) => {
  it("challenges with Basic and ECR's realm and service, and takes user AWS", async () => {
    const { reg } = await open();
    expect((await reg.ping()).challenge).toBe(`Basic realm="https://${host}/",service="ecr.amazonaws.com"`);
    await reg.tags("team/app");
    expect(reg.whoami()).toMatchObject({ scheme: "basic", username: "AWS" });
  });

  it("sends no Docker-Content-Digest on a manifest GET: the digest is computed from the bytes", async () => {
    const { reg } = await open();
    const { index } = fixtures();
    const byTag = await reg.manifest("team/app:1.0");
    expect(byTag.headers["docker-content-digest"]).toBeUndefined();
    expect(byTag.digest).toBe(index.index.digest);
    const byDigest = await reg.manifest(`team/app@${index.children[2]!.manifest.digest}`);
    expect(byDigest.platform ?? byDigest.kind).toBe("image");
  });

  it("refuses a wrong password with AuthenticationError from a plain-text 401, never quoting it", async () => {
    // connect() checks the credentials it is given, so the refusal comes at once, not at the first call.
    const error = await open({ connect: { password: "wrong-ecr-password" } }).catch((e: unknown) => e);
    await expectError(Promise.reject(error), { kind: AuthenticationError, code: "UNAUTHORIZED" });
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain("wrong-ecr-password");
  });

  it("has no anonymous access at all", async () => {
    const { reg } = await open({
      // `undefined` erases the flavour's own credentials (they are spread first).
      connect: { anonymous: true, username: undefined, password: undefined } as unknown as ConnectOptions,
    });
    await expect(reg.tags("team/app")).rejects.toBeInstanceOf(AuthenticationError);
  });
});
