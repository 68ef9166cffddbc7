/**
 * `sync --dry-run` only reads the destination and asks `pull` there; a real sync asks `pull,push`. Against a token
 * server that refuses a token with `push` outright (403 from the realm, not the subset), a read-only user gets the
 * dry run's plan, and the real run's one-line refusal names the push.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  DEFAULT_USERS,
  distributionHandlers,
  fakeRepository,
  generateImage,
  type RegistryHandlers,
  type ServedHandlers,
  serveHandlers,
} from "@regatta/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const [[USER, PASSWORD]] = Object.entries(DEFAULT_USERS) as [[string, string]];
let served: ServedHandlers | undefined;
let realm: Server | undefined;
afterEach(async () => {
  await served?.close();
  await new Promise((resolve) => (realm ? realm.close(resolve) : resolve(undefined)));
  served = undefined;
  realm = undefined;
});

/**
 * The fake registry's token endpoint behind a realm of its own that answers 403 to a request for any scope with
 * `push` (the fake registry's own endpoint would grant the subset).
 */
async function start() {
  const v1 = await generateImage({ layers: [16], seed: "cli-sync-dry-run-1" });
  const v2 = await generateImage({ layers: [16], seed: "cli-sync-dry-run-2" });
  let handlers: RegistryHandlers | undefined;
  realm = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://realm.test");
    const scopes = url.searchParams.getAll("scope");
    if (scopes.some((s) => /[:,]push(,|$)/.test(s))) {
      res.writeHead(403, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          errors: [{ code: "DENIED", message: "requested access to the resource is denied" }],
        }),
      );
      return;
    }
    const headers = new Headers();
    if (req.headers.authorization) headers.set("authorization", req.headers.authorization);
    const answer = await handlers!.tokenEndpoint!.handle(new Request(url, { headers }));
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => realm!.listen(0, "127.0.0.1", resolve));
  const port = (realm.address() as AddressInfo).port;
  handlers = distributionHandlers({
    repos: { "src/app": fakeRepository({ v1, v2 }), "dst/app": fakeRepository({ v1 }) },
    auth: { type: "bearer", realm: `http://127.0.0.1:${port}/token` },
  });
  served = await serveHandlers(handlers);
  const host = new URL(served.url).host;
  return { handlers, args: [`${host}/src/app`, `${host}/dst/app`, "-u", USER, "-p", PASSWORD] };
}

describe("regatta sync: the destination scopes of a dry run and of a run", () => {
  it("--dry-run asks pull of the destination: a read-only user gets the plan", async () => {
    const { handlers, args } = await start();
    const run = await regatta(["sync", ...args, "--dry-run", "--json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as { repositories: { images: { tag: string; action: string }[] }[] };
    expect(plan.repositories[0]!.images.map((i) => [i.tag, i.action])).toEqual([
      ["v1", "skip"],
      ["v2", "copy"],
    ]);
    expect(handlers.tokenRequests.flatMap((r) => r.scopes)).toContain("repository:dst/app:pull");
  });

  it("a real run asks pull,push and is refused in one line naming the push", async () => {
    const { handlers, args } = await start();
    const run = await regatta(["sync", ...args]);
    expect(run.code).not.toBe(0);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("push to dst/app");
    expect(run.stderr).not.toContain(PASSWORD);
    expect(handlers.requests.filter((r) => r.method !== "GET" && r.method !== "HEAD")).toEqual([]);
  });
});
