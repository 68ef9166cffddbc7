import { harborFlavour } from "@regatta/testkit";
import { expect, it } from "vitest";
import { AuthenticationError } from "../index.js";
import {
  describeFlavourContract,
  distributionSchema2,
  expectError,
  type FlavourContract,
  notFound,
} from "./test-flavour-contract.js";

const spec: FlavourContract = {
  flavour: harborFlavour,
  registry: "harbor.example",
  repository: "library/app",
  options: { username: "regatta", password: "regatta-secret" },
  auth: { service: "harbor-registry", user: "regatta" },
  pages: { n: 2 },
  cursor: "last",
  // Harbor answers NOT_FOUND, a code outside the spec: the status makes it a NotFoundError all the same.
  unknownTag: notFound("NOT_FOUND", "artifact library/app:no-such-tag not found"),
  unknownRepository: notFound("NOT_FOUND", "repository library/app-missing not found"),
  schema2Only: distributionSchema2(),
};

describeFlavourContract(spec, ({ open }) => {
  it("takes tokens from /service/token for service harbor-registry, and tags answers with X-Request-Id", async () => {
    const { dispatcher, reg } = await open();
    expect((await reg.ping()).challenge).toBe(
      'Bearer realm="https://harbor.example/service/token",service="harbor-registry"',
    );
    const got = await reg.manifest("library/app:1.0");
    expect(got.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(dispatcher.requests.some((r) => r.url.startsWith("https://harbor.example/service/token?"))).toBe(
      true,
    );
  });

  it("lists the catalog for the admin only; others get 'unauthorized to list catalog'", async () => {
    const admin = await open({
      connect: { username: "admin", password: "Harbor12345" },
    });
    expect((await admin.reg.catalog()).repositories).toEqual(["library/app"]);
    const user = await open();
    await expectError(user.reg.catalog(), {
      kind: AuthenticationError,
      code: "UNAUTHORIZED",
      message: "unauthorized to list catalog: unauthorized to list catalog",
    });
  });

  it("writes NOT_FOUND for a missing blob, with Harbor's message", async () => {
    const { reg } = await open();
    const missing = `sha256:${"0".repeat(64)}`;
    await expectError(
      reg.blob("library/app", missing).bytes(),
      notFound("NOT_FOUND", `blob ${missing} not found`),
    );
  });
});
