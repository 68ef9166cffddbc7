/**
 * `reg.diff()` against a real registry (distribution 2.8 with Basic auth): layers streamed from the registry and
 * verified, files compared with a whiteout, an opaque directory and a symlink retargeted; an index against an image;
 * two indexes across two repositories.
 */
import {
  DEFAULT_USERS,
  generateImage,
  generateIndex,
  type LayerFileEntry,
  pushImage,
  useRegistry,
} from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../connect.js";
import type { ImageDiff, IndexDiff } from "./image-diff.js";

const LOWER: LayerFileEntry[] = [
  { name: "etc/", type: "directory" },
  { name: "etc/motd", content: "hello\n" },
  { name: "opt/", type: "directory" },
  { name: "opt/old", content: "old\n" },
  { name: "current", type: "symlink", linkname: "opt/old" },
];
const UPPER: LayerFileEntry[] = [
  { name: "etc/.wh.motd" },
  { name: "opt/", type: "directory" },
  { name: "opt/.wh..wh..opq" },
  { name: "opt/new", content: "new!\n" },
  { name: "current", type: "symlink", linkname: "opt/new" },
];

describe("diff on a real registry", () => {
  const registry = useRegistry("basic");
  const [[username, password]] = Object.entries(DEFAULT_USERS) as [[string, string]];
  beforeAll(async () => {
    const credentials = { username, password };
    const one = await generateImage({ layers: 0, fileLayers: [LOWER], seed: "diff-int" });
    const two = await generateImage({ layers: 0, fileLayers: [LOWER, UPPER], seed: "diff-int" });
    await pushImage(registry.url, "team/app", "1", one, credentials);
    await pushImage(registry.url, "team/app", "2", two, credentials);
    await pushImage(registry.url, "team/multi", "a", await generateIndex({ seed: "diff-a" }), credentials);
    const b = await generateIndex({ seed: "diff-b", platforms: ["linux/amd64", "linux/s390x"] });
    await pushImage(registry.url, "team/other", "b", b, credentials);
  }, 60_000);

  const client = () => createClient(registry.host, { username, password });

  it("compares the files of two images: a whiteout, an opaque directory, a symlink retargeted", async () => {
    const reg = client();
    try {
      const diff = (await reg.diff("team/app:1", "team/app:2", { files: true })) as ImageDiff;
      expect(diff.layers.shared).toHaveLength(1);
      expect(diff.layers.added).toHaveLength(1);
      const files = diff.files!;
      expect(files.added.map((f) => f.path)).toEqual(["/opt/new"]);
      expect(files.removed.map((f) => f.path)).toEqual(["/etc/motd", "/opt/old"]);
      expect(files.changed.map((c) => [c.path, c.changes, c.b.linkTarget])).toEqual([
        ["/current", ["link"], "opt/new"],
      ]);
    } finally {
      await reg.close();
    }
  });

  it("an index against an image, and two indexes in two repositories", async () => {
    const reg = client();
    try {
      const mixed = (await reg.diff("team/multi:a", "team/app:1", { platform: "linux/amd64" })) as ImageDiff;
      expect(mixed.kind).toBe("image");
      expect(mixed.a.platform).toBe("linux/amd64");
      expect(mixed.notes).toEqual([
        `A (${registry.host}/team/multi:a) is an index: its linux/amd64 image is compared (the platform asked for)`,
      ]);
      const both = (await reg.diff("team/multi:a", "team/other:b")) as IndexDiff;
      expect(both.platforms).toEqual({
        onlyA: ["linux/arm64/v8"],
        onlyB: ["linux/s390x"],
        common: ["linux/amd64"],
      });
      expect(both.images[0]?.layers.changed).toHaveLength(1);
    } finally {
      await reg.close();
    }
  });
});
