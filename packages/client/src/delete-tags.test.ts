/**
 * Issue 10, item 7, against the test kit's msw fakes (distribution 2.x, and a registry with OCI 1.1's tag delete):
 * `delete REPO:TAG` names every tag it removes and refuses when others share the manifest; `rmtag` removes one tag
 * everywhere and nothing else moves. The same against the real distribution is in delete-tags.int.test.ts.
 */
import {
  createRegistryHandlers,
  distributionFlavour,
  fakeRepository,
  generateImage,
  type RegistryHandlers,
  type ServedHandlers,
  serveHandlers,
} from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient, type RegistryClient, UnsupportedError, UsageError } from "./index.js";

let a: Awaited<ReturnType<typeof generateImage>>;
let b: Awaited<ReturnType<typeof generateImage>>;
let handlers: RegistryHandlers;
let served: ServedHandlers | undefined;
let reg: RegistryClient;
let host: string;

const SHARED = ["t000", "t001", "t002", "t003", "t004"];

beforeAll(async () => {
  a = await generateImage({ layers: [500], seed: "delete-tags-a" });
  b = await generateImage({ layers: [500], seed: "delete-tags-b" });
});
afterEach(async () => {
  await reg?.close();
  await served?.close();
  served = undefined;
});

/** Five tags on image a, `other` on image b; `tagDelete`: the registry has OCI 1.1's DELETE by tag. */
async function start(options: { tagDelete?: boolean; deleteEnabled?: boolean } = {}) {
  const flavour = options.tagDelete
    ? { ...distributionFlavour, deleteByTag: "untag" as const }
    : distributionFlavour;
  handlers = createRegistryHandlers(flavour, {
    repos: { "team/app": fakeRepository({ ...Object.fromEntries(SHARED.map((t) => [t, a])), other: b }) },
    ...(options.deleteEnabled === false ? { deleteEnabled: false } : {}),
  });
  served = await serveHandlers(handlers);
  host = new URL(served.url).host;
  reg = createClient(host, { retry: { attempts: 0 } });
}
const tags = () => Object.fromEntries(handlers.store.repository("team/app")?.tags ?? []);
const writes = () => handlers.requests.filter((r) => r.method === "PUT" || r.method === "DELETE");

describe("delete by tag", () => {
  it("refuses when other tags name the manifest, naming them, and deletes nothing", async () => {
    await start();
    const before = tags();
    const err = await reg.deleteManifest(`${host}/team/app:t004`).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.code).toBe("OTHER_TAGS");
    for (const t of ["t000", "t001", "t002", "t003"]) expect(err.message).toContain(t);
    expect(err.message).toContain("rmtag");
    expect(tags()).toEqual(before);
    expect(writes().filter((r) => r.method === "DELETE")).toEqual([]);
  });

  it("with force, deletes the manifest and names every tag that went with it", async () => {
    await start();
    const done = await reg.deleteManifest(`${host}/team/app:t004`, { force: true });
    expect(done.digest).toBe(a.manifest.digest);
    expect(done.tags).toEqual(SHARED);
    expect(tags()).toEqual({ other: b.manifest.digest });
  });

  it("a tag alone on its manifest is deleted without force, and named", async () => {
    await start();
    const done = await reg.deleteManifest(`${host}/team/app:other`);
    expect(done).toMatchObject({ digest: b.manifest.digest, tags: ["other"] });
    expect(Object.keys(tags())).toEqual(SHARED);
  });

  it("by digest: deleted without asking, and the tags that went are named", async () => {
    await start();
    const done = await reg.deleteManifest(`${host}/team/app@${a.manifest.digest}`);
    expect(done.tags).toEqual(SHARED);
    expect(tags()).toEqual({ other: b.manifest.digest });
  });

  it("deletes disabled: an UnsupportedError that says how to enable them", async () => {
    await start({ deleteEnabled: false });
    const err = await reg.deleteManifest(`${host}/team/app:other`).catch((e) => e);
    expect(err).toBeInstanceOf(UnsupportedError);
    expect(err.status).toBe(405);
    expect(err.message).toContain("storage.delete.enabled");
  });
});

