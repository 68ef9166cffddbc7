/**
 * `regatta index create|append|remove|filter|annotate` through the built CLI against the REAL distribution 2.8
 * (issue 13): images pushed separately into repositories of their own made one index and edited step by step, each
 * step's digest (stdout) the one skopeo reads at the tag; bad input is one line on stderr, the right exit status,
 * and no change at the tag.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type GeneratedImage, generateImage, pushImage, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const exec = promisify(execFile);
const DIGEST = /^sha256:[a-f0-9]{64}\n$/;

interface RawIndex {
  mediaType: string;
  annotations?: Record<string, string>;
  manifests: {
    digest: string;
    platform: { architecture: string; variant?: string };
    annotations?: Record<string, string>;
  }[];
}

describe("regatta index against distribution 2.8", () => {
  const registry = useRegistry("none");
  const images: Record<string, GeneratedImage> = {};
  const at = (ref: string) => `${registry.host}/${ref}`;

  /** What skopeo reads at a reference: the digest of its bytes and the index. */
  async function skopeo(ref: string): Promise<{ digest: string; index: RawIndex }> {
    const { stdout } = await exec("skopeo", [
      "--insecure-policy",
      "inspect",
      "--raw",
      "--tls-verify=false",
      `docker://${at(ref)}`,
    ]);
    return {
      digest: `sha256:${createHash("sha256").update(stdout).digest("hex")}`,
      index: JSON.parse(stdout),
    };
  }
  const archs = (index: RawIndex) =>
    index.manifests.map(
      (m) => m.platform.architecture + (m.platform.variant ? `/${m.platform.variant}` : ""),
    );

  /** Runs regatta, expects success with a digest on stdout that skopeo reads at `tag`; returns what skopeo read. */
  async function step(args: string[], tag: string) {
    const run = await regatta(args);
    expect(run.stderr.includes("    at "), run.stderr).toBe(false);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(DIGEST);
    const seen = await skopeo(tag);
    expect(seen.digest).toBe(run.stdout.trim());
    return { ...seen, stderr: run.stderr };
  }

  /** Runs regatta, expects one line on stderr, exit `code`, and the index at `tag` unchanged. */
  async function refused(args: string[], code: number, message: RegExp, tag = "release/app:1.0") {
    const before = await skopeo(tag);
    const run = await regatta(args);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.code).toBe(code);
    expect(run.stdout).toBe("");
    expect((await skopeo(tag)).digest).toBe(before.digest);
  }

  beforeAll(async () => {
    for (const platform of ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"]) {
      const name = platform.split("/").slice(1).join("");
      images[name] = await generateImage({ platform, layers: [64], seed: `cli-index-${name}` });
      await pushImage(registry.url, `build/app-${name}`, "1.0", images[name]!);
    }
  }, 60_000);

  it("creates an index over two images pushed separately, appends, removes, filters and annotates", async () => {
    const created = await step(
      ["index", "create", at("release/app:1.0"), at("build/app-amd64:1.0"), at("build/app-arm64v8:1.0")],
      "release/app:1.0",
    );
    expect(created.index.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(archs(created.index)).toEqual(["amd64", "arm64/v8"]);
    expect(created.stderr).toContain("created");
    expect(created.stderr).toContain("linux/amd64, linux/arm64/v8");

    const appended = await step(
      ["index", "append", at("release/app:1.0"), at("build/app-armv7:1.0")],
      "release/app:1.0",
    );
    expect(archs(appended.index)).toEqual(["amd64", "arm64/v8", "arm/v7"]);

    const removed = await step(
      ["index", "remove", at("release/app:1.0"), "--platform", "linux/arm"],
      "release/app:1.0",
    );
    expect(archs(removed.index)).toEqual(["amd64", "arm64/v8"]);
    // What went, then what is left: "removed from R: 2 entries (linux/amd64, …)" read as if those had gone (QA).
    expect(removed.stderr).toContain(
      `removed from ${at("release/app:1.0")}: 1 entry (linux/arm/v7); left: 2 entries (linux/amd64, linux/arm64/v8)`,
    );

    const filtered = await regatta([
      "index",
      "filter",
      at("release/app:amd64"),
      "--from",
      at("release/app:1.0"),
      "--platform",
      "linux/amd64",
      "--json",
    ]);
    expect(filtered.code, filtered.stderr).toBe(0);
    const json = JSON.parse(filtered.stdout);
    expect(json).toMatchObject({
      reference: at("release/app:amd64"),
      from: { digest: removed.digest },
      manifests: [{ digest: images.amd64!.manifest.digest, platform: "linux/amd64" }],
      removed: [{ digest: images.arm64v8!.manifest.digest, platform: "linux/arm64/v8" }],
    });
    expect((await skopeo("release/app:amd64")).digest).toBe(json.digest);
    expect((await skopeo("release/app:1.0")).digest).toBe(removed.digest);

    await step(
      ["index", "annotate", at("release/app:1.0"), "--annotation", "org.opencontainers.image.version=1.0"],
      "release/app:1.0",
    );
    const annotated = await step(
      [
        "index",
        "annotate",
        at("release/app:1.0"),
        "--platform",
        "linux/arm64",
        "--annotation",
        "org.example.note=arm=64",
      ],
      "release/app:1.0",
    );
    expect(annotated.index.annotations).toEqual({ "org.opencontainers.image.version": "1.0" });
    expect(annotated.index.manifests.map((m) => m.annotations)).toEqual([
      undefined,
      { "org.example.note": "arm=64" },
    ]);
  });

  it("refuses bad input in one line, with the right exit status, changing nothing", async () => {
    const target = at("release/app:1.0");
    await refused(
      ["index", "remove", target, "--platform", "linux/s390x"],
      3,
      /has no image for platform linux\/s390x; it has: linux\/amd64, linux\/arm64\/v8/,
    );
    await refused(
      ["index", "remove", target, "--platform", "linux/amd64,linux/arm64"],
      2,
      /would list no image at all/,
    );
    await refused(["index", "remove", target], 2, /needs --platform or --digest/);
    await refused(
      ["index", "annotate", target, "--annotation", "novalue"],
      2,
      /--annotation needs KEY=VALUE, got "novalue"/,
    );
    await refused(
      ["index", "append", target, at("build/app-amd64:1.0")],
      2,
      /lists sha256:\w+ \(linux\/amd64\) already/,
    );
    await refused(
      ["index", "remove", at("build/app-amd64:1.0"), "--platform", "linux/amd64"],
      2,
      /is an image, not an index/,
      "build/app-amd64:1.0",
    );
  });

  it("refuses an artifact as a source", async () => {
    const dir = mkdtempSync(join(tmpdir(), "regatta-index-"));
    const file = join(dir, "sbom.json");
    writeFileSync(file, "{}");
    const pushed = await regatta([
      "artifact",
      "push",
      at("build/sbom:1.0"),
      file,
      "--artifact-type",
      "application/spdx+json",
    ]);
    rmSync(dir, { recursive: true, force: true });
    expect(pushed.code, pushed.stderr).toBe(0);
    const run = await regatta(["index", "create", at("release/other:1.0"), at("build/sbom:1.0")]);
    expect(run.stderr).toMatch(
      /build\/sbom:1\.0 is an artifact \(artifactType application\/spdx\+json\), not an image/,
    );
    expect(run.code).toBe(2);
    const tags = await regatta(["tags", at("release/other")]);
    expect(tags.code).not.toBe(0);
  });
});
