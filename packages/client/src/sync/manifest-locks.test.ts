import { describe, expect, it } from "vitest";
import { ManifestLocks } from "./manifest-locks.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** Runs puts through the locks, recording which were in flight together. */
function recorder() {
  const locks = new ManifestLocks();
  const inFlight = new Set<string>();
  const overlaps: string[][] = [];
  const put = (repo: string, name: string, digests: string[], fail = false) =>
    locks.hold(repo, digests, async () => {
      if (inFlight.size) overlaps.push([name, ...inFlight].sort());
      inFlight.add(name);
      await tick();
      inFlight.delete(name);
      if (fail) throw new Error(`${name} failed`);
      return name;
    });
  return { put, overlaps };
}

describe("ManifestLocks", () => {
  it("keeps puts sharing a digest apart, and lets unrelated ones overlap", async () => {
    const { put, overlaps } = recorder();
    await Promise.all([
      put("r", "tag-a", ["sha256:index", "sha256:amd64", "sha256:arm64"]),
      put("r", "tag-b", ["sha256:index", "sha256:amd64", "sha256:arm64"]),
      put("r", "child", ["sha256:amd64"]),
      put("r", "other", ["sha256:unrelated"]),
      put("elsewhere", "same-digest-other-repo", ["sha256:index"]),
    ]);
    const together = (a: string, b: string) => overlaps.some((o) => o.includes(a) && o.includes(b));
    expect(together("tag-a", "tag-b")).toBe(false);
    expect(together("child", "tag-a")).toBe(false);
    expect(together("child", "tag-b")).toBe(false);
    expect(together("other", "tag-a")).toBe(true);
  });

  it("a failed put releases its digests for the next", async () => {
    const { put } = recorder();
    const first = put("r", "first", ["sha256:x"], true);
    const second = put("r", "second", ["sha256:x"]);
    await expect(first).rejects.toThrow("first failed");
    await expect(second).resolves.toBe("second");
  });

  it("puts queued in opposite orders over the same digests do not deadlock", async () => {
    const { put, overlaps } = recorder();
    const all = await Promise.all([
      put("r", "one", ["sha256:a", "sha256:b"]),
      put("r", "two", ["sha256:b", "sha256:a"]),
      put("r", "three", ["sha256:a"]),
      put("r", "four", ["sha256:b"]),
    ]);
    expect(all).toEqual(["one", "two", "three", "four"]);
    expect(overlaps.filter((o) => !(o.includes("three") && o.includes("four")))).toEqual([]);
  });
});
