/**
 * The "up to date" answer of copy (issue 10, a mutant the outside run left alive: copy reporting "up to date" when
 * the target tag holds a different image). Up to date means the target's *tag* names the source's digest; a
 * different image under the tag, no tag, or the source's manifest present in the repository under another tag
 * must all be copied and the tag moved.
 */
import {
  distributionHandlers,
  fakeRepository,
  generateImage,
  type RegistryHandlers,
  type ServedHandlers,
  serveHandlers,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient, type RegistryClient } from "./index.js";

let a: Awaited<ReturnType<typeof generateImage>>;
let b: Awaited<ReturnType<typeof generateImage>>;
let handlers: RegistryHandlers;
let served: ServedHandlers | undefined;
let reg: RegistryClient | undefined;

beforeAll(async () => {
  a = await generateImage({ layers: [2000], seed: "up-to-date-a" });
  b = await generateImage({ layers: [2000], seed: "up-to-date-b" });
});
afterEach(async () => {
  await reg?.close();
  await served?.close();
  reg = undefined;
  served = undefined;
});

async function start(target: Record<string, typeof a>) {
  handlers = distributionHandlers({
    repos: { "src/app": fakeRepository({ v1: a }), "dst/app": fakeRepository(target) },
  });
  served = await serveHandlers(handlers);
  const host = new URL(served.url).host;
  reg = createClient(host, { retry: { attempts: 0 } });
  return host;
}
const tagOf = (tag: string) => handlers.store.repository("dst/app")?.tags?.get(tag);
const manifestPuts = () =>
  handlers.requests.filter((r) => r.method === "PUT" && r.path.includes("/manifests/"));

describe("copy's up-to-date check", () => {
  it.each([
    ["holds a different image", "v1", "b"],
    ["does not exist", "other", "b"],
    ["does not exist, though the repository holds the source's manifest under another tag", "other", "a"],
  ])("a target tag that %s is copied and moved, not reported up to date", async (_what, tag, which) => {
    const host = await start({ [tag]: which === "a" ? a : b });
    const result = await reg!.copy(`${host}/src/app:v1`, `${host}/dst/app:v1`);
    expect(result.upToDate).toBe(false);
    expect(result.digest).toBe(a.manifest.digest);
    expect(tagOf("v1")).toBe(a.manifest.digest);
    expect(manifestPuts().map((r) => r.path)).toEqual(["/v2/dst/app/manifests/v1"]);
    expect(await reg!.digest(`${host}/dst/app:v1`, { verify: true })).toBe(a.manifest.digest);
  });

  it("a target tag that already names the source's digest is up to date, and nothing is sent", async () => {
    const host = await start({ v1: a });
    const result = await reg!.copy(`${host}/src/app:v1`, `${host}/dst/app:v1`);
    expect(result).toMatchObject({ upToDate: true, digest: a.manifest.digest, bytesUploaded: 0 });
    expect(handlers.requests.filter((r) => r.method !== "GET" && r.method !== "HEAD")).toEqual([]);
  });
});
