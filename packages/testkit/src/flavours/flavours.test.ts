/**
 * The raw HTTP of each flavour, byte for byte where the sources quote it (see the top of each flavour file). The
 * client's contract tests (packages/client/src/contract) check what Regatta makes of these answers.
 */
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { fakeRepository } from "../fake-store.js";
import { generateImage } from "../generate-image.js";
import { createMswDispatcher } from "../msw-dispatcher.js";
import { createRegistryHandlers, type RegistryHandlers } from "../registry-handlers.js";
import { dockerHubHandlers } from "./docker-hub.js";
import { ecrHandlers } from "./ecr.js";
import { garHandlers } from "./gar.js";
import { ghcrHandlers } from "./ghcr.js";
import { harborHandlers } from "./harbor.js";
import { quayBareLinkFlavour, quayHandlers } from "./quay.js";

async function send(handlers: RegistryHandlers, url: string, init: RequestInit = {}) {
  const dispatcher = createMswDispatcher(handlers);
  const response = await request(url, {
    dispatcher,
    method: (init.method ?? "GET") as "GET",
    headers: (init.headers ?? {}) as Record<string, string>,
  });
  const text = await response.body.text();
  const header = (name: string) => {
    const value = response.headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  };
  return { status: response.statusCode, header, text };
}

describe("flavour challenges", () => {
  it.each([
    [
      "docker hub",
      dockerHubHandlers(),
      "https://registry-1.docker.io/v2/library/alpine/tags/list",
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
    ],
    [
      "ghcr",
      ghcrHandlers(),
      "https://ghcr.io/v2/user/image/tags/list",
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"',
    ],
    [
      "quay",
      quayHandlers(),
      "https://quay.io/v2/coreos/etcd/tags/list",
      'Bearer realm="https://quay.io/v2/auth",service="quay.io"',
    ],
    [
      "ecr",
      ecrHandlers(),
      "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/",
      'Basic realm="https://123456789012.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com"',
    ],
    [
      "gar ping",
      garHandlers(),
      "https://us-docker.pkg.dev/v2/",
      'Bearer realm="https://us-docker.pkg.dev/v2/token"',
    ],
    [
      "gar",
      garHandlers(),
      "https://us-docker.pkg.dev/v2/p/r/app/tags/list",
      'Bearer realm="https://us-docker.pkg.dev/v2/token",service="us-docker.pkg.dev",scope="repository:p/r/app:pull"',
    ],
    [
      "harbor",
      harborHandlers(),
      "https://harbor.example/v2/",
      'Bearer realm="https://harbor.example/service/token",service="harbor-registry"',
    ],
  ])("%s", async (_name, handlers, url, challenge) => {
    const answer = await send(handlers, url);
    expect(answer.status).toBe(401);
    expect(answer.header("www-authenticate")).toBe(challenge);
  });

  it("ECR's 401 is plain text; Harbor's names the catalog; Docker Hub's lists the access needed", async () => {
    expect((await send(ecrHandlers(), "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/")).text).toBe(
      "Not Authorized\n",
    );
    expect(JSON.parse((await send(harborHandlers(), "https://harbor.example/v2/_catalog")).text)).toEqual({
      errors: [
        { code: "UNAUTHORIZED", message: "unauthorized to list catalog: unauthorized to list catalog" },
      ],
    });
    expect(
      JSON.parse(
        (await send(dockerHubHandlers(), "https://registry-1.docker.io/v2/library/alpine/tags/list")).text,
      ),
    ).toEqual({
      errors: [
        {
          code: "UNAUTHORIZED",
          message: "authentication required",
          detail: [{ Type: "repository", Class: "", Name: "library/alpine", Action: "pull" }],
        },
      ],
    });
  });
});

