// One version for Regatta (issue 11): packages/transport/src/version.ts is generated from package.json, the
// User-Agent and `regatta --version` read it, and every published package carries the same version.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { VERSION_FILE, versionSource } from "./write-version.mjs";

const root = join(import.meta.dirname, "..");
const read = (path: string) => readFileSync(join(root, path), "utf8");
const manifests = ["packages", "apps"].flatMap((group) =>
  readdirSync(join(root, group)).map((dir) => JSON.parse(read(`${group}/${dir}/package.json`))),
);
const version: string = JSON.parse(read("packages/transport/package.json")).version;

describe("Regatta's version", () => {
  it("is what the generated file says (run `node scripts/write-version.mjs` after a version bump)", () => {
    expect(read(VERSION_FILE)).toBe(versionSource(version));
  });

  it("is the version of every published package", () => {
    const published = manifests.filter((m) => !m.private);
    expect(published.length).toBeGreaterThan(5);
    for (const m of published) expect(`${m.name}@${m.version}`).toBe(`${m.name}@${version}`);
  });

  it("is what `regatta --version` prints and what the User-Agent carries", async () => {
    const printed = execFileSync(process.execPath, [join(root, "apps/cli/dist/bin.cjs"), "--version"], {
      encoding: "utf8",
    });
    expect(printed.trim()).toBe(version);
    const { DEFAULT_USER_AGENT } = await import("@regatta/transport");
    expect(DEFAULT_USER_AGENT).toBe(`regatta/${version}`);
  });
});
