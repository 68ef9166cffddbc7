/**
 * Issue 10, item 7, against the real CNCF distribution (2.x: no tag delete), with deletes enabled and disabled, and
 * through the test kit's fault proxy for the failures that must leave nothing half done: the throwaway's delete
 * failing (the tag is put back), and a registry whose "tag delete" deletes the manifest (the other tags are put
 * back).
 */
import { type FaultProxy, generateImage, pushImage, startFaultProxy, useRegistry } from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AuthorizationError,
  createClient,
  ProtocolError,
  type RegistryClient,
  UnsupportedError,
  UsageError,
} from "./index.js";

const SHARED = ["t000", "t001", "t002", "t003", "t004"];
let a: Awaited<ReturnType<typeof generateImage>>;
let b: Awaited<ReturnType<typeof generateImage>>;
beforeAll(async () => {
  a = await generateImage({ layers: [3000], seed: "int-delete-a" });
  b = await generateImage({ layers: [3000], seed: "int-delete-b" });
});

let counter = 0;
/** A fresh repository with t000..t004 on image a and `other` on image b. */
async function seed(url: string): Promise<string> {
  const repo = `team/del${++counter}`;
  for (const tag of SHARED) await pushImage(url, repo, tag, a);
  await pushImage(url, repo, "other", b);
  return repo;
}

/** Every tag of `repo` with the digest it names, by verified GET. */
async function state(reg: RegistryClient, host: string, repo: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const tag of (await reg.allTags(`${host}/${repo}`)).sort()) {
    out[tag] = (await reg.manifest(`${host}/${repo}:${tag}`)).digest;
  }
  return out;
}
const expectedAfter = (removed: string[]) => ({
  ...Object.fromEntries(SHARED.filter((t) => !removed.includes(t)).map((t) => [t, a.manifest.digest])),
  other: b.manifest.digest,
});

describe("delete and rmtag on distribution with deletes enabled", () => {
  const registry = useRegistry({ deleteEnabled: true });
  let reg: RegistryClient;
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await reg?.close();
    await proxy?.close();
    proxy = undefined;
  });

  it("delete REPO:TAG refuses when other tags share the manifest, and nothing is deleted", async () => {
    const repo = await seed(registry.url);
    reg = createClient(registry.host);
    const err = await reg.deleteManifest(`${registry.host}/${repo}:t004`).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toContain("t000, t001, t002, t003");
    expect(await state(reg, registry.host, repo)).toEqual(expectedAfter([]));
  });

  it("delete --force names every tag it removed", async () => {
    const repo = await seed(registry.url);
    reg = createClient(registry.host);
    const done = await reg.deleteManifest(`${registry.host}/${repo}:t004`, { force: true });
    expect(done.tags).toEqual(SHARED);
    expect(await state(reg, registry.host, repo)).toEqual({ other: b.manifest.digest });
  });

  it("rmtag removes one tag (untag), the manifest and the other tags stay", async () => {
    const repo = await seed(registry.url);
    reg = createClient(registry.host);
    const done = await reg.deleteTag(`${registry.host}/${repo}:t004`);
    expect(done).toMatchObject({ method: "untag", digest: a.manifest.digest, kept: SHARED.slice(0, 4) });
    expect(await state(reg, registry.host, repo)).toEqual(expectedAfter(["t004"]));
    expect((await reg.manifest(`${registry.host}/${repo}@${a.manifest.digest}`)).digest).toBe(
      a.manifest.digest,
    );
    // The last tag of a manifest too: the manifest stays, by digest.
    await reg.deleteTag(`${registry.host}/${repo}:other`);
    expect((await reg.manifest(`${registry.host}/${repo}@${b.manifest.digest}`)).digest).toBe(
      b.manifest.digest,
    );
  });

  it.each([
    ["403", { type: "status", status: 403 } as const, AuthorizationError],
    ["405", { type: "status", status: 405 } as const, UnsupportedError],
  ])(
    "when the throwaway's delete fails (%s), the tag is put back and the error says so",
    async (_what, fault, kind) => {
      const repo = await seed(registry.url);
      // The first DELETE by digest is the probe (a digest nobody has); the second deletes the throwaway.
      proxy = await startFaultProxy(registry.url, [
        { method: "DELETE", path: /\/manifests\/sha256:/, skip: 1, fault },
      ]);
      reg = createClient(proxy.host, { retry: { attempts: 0 } });
      const err = await reg.deleteTag(`${proxy.host}/${repo}:t004`).catch((e) => e);
      expect(err).toBeInstanceOf(kind);
      expect(err.message).toContain(`was put back to ${a.manifest.digest}`);
      expect(proxy.faulted()).toHaveLength(1);
      expect(await state(reg, proxy.host, repo)).toEqual(expectedAfter([]));
    },
  );

  it("a registry whose tag delete deletes the manifest: the other tags are put back, and it is an error", async () => {
    const repo = await seed(registry.url);
    proxy = await startFaultProxy(registry.url, [
      {
        method: "DELETE",
        path: /\/manifests\/t004$/,
        fault: { type: "rewrite-path", rewrite: (p) => p.replace(/t004$/, a.manifest.digest) },
      },
    ]);
    reg = createClient(proxy.host, { retry: { attempts: 0 } });
    const err = await reg.deleteTag(`${proxy.host}/${repo}:t004`).catch((e) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.code).toBe("OTHER_TAGS_REMOVED");
    expect(err.message).toContain("t000, t001, t002, t003");
    expect(await state(reg, proxy.host, repo)).toEqual(expectedAfter(["t004"]));
  });
});

describe("delete and rmtag on distribution with deletes disabled", () => {
  const registry = useRegistry({ deleteEnabled: false });
  let reg: RegistryClient;
  afterEach(() => reg?.close());

  it("rmtag says deletes are disabled, and nothing moved (nothing was pushed)", async () => {
    const repo = await seed(registry.url);
    reg = createClient(registry.host);
    const before = await reg.allTags(`${registry.host}/${repo}`);
    const err = await reg.deleteTag(`${registry.host}/${repo}:t004`).catch((e) => e);
    expect(err).toBeInstanceOf(UnsupportedError);
    expect(err.status).toBe(405);
    expect(err.message).toMatch(/storage\.delete\.enabled.*nothing was changed/);
    expect(await reg.allTags(`${registry.host}/${repo}`)).toEqual(before);
    expect(await state(reg, registry.host, repo)).toEqual(expectedAfter([]));
  });

  it("delete of a lone tag says deletes are disabled", async () => {
    const repo = await seed(registry.url);
    reg = createClient(registry.host);
    const err = await reg.deleteManifest(`${registry.host}/${repo}:other`).catch((e) => e);
    expect(err).toBeInstanceOf(UnsupportedError);
    expect(err.message).toContain("REGISTRY_STORAGE_DELETE_ENABLED");
    expect(await state(reg, registry.host, repo)).toEqual(expectedAfter([]));
  });
});
