/**
 * `reg.diff(a, b)` (issue 14, image diff): config fields and maps entry by entry, layers by digest (a different
 * layer at the same position is "changed"), files with whiteouts honoured, an index against an image resolved to a
 * platform and said so, two indexes compared platform by platform; bad input refused with typed errors.
 */
import { NotFoundError, UnsupportedError } from "@regatta/errors";
import { computeDigest } from "@regatta/manifest";
import { fileLayerBlob } from "@regatta/testkit";
import { describe, expect, it } from "vitest";
import { addImage, addIndex, emptyRepository } from "../inventory/test-images.js";
import { fakeDistribution, rejection, schema1Bytes } from "../test-answering-registry.js";
import type { ImageDiff, IndexDiff } from "./image-diff.js";
import { imageDiffEmpty } from "./image-diff.js";

const BASE_CONFIG = {
  created: "2024-01-01T00:00:00Z",
  config: {
    Env: ["PATH=/usr/bin", "LANG=C", "GONE=1"],
    Cmd: ["/bin/sh"],
    Entrypoint: ["/init"],
    User: "root",
    WorkingDir: "/",
    ExposedPorts: { "80/tcp": {} },
    Labels: { version: "1", team: "a" },
  },
};

const NEXT_CONFIG = {
  created: "2024-02-01T00:00:00Z",
  architecture: "arm64",
  config: {
    Env: ["PATH=/usr/local/bin:/usr/bin", "LANG=C", "NEW=yes"],
    Cmd: ["/bin/sh", "-c", "serve"],
    Entrypoint: ["/init"],
    User: "app",
    WorkingDir: "/srv",
    ExposedPorts: { "80/tcp": {}, "443/tcp": {} },
    Labels: { version: "2", owner: "b" },
  },
};

async function images() {
  const repo = emptyRepository();
  const base = await fileLayerBlob([
    { name: "etc/", type: "directory" },
    { name: "etc/os-release", content: "ID=test\n" },
    { name: "etc/motd", content: "hello\n" },
    { name: "bin/", type: "directory" },
    { name: "bin/tool", content: "v1", mode: 0o755 },
  ]);
  const appV1 = await fileLayerBlob([{ name: "srv/app.js", content: "console.log(1)\n" }]);
  const appV2 = await fileLayerBlob([
    { name: "srv/app.js", content: "console.log(2)\n" },
    { name: "srv/extra.txt", content: "new\n" },
  ]);
  // B removes /etc/motd with a whiteout and makes /bin/tool executable by no one else.
  const cleanup = await fileLayerBlob([
    { name: "etc/.wh.motd", content: "" },
    { name: "bin/tool", content: "v1", mode: 0o700 },
  ]);
  const removedOnly = await fileLayerBlob([{ name: "opt/only-a", content: "aa" }]);
  const a = addImage(repo, BASE_CONFIG, [base.bytes, appV1.bytes, removedOnly.bytes]);
  const b = addImage(repo, NEXT_CONFIG, [base.bytes, appV2.bytes, cleanup.bytes]);
  repo.tags.a = a.digest;
  repo.tags.b = b.digest;
  return { repo, a, b, layers: { base, appV1, appV2, cleanup, removedOnly } };
}

