/**
 * A sync's dry run only reads its destination, so it asks `pull` there; a real run's plan asks `pull,push` (one token
 * for the look and the upload). A token server that refuses a `pull,push` token outright (403 from the realm, where
 * distribution, Docker Hub and GHCR grant the subset) then lets a read-only user dry-run, and refuses the real run
 * with the push's hint.
 */
import {
  createMswDispatcher,
  DEFAULT_USERS,
  distributionHandlers,
  fakeRepository,
  generateImage,
} from "@regatta/testkit";
import { HttpResponse, http } from "msw";
import { afterEach, describe, expect, it } from "vitest";
import { createClient } from "../connect.js";
import { AuthorizationError } from "../index.js";
import type { RegistryClient } from "../registry-client.js";
import { rejection } from "../test-answering-registry.js";

const HOST = "registry.test";
const [[USER, PASSWORD]] = Object.entries(DEFAULT_USERS) as [[string, string]];

const clients: RegistryClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/** The fake registry behind a token realm that answers 403 to any request for a scope with `push`. */
async function readOnlyRegistry() {
  const v1 = await generateImage({ layers: [16], seed: "sync-dry-run-scopes-1" });
  const v2 = await generateImage({ layers: [16], seed: "sync-dry-run-scopes-2" });
  const asked: string[][] = [];
  const handlers = distributionHandlers({
    host: HOST,
    repos: {
      "src/app": fakeRepository({ v1, v2 }),
      "dst/app": fakeRepository({ v1 }),
    },
    auth: { type: "bearer" },
  });
  const refusePush = http.get(/\/token(\?|$)/, ({ request }) => {
    const scopes = new URL(request.url).searchParams.getAll("scope");
    asked.push(scopes);
    if (!scopes.some((s) => /[:,]push(,|$)/.test(s))) return undefined;
    return HttpResponse.json(
      { errors: [{ code: "DENIED", message: "requested access to the resource is denied" }] },
      { status: 403 },
    );
  });
  const reg = createClient(HOST, {
    dispatcher: createMswDispatcher([refusePush, ...handlers]),
    username: USER,
    password: PASSWORD,
    retry: { attempts: 0 },
  });
  clients.push(reg);
  return { reg, handlers, asked };
}

const job = { source: `${HOST}/src/app`, target: `${HOST}/dst/app` };

describe("sync: the scopes a dry run asks of its destination", () => {
  it("a dry run asks pull only, so a read-only user gets the plan", async () => {
    const { reg, handlers, asked } = await readOnlyRegistry();
    const plan = await reg.planSync(job, { dryRun: true });
    expect(plan.repositories[0]!.images.map((i) => [i.tag, i.action])).toEqual([
      ["v1", "skip"],
      ["v2", "copy"],
    ]);
    expect(asked.flat().filter((s) => s.includes("push"))).toEqual([]);
    expect(asked.flat()).toContain("repository:dst/app:pull");
    expect(handlers.requests.filter((r) => r.method !== "GET" && r.method !== "HEAD")).toEqual([]);
  });

  it("a real run asks pull,push of the destination and is refused with the push's hint", async () => {
    const { reg, handlers } = await readOnlyRegistry();
    const error = await rejection(reg.sync(job), AuthorizationError);
    expect(error.hint).toContain("push to");
    expect(error.hint).toContain("dst/app");
    expect(handlers.requests.filter((r) => r.method !== "GET" && r.method !== "HEAD")).toEqual([]);
  });

  it("a plan made without dryRun asks pull,push, as the run it is for", async () => {
    const { reg } = await readOnlyRegistry();
    const error = await rejection(reg.planSync(job), AuthorizationError);
    expect(error.access).toMatchObject({ repository: "dst/app", operation: "push" });
  });
});
