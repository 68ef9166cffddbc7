/**
 * A push or copy that only looks at its target (the HEAD of a blob or manifest there) asks with the push's scopes,
 * so a refusal of that look names the push it is part of (`push to quota/img`), not a pull (outside QA of 226162c:
 * `put-blob REG/quota/img f.txt` whose HEAD got 403 said "to pull from quota/img", and so did copy's destination).
 */
import { AuthorizationError } from "@regatta/errors";
import { createMswDispatcher, distributionHandlers, fakeRepository, generateImage } from "@regatta/testkit";
import { HttpResponse, http } from "msw";
import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "./connect.js";
import type { RegistryClient } from "./registry-client.js";
import { rejection } from "./test-answering-registry.js";

const clients: RegistryClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/** HEADs under quota/img (`what`: all, or blobs only) answer 403 without a body, as a registry over its quota may. */
const refuseHeads = (what = /\/v2\/quota\/img\//) =>
  http.head(what, () => new HttpResponse(null, { status: 403 }));

async function client(what?: RegExp) {
  const image = await generateImage({ layers: [16], seed: "push-target-access" });
  const reg = createClient("registry.test", {
    dispatcher: createMswDispatcher([
      refuseHeads(what),
      ...distributionHandlers({ repos: { "team/app": fakeRepository({ v1: image }) } }),
    ]),
    retry: { attempts: 0 },
  });
  clients.push(reg);
  return reg;
}

describe("a refused look at a push's target names the push", () => {
  it("pushBlob: the HEAD of the blob", async () => {
    const reg = await client();
    const error = await rejection(reg.pushBlob("quota/img", Buffer.from("f.txt")), AuthorizationError);
    expect(error.access).toMatchObject({ repository: "quota/img", operation: "push" });
    expect(error.hint).toContain("push to quota/img");
    expect(error.hint).not.toContain("pull from");
  });

  it("copy: the HEAD of the target's manifest", async () => {
    const reg = await client();
    const error = await rejection(
      reg.copy("registry.test/team/app:v1", "registry.test/quota/img:v1"),
      AuthorizationError,
    );
    expect(error.access).toMatchObject({ repository: "quota/img", operation: "push" });
    expect(error.hint).toContain("push to quota/img");
  });

  it("copy: the HEAD of a blob at the target, its manifest not there yet", async () => {
    const reg = await client(/\/v2\/quota\/img\/blobs\//);
    const error = await rejection(
      reg.copy("registry.test/team/app:v1", "registry.test/quota/img:v1"),
      AuthorizationError,
    );
    expect(error.access).toMatchObject({ repository: "quota/img", operation: "push" });
    expect(error.request?.url).toContain("/blobs/");
  });

  it("a read keeps the pull: BlobHandle.size of the same blob", async () => {
    const reg = await client();
    const digest = `sha256:${"0".repeat(64)}`;
    const error = await rejection(reg.blob("quota/img", digest).size(), AuthorizationError);
    expect(error.access).toMatchObject({ operation: "pull" });
  });
});
