/**
 * QA M1 through the built CLI against the REAL distribution 2.8: the referrers of an index's platform manifest (an
 * `attach` to the platform digest, a cosign-style `sha256-<child>.sig` tag) travel with `copy --referrers` and
 * `sync --referrers`, the summary says how many were the platform manifests'; `sync --referrers` copies every tag a
 * plain `sync` copies.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateIndex, pushImage, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

describe("referrers of an index's platform manifests (distribution 2.8, built CLI)", () => {
  const first = useRegistry("none");
  const second = useRegistry("none");
  let child = "";
  const d = { childSig: "", childCosign: "", root: "" };
  const ok = async (args: string[]) => {
    const run = await regatta(args);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    return run;
  };
  const tagsOf = async (repo: string) => (await ok(["tags", repo])).stdout.trim().split("\n").sort();
  const referrersOf = async (ref: string) =>
    (await ok(["referrers", ref])).stdout
      .trim()
      .split("\n")
      .map((line) => line.split(" ")[0])
      .sort();

  beforeAll(async () => {
    const index = await generateIndex({
      platforms: ["linux/amd64", "linux/arm64/v8"],
      seed: "cli-referrers-children",
    });
    await pushImage(first.url, "c/multi", "v1", index);
    child = index.children[1]?.manifest.digest as string;
    const work = mkdtempSync(join(tmpdir(), "regatta-children-"));
    const file = (name: string) => {
      writeFileSync(join(work, name), name);
      return join(work, name);
    };
    const attach = async (to: string, type: string, path: string) =>
      (await ok(["attach", to, "--artifact-type", type, path])).stdout.trim();
    d.childSig = await attach(`${first.host}/c/multi@${child}`, "application/vnd.child.sig", file("c.sig"));
    d.root = await attach(`${first.host}/c/multi:v1`, "application/vnd.root.sig", file("r.sig"));
    const cosign = await ok([
      "artifact",
      "push",
      `${first.host}/c/multi:sha256-${child.slice(7)}.sig`,
      file("cosign.sig"),
      "--artifact-type",
      "application/vnd.dev.cosign.simplesigning.v1+json",
      "--json",
    ]);
    d.childCosign = JSON.parse(cosign.stdout).digest;
  }, 120_000);

  it("copy --referrers copies the platform manifest's referrers, and says so", async () => {
    const run = await ok(["copy", `${first.host}/c/multi:v1`, `${second.host}/ref/multi:v1`, "--referrers"]);
    expect(run.stderr).toContain("3 referrers copied (2 of the index's platform manifests)");
    expect(await referrersOf(`${second.host}/ref/multi@${child}`)).toEqual(
      [d.childSig, d.childCosign].sort(),
    );
  });

  it("sync --referrers copies every tag a plain sync copies, the platform manifest's referrers with them", async () => {
    await ok(["sync", `${first.host}/c/multi`, `${second.host}/s/plain`]);
    const run = await ok(["sync", `${first.host}/c/multi`, `${second.host}/s/refs`, "--referrers", "--json"]);
    expect(JSON.parse(run.stdout)).toMatchObject({ failed: 0, referrers: 3 });
    expect(await tagsOf(`${second.host}/s/refs`)).toEqual(await tagsOf(`${second.host}/s/plain`));
    expect(await referrersOf(`${second.host}/s/refs@${child}`)).toEqual([d.childSig, d.childCosign].sort());
  });
});
