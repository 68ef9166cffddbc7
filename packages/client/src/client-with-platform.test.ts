/**
 * `client.with({ platform })` means that platform's image of an index for every call, as if each named it: the
 * verbs that show an index whole when asked for nothing (manifest, digest, head, inspect, size) resolve it too; the
 * client it came from is unchanged. The CLI's `--platform` is this (apps/cli/README.md).
 */
import { fakeRepository, type GeneratedIndex, generateIndex } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { fakeDistribution } from "./test-answering-registry.js";

let index: GeneratedIndex;
beforeAll(async () => {
  index = await generateIndex({
    platforms: ["linux/amd64", "linux/arm64/v8"],
    layers: [16],
    seed: "with-platform",
  });
});

describe("client.with({ platform })", () => {
  it("resolves an index to the chosen platform in every verb; the parent client still shows the index", async () => {
    const { reg } = fakeDistribution({ "team/app": fakeRepository({ v1: index }) });
    try {
      const arm = reg.with({ platform: "linux/arm64/v8" });
      const ref = "registry.test/team/app:v1";
      const image = index.children[1]!.manifest;

      expect((await arm.manifest(ref)).digest).toBe(image.digest);
      expect(await arm.digest(ref)).toBe(image.digest);
      expect((await arm.head(ref)).digest).toBe(image.digest);
      expect(await arm.inspect(ref)).toMatchObject({ digest: image.digest, platform: "linux/arm64/v8" });
      expect(await arm.size(ref)).toBe(await reg.size(ref, { platform: "linux/arm64/v8" }));
      expect((await arm.config(ref)).config).toMatchObject({
        os: "linux",
        architecture: "arm64",
        variant: "v8",
      });

      expect((await reg.manifest(ref)).digest).toBe(index.index.digest);
      expect(await reg.digest(ref)).toBe(index.index.digest);
      expect((await reg.inspect(ref)).platforms).toHaveLength(2);
      // A call that names a platform keeps it.
      expect(await arm.digest(ref, { platform: "linux/amd64" })).toBe(index.children[0]!.manifest.digest);
    } finally {
      await reg.close();
    }
  });
});