describe("flavour token answers", () => {
  it("Docker Hub sends token and access_token for 300 s; GHCR sends token alone", async () => {
    const hub = await send(
      dockerHubHandlers(),
      "https://auth.docker.io/token?service=registry.docker.io&scope=repository:library/alpine:pull",
    );
    expect(Object.keys(JSON.parse(hub.text)).sort()).toEqual([
      "access_token",
      "expires_in",
      "issued_at",
      "token",
    ]);
    expect(JSON.parse(hub.text).expires_in).toBe(300);
    const ghcr = await send(
      ghcrHandlers(),
      "https://ghcr.io/token?service=ghcr.io&scope=repository:user/image:pull",
    );
    expect(Object.keys(JSON.parse(ghcr.text))).toEqual(["token"]);
  });
});

describe("flavour tag pages", () => {
  const repos = async () => {
    const image = await generateImage({ seed: "flavours" });
    const tagged = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [`t${String(i).padStart(2, "0")}`, image]),
    );
    return { repos: { "coreos/etcd": fakeRepository(tagged) }, auth: null };
  };

  it("Quay pages 50 tags with an opaque next_page link, bracketed or bare", async () => {
    const page = await send(quayHandlers(await repos()), "https://quay.io/v2/coreos/etcd/tags/list");
    expect(JSON.parse(page.text).tags).toHaveLength(50);
    expect(page.header("link")).toMatch(
      /^<\/v2\/coreos\/etcd\/tags\/list\?next_page=gAAAAAB[\w-]+(%3D)*&n=50>; rel="next"$/,
    );
    const next = page.header("link")!.slice(1, page.header("link")!.indexOf(">"));
    const rest = await send(quayHandlers(await repos()), `https://quay.io${next}`);
    expect(JSON.parse(rest.text).tags).toEqual(Array.from({ length: 10 }, (_, i) => `t${50 + i}`));
    expect(rest.header("link")).toBeUndefined();
    const bare = await send(
      createRegistryHandlers(quayBareLinkFlavour, await repos()),
      "https://quay.io/v2/coreos/etcd/tags/list",
    );
    expect(bare.header("link")).toMatch(/^\/v2\/coreos\/etcd\/tags\/list\?next_page=[^ ]+; rel="next"$/);
  });
});

describe("flavour manifests", () => {
  it("ECR leaves Docker-Content-Digest off a manifest GET but not off a HEAD", async () => {
    const image = await generateImage({ seed: "flavours" });
    const repos = { "team/app": fakeRepository({ v1: image }) };
    const ecr = ecrHandlers({ repos, auth: { type: "basic", users: { AWS: "pw" } } });
    const basic = {
      authorization: `Basic ${Buffer.from("AWS:pw").toString("base64")}`,
      accept: image.manifest.mediaType,
    };
    const url = "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/team/app/manifests/v1";
    expect((await send(ecr, url, { headers: basic })).header("docker-content-digest")).toBeUndefined();
    expect((await send(ecr, url, { method: "HEAD", headers: basic })).header("docker-content-digest")).toBe(
      image.manifest.digest,
    );
  });

  it("Docker Hub counts a manifest GET as a pull, a HEAD not", async () => {
    const image = await generateImage({ seed: "flavours" });
    const handlers = dockerHubHandlers({
      repos: { "library/alpine": fakeRepository({ v1: image }) },
      auth: null,
    });
    const url = "https://registry-1.docker.io/v2/library/alpine/manifests/v1";
    const headers = { accept: image.manifest.mediaType };
    const remaining = async (method: string) =>
      (await send(handlers, url, { method, headers })).header("ratelimit-remaining");
    expect([await remaining("GET"), await remaining("HEAD"), await remaining("GET")]).toEqual([
      "99;w=21600",
      "99;w=21600",
      "98;w=21600",
    ]);
  });

  it("answers injected faults in the flavour's words, then recovers", async () => {
    const handlers = harborHandlers({ auth: null });
    handlers.inject({ status: 429, error: { code: "TOOMANYREQUESTS" }, headers: { "Retry-After": "3" } });
    const limited = await send(handlers, "https://harbor.example/v2/");
    expect(limited.status).toBe(429);
    expect(limited.header("retry-after")).toBe("3");
    expect(limited.header("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect((await send(handlers, "https://harbor.example/v2/")).status).toBe(200);
  });
});
