/**
 * A copy's HEAD of its target's manifest asks the push's scopes (pull,push); a registry whose HEAD names no
 * `Docker-Content-Digest` is answered by a GET instead, and that GET asks the same scopes as the HEAD: one token
 * serves both (the token cache let a pull-only GET reuse it before too), and a refusal of the GET names the push,
 * not a pull (it named a pull before).
 */
import { AuthorizationError } from "@regatta/errors";
import {
  createMswDispatcher,
  DEFAULT_USERS,
  distributionHandlers,
  fakeRepository,
  generateImage,
} from "@regatta/testkit";
import { HttpResponse, http } from "msw";
import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "./connect.js";
import type { RegistryClient } from "./registry-client.js";
import { rejection } from "./test-answering-registry.js";

const HOST = "registry.test";
const [[USER, PASSWORD]] = Object.entries(DEFAULT_USERS) as [[string, string]];
const TARGET_MANIFESTS = /\/v2\/dst\/app\/manifests\/v1$/;

const clients: RegistryClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/**
 * src/app:v1 → dst/app:v1 (an older image there), behind bearer auth; the target's manifest HEADs answer (once
 * authorized) without `Docker-Content-Digest`; `refuseGet` makes the target's manifest GETs answer 403.
 */
async function start(refuseGet = false) {
  const v1 = await generateImage({ layers: [16], seed: "head-fallback-1" });
  const old = await generateImage({ layers: [16], seed: "head-fallback-0" });
  const handlers = distributionHandlers({
    host: HOST,
    repos: { "src/app": fakeRepository({ v1 }), "dst/app": fakeRepository({ v1: old }) },
    auth: { type: "bearer" },
  });
  const challenge = `Bearer realm="https://${HOST}/token",service="regatta-registry",scope="repository:dst/app:pull"`;
  const headWithoutDigest = http.head(TARGET_MANIFESTS, ({ request }) =>
    request.headers.has("authorization")
      ? new HttpResponse(null, { status: 200, headers: { "content-type": old.manifest.mediaType } })
      : new HttpResponse(null, { status: 401, headers: { "www-authenticate": challenge } }),
  );
  const refused = http.get(TARGET_MANIFESTS, ({ request }) =>
    refuseGet && request.headers.has("authorization") ? new HttpResponse(null, { status: 403 }) : undefined,
  );
  const reg = createClient(HOST, {
    dispatcher: createMswDispatcher([headWithoutDigest, refused, ...handlers]),
    username: USER,
    password: PASSWORD,
    retry: { attempts: 0 },
  });
  clients.push(reg);
  return { reg, handlers };
}

describe("copy: the GET that stands in for a target HEAD without Docker-Content-Digest", () => {
  it("one token serves the target's HEAD, the GET and the upload: three token requests in all", async () => {
    const { reg, handlers } = await start();
    await reg.copy(`${HOST}/src/app:v1`, `${HOST}/dst/app:v1`);
    const gets = handlers.requests.filter((r) => r.method === "GET" && TARGET_MANIFESTS.test(r.path));
    expect(gets.length).toBeGreaterThan(0);
    // One token for the source, one for the target (its HEAD, the GET and the upload), one for the mounts.
    const asked = handlers.tokenRequests.map((t) => t.scopes.join(" "));
    expect(asked).toEqual([
      "repository:src/app:pull",
      "repository:dst/app:pull,push",
      "repository:dst/app:pull,push repository:src/app:pull",
    ]);
  });

  it("a refused GET names the push", async () => {
    const { reg } = await start(true);
    const error = await rejection(reg.copy(`${HOST}/src/app:v1`, `${HOST}/dst/app:v1`), AuthorizationError);
    expect(error.request?.method).toBe("GET");
    expect(error.access).toMatchObject({ repository: "dst/app", operation: "push" });
  });
});
