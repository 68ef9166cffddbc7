/**
 * `regatta sync`'s ends, against CNCF distribution: a dry run into a layout lists the blobs the run then writes,
 * with their bytes (a dry run is read for disk sizing); a dry run out of a layout lists the blobs the run then
 * uploads; `oci:DIR:tag` as a source is that tag only, as `registry/repo:tag` is; `--platform` with one platform
 * copies that platform's image (copy's rule), with more a rewritten index, and a rerun is up to date either way.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@regatta/client";
import { generateImage, generateIndex, pushImage, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

describe("regatta sync's ends: layouts, one tag, platforms", () => {
  const src = useRegistry("none");
  const dst = useRegistry("none");
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "regatta-sync-layout-"));
    await pushImage(
      src.url,
      "src/big",
      "v1",
      await generateIndex({ layers: [60_000, 40_000], seed: "sync-layout-big" }),
    );
    await pushImage(
      src.url,
      "src/big",
      "v2",
      await generateImage({ layers: [60_000, 40_000], seed: "sync-layout-big", labels: { v: "2" } }),
    );
  });

  it("registry → layout: the dry run's blobs and bytes are what the run writes; back to a registry, likewise", async () => {
    const layout = `oci:${join(work, "big")}`;
    const dry = await regatta(["sync", `${src.host}/src/big`, layout, "--dry-run", "--json"]);
    expect(dry.stderr).toBe("");
    const plan = JSON.parse(dry.stdout);
    expect(plan.totals.images).toEqual({ total: 2, copy: 2, skip: 0, failed: 0 });
    // Two platforms of two layers and a config, and v2's config: the amd64 layers are v2's too.
    expect(plan.totals.blobs.upload).toBe(7);
    expect(plan.totals.bytes.upload).toBeGreaterThan(200_000);
    const text = await regatta(["sync", `${src.host}/src/big`, layout, "--dry-run"]);
    expect(text.stdout).toMatch(/copy v1 \(.*; 6 blobs, 3 manifests\)/);
    expect(text.stdout).toContain(`blobs: 7 to upload (`);

    const run = JSON.parse((await regatta(["sync", `${src.host}/src/big`, layout, "--json"])).stdout);
    expect(run).toMatchObject({ copied: 2, failed: 0 });
    expect(run.blobs.uploaded).toBe(plan.totals.blobs.upload);
    expect(run.bytesUploaded).toBe(plan.totals.bytes.upload);
    const again = JSON.parse(
      (await regatta(["sync", `${src.host}/src/big`, layout, "--dry-run", "--json"])).stdout,
    );
    expect(again.totals.images).toMatchObject({ copy: 0, skip: 2 });

    // The other way: what the dry run says it uploads, the run uploads.
    const back = JSON.parse(
      (await regatta(["sync", layout, `${dst.host}/back/big`, "--dry-run", "--json"])).stdout,
    );
    expect(back.totals.blobs.upload).toBe(7);
    expect(back.totals.bytes.upload).toBe(plan.totals.bytes.upload);
    const pushed = JSON.parse((await regatta(["sync", layout, `${dst.host}/back/big`, "--json"])).stdout);
    expect(pushed).toMatchObject({ copied: 2, failed: 0 });
    expect(pushed.blobs.uploaded).toBe(back.totals.blobs.upload);
    expect(pushed.bytesUploaded).toBe(back.totals.bytes.upload);
  });

  it("oci:DIR:tag is that tag only; a tagged layout target is refused as a tagged registry target is", async () => {
    const dir = join(work, "one");
    expect((await regatta(["sync", `${src.host}/src/big`, `oci:${dir}`])).code).toBe(0);
    const one = await regatta(["sync", `oci:${dir}:v2`, `${dst.host}/one/big`, "--json"]);
    expect(one.stderr).toBe("");
    expect(JSON.parse(one.stdout)).toMatchObject({ copied: 1, failed: 0 });
    const reg = createClient(dst.host);
    try {
      expect(Object.keys((await reg.tagsWithDigests(`${dst.host}/one/big`)).digests)).toEqual(["v2"]);
    } finally {
      await reg.close();
    }
    const tagged = await regatta(["sync", `${src.host}/src/big`, `oci:${dir}:v2`]);
    expect(tagged.code).toBe(2);
    expect(tagged.stderr).toContain("the target of a sync is a layout: each tag keeps its name");
  });

  it("--platform with one platform writes that platform's image, as copy does; with two, a rewritten index", async () => {
    const image = async (repo: string) => {
      const reg = createClient(dst.host);
      try {
        const digest = (await reg.tagsWithDigests(`${dst.host}/${repo}`)).digests.v1 as string;
        return (await reg.manifest(`${dst.host}/${repo}@${digest}`)).kind;
      } finally {
        await reg.close();
      }
    };
    const one = [
      "sync",
      `${src.host}/src/big:v1`,
      `${dst.host}/plat/one`,
      "--platform",
      "linux/arm64",
      "--json",
    ];
    const first = await regatta(one);
    expect(first.stderr).toBe("");
    expect(JSON.parse(first.stdout)).toMatchObject({ copied: 1, failed: 0 });
    expect(await image("plat/one")).toBe("image");
    expect(JSON.parse((await regatta(one)).stdout)).toMatchObject({ copied: 0, skipped: 1 });
    const two = [
      ...one.slice(0, 2),
      `${dst.host}/plat/two`,
      "--platform",
      "linux/arm64,linux/amd64",
      "--json",
    ];
    expect(JSON.parse((await regatta(two)).stdout)).toMatchObject({ copied: 1, failed: 0 });
    expect(await image("plat/two")).toBe("index");
    expect(JSON.parse((await regatta(two)).stdout)).toMatchObject({ copied: 0, skipped: 1 });
  });
});