describe("rmtag", () => {
  it("on distribution 2.x (no tag delete): untags through a throwaway manifest, and no other tag moves", async () => {
    await start();
    const done = await reg.deleteTag(`${host}/team/app:t004`);
    expect(done).toMatchObject({ digest: a.manifest.digest, method: "untag", kept: SHARED.slice(0, 4) });
    expect(tags()).toEqual({
      ...Object.fromEntries(SHARED.slice(0, 4).map((t) => [t, a.manifest.digest])),
      other: b.manifest.digest,
    });
    const repo = handlers.store.repository("team/app")!;
    // The manifest stays; the throwaway is gone; only its config blob is left for the garbage collector.
    expect(repo.manifests.has(a.manifest.digest)).toBe(true);
    expect([...repo.manifests.keys()].sort()).toEqual([a.manifest.digest, b.manifest.digest].sort());
    const put = writes().filter((r) => r.method === "PUT" && r.path.includes("/manifests/"));
    expect(put.map((r) => r.path)).toEqual(["/v2/team/app/manifests/t004"]);
  });

  it("with OCI 1.1's tag delete: one DELETE of the tag, nothing pushed", async () => {
    await start({ tagDelete: true });
    const done = await reg.deleteTag(`${host}/team/app:t004`);
    expect(done).toMatchObject({ method: "tag-delete", kept: SHARED.slice(0, 4) });
    expect(writes().map((r) => `${r.method} ${r.path}`)).toEqual(["DELETE /v2/team/app/manifests/t004"]);
    expect(Object.keys(tags()).sort()).toEqual(["other", ...SHARED.slice(0, 4)]);
  });

  it("deletes disabled: refused before anything is pushed, the tag untouched", async () => {
    await start({ deleteEnabled: false });
    const err = await reg.deleteTag(`${host}/team/app:t004`).catch((e) => e);
    expect(err).toBeInstanceOf(UnsupportedError);
    expect(err.message).toContain("nothing was changed");
    expect(writes().filter((r) => r.method === "PUT")).toEqual([]);
    expect(tags().t004).toBe(a.manifest.digest);
  });

  it("a tag that does not exist is a NotFoundError, nothing sent", async () => {
    await start();
    const err = await reg.deleteTag(`${host}/team/app:nope`).catch((e) => e);
    expect(err?.name).toBe("NotFoundError");
    expect(writes()).toEqual([]);
  });
});

describe("the tag walk's limit", () => {
  it("delete past the limit is refused (TOO_MANY_TAGS); forced, it deletes and says the tag list is not complete", async () => {
    await start();
    const err = await reg.deleteManifest(`${host}/team/app:other`, { limit: 3 }).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.code).toBe("TOO_MANY_TAGS");
    expect(Object.keys(tags())).toHaveLength(6);
    const done = await reg.deleteManifest(`${host}/team/app:other`, { limit: 3, force: true });
    expect(done).toMatchObject({ digest: b.manifest.digest, tags: ["other"], tagsComplete: false });
  });

  it("rmtag past the limit still untags, skipping only the check of the other tags", async () => {
    await start();
    const done = await reg.deleteTag(`${host}/team/app:t004`, { limit: 3 });
    expect(done).toMatchObject({ method: "untag", kept: [] });
    expect(Object.keys(tags()).sort()).toEqual(["other", ...SHARED.slice(0, 4)]);
  });
});

describe("a delete names what it deletes", () => {
  it.each([
    ["deleteTag", "REPO:TAG"],
    ["deleteManifest", "REPO:TAG or REPO@DIGEST"],
  ] as const)("%s of a repository alone is refused before any request; latest stays", async (call, usage) => {
    handlers = createRegistryHandlers(distributionFlavour, {
      repos: { "team/app": fakeRepository({ latest: a, "1.0": a }) },
    });
    served = await serveHandlers(handlers);
    host = new URL(served.url).host;
    reg = createClient(host, { retry: { attempts: 0 } });
    // Was: `latest` taken for granted, and deleted (deleteManifest with force: every tag of it).
    const options = call === "deleteManifest" ? { force: true } : {};
    const err = await reg[call](`${host}/team/app`, options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(
      `a delete needs ${usage}: ${host}/team/app names no tag, and latest is not taken for granted when deleting (write ${host}/team/app:latest to mean it)`,
    );
    expect(handlers.requests).toEqual([]);
    expect(Object.keys(tags()).sort()).toEqual(["1.0", "latest"]);
    // Named, it is deleted as before.
    await reg[call](`${host}/team/app:latest`, options);
    expect(Object.keys(tags())).not.toContain("latest");
  });
});
