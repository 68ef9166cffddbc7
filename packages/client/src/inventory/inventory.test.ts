/**
 * `reg.inventory()` (issue 14, tag inventory): every tag with digest, media type, platforms, created, size and the
 * tags sharing its manifest; each distinct manifest and config fetched once; sorted by name or created date.
 */
import { NotFoundError, UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { fakeDistribution, rejection } from "../test-answering-registry.js";
import { inventoryCsv } from "./inventory-csv.js";
import { addImage, addIndex, emptyRepository } from "./test-images.js";

/** team/app: 1.9 and 1.10 share an image, latest is an index over two images and an attestation. */
function repository() {
  const repo = emptyRepository();
  const old = addImage(repo, { created: "2024-01-01T00:00:00Z", architecture: "arm64", variant: "v8" }, [
    "old layer",
  ]);
  const amd = addImage(repo, { created: "2024-03-01T00:00:00Z" }, ["amd layer", "shared layer"]);
  const arm = addImage(repo, { created: "2024-03-02T10:00:00+02:00", architecture: "arm64" }, [
    "arm layer",
    "shared layer",
  ]);
  const attestation = addImage(repo, {}, [], { config: "application/vnd.in-toto+json" });
  const index = addIndex(repo, [
    { image: amd, platform: "linux/amd64" },
    { image: arm, platform: "linux/arm64" },
    { image: attestation, platform: "unknown/unknown" },
  ]);
  repo.tags["1.9"] = old.digest;
  repo.tags["1.10"] = old.digest;
  repo.tags.latest = index.digest;
  repo.tags.amd = amd.digest;
  return { repo, old, amd, arm, attestation, index };
}

describe("inventory", () => {
  it("lists every tag with digest, media type, platforms, created, size and the tags sharing its manifest", async () => {
    const { repo, old, amd, arm, attestation, index } = repository();
    const { reg } = fakeDistribution({ "team/app": repo });
    try {
      const got = await reg.inventory("registry.test/team/app");
      expect(got.repository).toBe("registry.test/team/app");
      expect(got.tags.map((t) => t.tag)).toEqual(["1.9", "1.10", "amd", "latest"]);
      expect(got.tags[0]).toEqual({
        tag: "1.9",
        digest: old.digest,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        kind: "image",
        platforms: ["linux/arm64/v8"],
        created: "2024-01-01T00:00:00Z",
        size: old.total,
        sharedCount: 1,
      });
      expect(got.tags[3]).toEqual({
        tag: "latest",
        digest: index.digest,
        mediaType: "application/vnd.oci.image.index.v1+json",
        kind: "index",
        // The attestation entry is no platform.
        platforms: ["linux/amd64", "linux/arm64"],
        // The newest of its images, compared as instants: 10:00+02:00 is 08:00Z, still after 2024-03-01.
        created: "2024-03-02T10:00:00+02:00",
        size: amd.total + arm.total + attestation.total,
        sharedCount: 0,
      });
      expect(got.tags[2]).toMatchObject({ tag: "amd", platforms: ["linux/amd64"], sharedCount: 0 });
      expect(got.shared).toEqual([{ digest: old.digest, tags: ["1.9", "1.10"] }]);
    } finally {
      await reg.close();
    }
  });

  it("grows linearly with the tags however many name one manifest: each group listed once, not on every row", async () => {
    // 4,000 tags of one image made a 250 MB inventory, --json of 2,000 was 44 MB: every row listed every other tag.
    const sized = async (count: number) => {
      const repo = emptyRepository();
      const image = addImage(repo, { created: "2024-01-01T00:00:00Z" }, ["layer"]);
      for (let i = 0; i < count; i++) repo.tags[`v${i}`] = image.digest;
      const { reg } = fakeDistribution({ "team/many": repo });
      try {
        const got = await reg.inventory("registry.test/team/many", { concurrency: 16 });
        return { got, digest: image.digest, json: JSON.stringify(got).length, csv: inventoryCsv(got).length };
      } finally {
        await reg.close();
      }
    };
    const small = await sized(500);
    const large = await sized(2_000);
    // A row is some 250 characters and a tag in the one shared list some 8: 400 a tag is generous, and linear.
    expect(large.json).toBeLessThan(2_000 * 400);
    expect(large.csv).toBeLessThan(2_000 * 250);
    // Four times the tags, four times the text (not sixteen).
    expect(large.json / small.json).toBeLessThan(4.4);
    expect(large.csv / small.csv).toBeLessThan(4.4);
    expect(large.got.tags).toHaveLength(2_000);
    expect(large.got.tags.every((t) => t.sharedCount === 1_999)).toBe(true);
    expect(large.got.shared).toEqual([{ digest: large.digest, tags: large.got.tags.map((t) => t.tag) }]);
  }, 60_000);

  it("fetches each distinct manifest and config once: a HEAD per tag, nothing twice", async () => {
    const { repo } = repository();
    const { reg, handlers } = fakeDistribution({ "team/app": repo });
    try {
      const got = await reg.inventory("registry.test/team/app", { concurrency: 4 });
      const count = (method: string, path: RegExp) =>
        handlers.requests.filter((r) => r.method === method && path.test(r.path)).length;
      expect(count("HEAD", /\/manifests\//)).toBe(4);
      // old, index, amd, arm, attestation: five manifests, though amd is both tagged and listed by the index.
      expect(count("GET", /\/manifests\//)).toBe(5);
      // old, amd and arm have image configs; the attestation's is no image config and is not read.
      expect(count("GET", /\/blobs\//)).toBe(3);
      const gets = handlers.requests.filter((r) => r.method === "GET" && !/\/tags\/list/.test(r.path));
      expect(new Set(gets.map((r) => r.path)).size).toBe(gets.length);
      expect(got.fetched).toEqual({ manifests: 5, configs: 3 });
    } finally {
      await reg.close();
    }
  });

  it("sorts by created date, newest first, tags without a date last", async () => {
    const { repo } = repository();
    const undated = addImage(repo, { architecture: "s390x" });
    repo.tags.undated = undated.digest;
    const { reg } = fakeDistribution({ "team/app": repo });
    try {
      const got = await reg.inventory("registry.test/team/app", { sort: "created" });
      expect(got.tags.map((t) => t.tag)).toEqual(["latest", "amd", "1.9", "1.10", "undated"]);
      expect(got.tags[4]).not.toHaveProperty("created");
    } finally {
      await reg.close();
    }
  });

  it("reports progress, one call per tag, and keeps to include/exclude", async () => {
    const { repo } = repository();
    const { reg } = fakeDistribution({ "team/app": repo });
    try {
      const seen: string[] = [];
      const got = await reg.inventory("registry.test/team/app", {
        include: ["1\\..*", "latest"],
        exclude: ["1\\.9"],
        onProgress: (p) => seen.push(`${p.done}/${p.total}`),
      });
      expect(got.tags.map((t) => t.tag)).toEqual(["1.10", "latest"]);
      expect(seen).toEqual(["1/2", "2/2"]);
      // 1.9 was not looked at, so 1.10 shares with no tag listed.
      expect(got.tags[0]?.sharedCount).toBe(0);
      expect(got.shared).toEqual([]);
    } finally {
      await reg.close();
    }
  });

  it("leaves out a tag listed but gone by its HEAD (deleted meanwhile), and names it", async () => {
    const { repo } = repository();
    repo.tags.ghost = `sha256:${"0".repeat(64)}`;
    const { reg } = fakeDistribution({ "team/app": repo });
    try {
      const got = await reg.inventory("registry.test/team/app");
      expect(got.tags.map((t) => t.tag)).toEqual(["1.9", "1.10", "amd", "latest"]);
      expect(got.vanished).toEqual(["ghost"]);
    } finally {
      await reg.close();
    }
  });

  it("records a tag whose index lies about a platform image's size, and lists the others", async () => {
    const { repo, amd, old } = repository();
    // An index whose entry names amd's manifest by its digest and a wrong size: SizeMismatchError for this tag only.
    repo.tags.lie = addIndex(repo, [{ image: { ...amd, size: 100 }, platform: "linux/amd64" }]).digest;
    repo.tags.lie2 = repo.tags.lie;
    const { reg } = fakeDistribution({ "team/app": repo });
    try {
      const got = await reg.inventory("registry.test/team/app", { concurrency: 1 });
      expect(got.tags.map((t) => t.tag)).toEqual(["1.9", "1.10", "amd", "latest"]);
      expect(got.tags[0]?.digest).toBe(old.digest);
      expect(got.failed?.map((f) => [f.tag, f.digest, f.code])).toEqual([
        ["lie", repo.tags.lie, "SIZE_INVALID"],
        ["lie2", repo.tags.lie, "SIZE_INVALID"],
      ]);
      expect(got.failed?.[0]?.message).toMatch(/bytes, but the index entry naming it says 100$/);
    } finally {
      await reg.close();
    }
  });

  it("is empty for a repository with no tags", async () => {
    const { reg } = fakeDistribution({ "team/empty": emptyRepository() });
    try {
      expect(await reg.inventory("registry.test/team/empty")).toEqual({
        repository: "registry.test/team/empty",
        tags: [],
        shared: [],
        fetched: { manifests: 0, configs: 0 },
      });
    } finally {
      await reg.close();
    }
  });

  it("refuses an unknown repository, a bad sort and a bad concurrency", async () => {
    const { reg } = fakeDistribution({});
    try {
      await rejection(reg.inventory("registry.test/team/nothing"), NotFoundError);
      const sort = await rejection(
        reg.inventory("registry.test/team/nothing", { sort: "size" as never }),
        UsageError,
      );
      expect(sort.message).toMatch(/name, created/);
      await rejection(reg.inventory("registry.test/team/nothing", { concurrency: 0 }), UsageError);
    } finally {
      await reg.close();
    }
  });

  it("writes CSV as RFC 4180 says: CRLF, quoted fields with doubled quotes", () => {
    const csv = inventoryCsv({
      repository: "r",
      shared: [],
      fetched: { manifests: 1, configs: 1 },
      tags: [
        {
          tag: 'odd,"tag"',
          digest: "sha256:1",
          mediaType: "m",
          kind: "index",
          platforms: ["linux/amd64", "linux/arm64"],
          size: 10,
          sharedCount: 2,
        },
      ],
    });
    expect(csv).toBe(
      'tag,digest,mediaType,kind,platforms,created,size,sharedCount\r\n"odd,""tag""",sha256:1,m,index,linux/amd64 linux/arm64,,10,2\r\n',
    );
  });
});