describe("diff of two images", () => {
  it("compares config fields, and Env, labels and ports entry by entry", async () => {
    const { repo } = await images();
    const { reg } = fakeDistribution({ "team/app": repo });
    try {
      const diff = (await reg.diff("registry.test/team/app:a", "registry.test/team/app:b")) as ImageDiff;
      expect(diff.kind).toBe("image");
      expect(diff.identical).toBe(false);
      expect(diff.notes).toEqual([]);
      expect(diff.config.fields).toEqual([
        { field: "platform", a: "linux/amd64", b: "linux/arm64" },
        { field: "created", a: "2024-01-01T00:00:00Z", b: "2024-02-01T00:00:00Z" },
        { field: "user", a: "root", b: "app" },
        { field: "workingDir", a: "/", b: "/srv" },
        { field: "cmd", a: ["/bin/sh"], b: ["/bin/sh", "-c", "serve"] },
      ]);
      expect(diff.config.env).toEqual({
        added: { NEW: "yes" },
        removed: { GONE: "1" },
        changed: { PATH: { a: "/usr/bin", b: "/usr/local/bin:/usr/bin" } },
      });
      expect(diff.config.labels).toEqual({
        added: { owner: "b" },
        removed: { team: "a" },
        changed: { version: { a: "1", b: "2" } },
      });
      expect(diff.config.exposedPorts).toEqual({ added: ["443/tcp"], removed: [] });
      expect(diff.a).toMatchObject({ reference: "registry.test/team/app:a", platform: "linux/amd64" });
      expect(imageDiffEmpty(diff)).toBe(false);
    } finally {
      await reg.close();
    }
  });

  it("sorts layers into shared, changed (same position, other digest), added and removed, with sizes", async () => {
    const { repo, layers } = await images();
    const { reg } = fakeDistribution({ "team/app": repo });
    try {
      const diff = (await reg.diff("registry.test/team/app:a", "registry.test/team/app:b")) as ImageDiff;
      const { shared, changed, added, removed, sizes } = diff.layers;
      expect(shared.map((l) => l.digest)).toEqual([layers.base.digest]);
      expect(changed.map((c) => [c.a.position, c.a.digest, c.b.digest])).toEqual([
        [1, layers.appV1.digest, layers.appV2.digest],
        [2, layers.removedOnly.digest, layers.cleanup.digest],
      ]);
      expect(added).toEqual([]);
      expect(removed).toEqual([]);
      expect(sizes.shared).toBe(layers.base.bytes.length);
      expect(sizes.added).toBe(layers.appV2.bytes.length + layers.cleanup.bytes.length);
      expect(sizes.removed).toBe(layers.appV1.bytes.length + layers.removedOnly.bytes.length);
    } finally {
      await reg.close();
    }
  });

  it("with files: added, removed (a whiteout) and changed files (content, mode)", async () => {
    const { repo } = await images();
    const { reg } = fakeDistribution({ "team/app": repo });
    try {
      const diff = (await reg.diff("registry.test/team/app:a", "registry.test/team/app:b", {
        files: true,
      })) as ImageDiff;
      const files = diff.files!;
      expect(files.added.map((f) => f.path)).toEqual(["/srv/extra.txt"]);
      // /opt is implied by /opt/only-a: no layer names it, and it goes with it.
      expect(files.removed.map((f) => f.path)).toEqual(["/etc/motd", "/opt", "/opt/only-a"]);
      expect(files.changed.map((c) => [c.path, c.changes])).toEqual([
        ["/bin/tool", ["mode"]],
        ["/srv/app.js", ["content"]],
      ]);
      expect(files.changed[1]?.a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      // /, /bin, /etc, /etc/os-release and /srv are the same on both sides.
      expect(files.unchanged).toBe(4);
      expect(files.sizes).toEqual({ added: 4, removed: 8, changed: 0 });
    } finally {
      await reg.close();
    }
  });

  it("finds nothing between an image and itself", async () => {
    const { repo } = await images();
    const { reg } = fakeDistribution({ "team/app": repo });
    try {
      const diff = (await reg.diff("registry.test/team/app:a", "registry.test/team/app:a", {
        files: true,
      })) as ImageDiff;
      expect(diff.identical).toBe(true);
      expect(imageDiffEmpty(diff)).toBe(true);
      expect(diff.layers.shared).toHaveLength(3);
    } finally {
      await reg.close();
    }
  });

  it("refuses an unknown tag with NotFoundError", async () => {
    const { repo } = await images();
    const { reg } = fakeDistribution({ "team/app": repo });
    try {
      await rejection(reg.diff("registry.test/team/app:a", "registry.test/team/app:nope"), NotFoundError);
    } finally {
      await reg.close();
    }
  });
});

describe("diff with indexes", () => {
  function indexes() {
    const repo = emptyRepository();
    const amd1 = addImage(repo, { created: "2024-01-01T00:00:00Z" }, ["amd 1"]);
    const arm1 = addImage(repo, { architecture: "arm64" }, ["arm 1"]);
    const amd2 = addImage(repo, { created: "2024-02-01T00:00:00Z" }, ["amd 1", "amd 2"]);
    const s390 = addImage(repo, { architecture: "s390x" }, ["s390x"]);
    const one = addIndex(repo, [
      { image: amd1, platform: "linux/amd64" },
      { image: arm1, platform: "linux/arm64" },
    ]);
    const two = addIndex(repo, [
      { image: amd2, platform: "linux/amd64" },
      { image: s390, platform: "linux/s390x" },
    ]);
    repo.tags.one = one.digest;
    repo.tags.two = two.digest;
    repo.tags.single = amd2.digest;
    return { repo, amd1, amd2, one, two };
  }

  it("an index against an image: the index's image for the client's platform, and a note saying so", async () => {
    const { repo, amd1, one } = indexes();
    const { reg } = fakeDistribution({ "team/app": repo }, { connect: { platform: "linux/amd64" } });
    try {
      const diff = (await reg.diff(
        "registry.test/team/app:one",
        "registry.test/team/app:single",
      )) as ImageDiff;
      expect(diff.kind).toBe("image");
      expect(diff.a).toMatchObject({ digest: amd1.digest, index: one.digest, platform: "linux/amd64" });
      expect(diff.notes).toEqual([
        "A (registry.test/team/app:one) is an index: its linux/amd64 image is compared (the client's platform; --platform or { platform } to choose another)",
      ]);
      expect(diff.layers.added.map((l) => l.position)).toEqual([1]);
      expect(diff.layers.shared).toHaveLength(1);
    } finally {
      await reg.close();
    }
  });

  it("an index against an image with a platform the index lacks: NotFoundError naming what it has", async () => {
    const { repo } = indexes();
    const { reg } = fakeDistribution({ "team/app": repo });
    try {
      const error = await rejection(
        reg.diff("registry.test/team/app:single", "registry.test/team/app:one", {
          platform: "linux/ppc64le",
        }),
        NotFoundError,
      );
      expect(error.message).toMatch(
        /no image for platform linux\/ppc64le; it has: linux\/amd64, linux\/arm64/,
      );
    } finally {
      await reg.close();
    }
  });

  it("two indexes: platforms only in one or the other, and each common platform's images compared", async () => {
    const { repo, one, two } = indexes();
    const { reg } = fakeDistribution({ "team/app": repo });
    try {
      const diff = (await reg.diff("registry.test/team/app:one", "registry.test/team/app:two")) as IndexDiff;
      expect(diff.kind).toBe("index");
      expect(diff.a).toMatchObject({ digest: one.digest, platforms: ["linux/amd64", "linux/arm64"] });
      expect(diff.platforms).toEqual({
        onlyA: ["linux/arm64"],
        onlyB: ["linux/s390x"],
        common: ["linux/amd64"],
      });
      expect(diff.images).toHaveLength(1);
      expect(diff.images[0]?.a).toMatchObject({ platform: "linux/amd64", index: one.digest });
      expect(diff.images[0]?.b).toMatchObject({ index: two.digest });
      expect(diff.images[0]?.config.fields).toEqual([
        { field: "created", a: "2024-01-01T00:00:00Z", b: "2024-02-01T00:00:00Z" },
      ]);
    } finally {
      await reg.close();
    }
  });

  it("two indexes with a platform: that platform's images", async () => {
    const { repo } = indexes();
    const { reg } = fakeDistribution({ "team/app": repo });
    try {
      const diff = await reg.diff("registry.test/team/app:one", "registry.test/team/app:two", {
        platform: "linux/amd64",
      });
      expect(diff.kind).toBe("image");
      expect(diff.notes).toHaveLength(2);
      expect(diff.notes[0]).toMatch(/its linux\/amd64 image is compared \(the platform asked for\)/);
    } finally {
      await reg.close();
    }
  });

  it("refuses what is neither an image nor an index (schema 1) with UnsupportedError", async () => {
    const { repo } = indexes();
    const bytes = schema1Bytes("team/app");
    const digest = computeDigest(bytes);
    repo.manifests[digest] = { bytes, mediaType: "application/vnd.docker.distribution.manifest.v1+json" };
    repo.tags.old = digest;
    const { reg } = fakeDistribution({ "team/app": repo });
    try {
      const error = await rejection(
        reg.diff("registry.test/team/app:old", "registry.test/team/app:one"),
        UnsupportedError,
      );
      expect(error.message).toMatch(/team\/app:old is a schema1 manifest .*diff compares images and indexes/);
    } finally {
      await reg.close();
    }
  });
});
