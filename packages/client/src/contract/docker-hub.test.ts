import { repositoryScope } from "@regatta/auth";
import { DOCKER_HUB_PULL_LIMIT, dockerHubFlavour } from "@regatta/testkit";
import { rateLimitOf } from "@regatta/transport";
import { request } from "undici";
import { expect, it } from "vitest";
import { AuthenticationError, TooManyRequestsError } from "../index.js";
import {
  describeFlavourContract,
  distributionSchema2,
  expectError,
  type FlavourContract,
  notFound,
} from "./test-flavour-contract.js";

const spec: FlavourContract = {
  flavour: dockerHubFlavour,
  registry: "docker.io",
  repository: "library/alpine",
  familiar: "alpine",
  options: { anonymous: true },
  auth: { service: "registry.docker.io", user: undefined },
  pages: { n: 2 },
  cursor: "last",
  unknownTag: notFound("MANIFEST_UNKNOWN", "manifest unknown"),
  // Docker Hub hands out a token without access, so a missing repository looks like a private one.
  unknownRepository: { kind: AuthenticationError, code: "UNAUTHORIZED", message: "authentication required" },
  schema2Only: distributionSchema2(),
};

describeFlavourContract(spec, ({ open, fixtures }) => {
  it("asks auth.docker.io for a library/ scope, anonymously, and gets token and access_token for 300 s", async () => {
    const { dispatcher, handlers, reg } = await open();
    await reg.tags("alpine");
    const token = dispatcher.requests.find((r) => r.url.startsWith("https://auth.docker.io/"));
    expect(token?.url).toBe(
      "https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Falpine%3Apull",
    );
    expect(handlers.tokenRequests[0]?.user).toBeUndefined();
    const answer = await request(token!.url, { dispatcher });
    const body = (await answer.body.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["access_token", "expires_in", "issued_at", "token"]);
    expect(body.expires_in).toBe(300);
  });

  it("surfaces ratelimit-limit/remaining on manifests; a HEAD does not count, a GET does", async () => {
    const { reg } = await open();
    const head = await reg.head("alpine:1.0");
    expect(rateLimitOf(head.headers)).toEqual({
      limit: `${DOCKER_HUB_PULL_LIMIT};w=21600`,
      remaining: `${DOCKER_HUB_PULL_LIMIT};w=21600`,
    });
    const got = await reg.manifest("alpine:1.0");
    expect(got.headers["ratelimit-remaining"]).toBe(`${DOCKER_HUB_PULL_LIMIT - 1};w=21600`);
    expect(rateLimitOf(got.headers)?.limit).toBe("100;w=21600");
  });

  it("answers 429 TOOMANYREQUESTS past the pull limit, while HEAD still works", async () => {
    const { handlers, reg } = await open({
      connect: { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } },
    });
    handlers.state.pullsRemaining = 0;
    await expectError(reg.manifest("alpine:1.0"), {
      kind: TooManyRequestsError,
      code: "TOOMANYREQUESTS",
      message: "You have reached your pull rate limit",
    });
    expect(handlers.requests.filter((r) => r.status === 429)).toHaveLength(2);
    expect(await reg.digest("alpine:1.0")).toBe(fixtures().index.index.digest);
  });

  it("follows insufficient_scope to a pull,push token for a user", async () => {
    const { handlers, reg } = await open({
      connect: { anonymous: false, username: "regatta", password: "regatta-secret" },
    });
    await reg.tags("alpine");
    // The request claims pull only; the registry's insufficient_scope challenge names pull,push.
    const response = await reg.ctx.transport.request({
      registry: "docker.io",
      method: "POST",
      path: "/v2/library/alpine/blobs/uploads/",
      scopes: [repositoryScope("library/alpine", ["pull"])],
      expect: [202],
    });
    await response.dump();
    expect(handlers.tokenRequests.map((t) => [t.user, t.scopes])).toEqual([
      ["regatta", []], // connect()'s credential check
      ["regatta", ["repository:library/alpine:pull"]],
      ["regatta", ["repository:library/alpine:pull,push"]],
    ]);
    expect(handlers.requests.filter((r) => r.method === "POST").map((r) => r.status)).toEqual([401, 202]);
  });
});
