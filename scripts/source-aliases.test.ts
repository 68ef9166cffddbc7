// Tests resolve sibling packages to their source (vitest.project.ts, issue 11), so a one-package run after an
// edit elsewhere tests what is on disk, not a stale build.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sourceAliases } from "../vitest.project.ts";

const root = join(import.meta.dirname, "..");

describe("sibling packages in tests", () => {
  it("resolve to the module under src/, the same instance a relative import of the source gets", async () => {
    const byName = await import("@regatta/errors");
    const bySource = await import("../packages/errors/src/index.ts");
    expect(byName.RegattaError).toBeDefined();
    expect(byName.RegattaError).toBe(bySource.RegattaError);
  });

  it("cover every workspace package with a src/index.ts", () => {
    const aliased = sourceAliases()
      .map((a) => a.replacement)
      .filter((file) => file.endsWith("/src/index.ts"));
    const packages = ["packages", "apps"].flatMap((group) =>
      readdirSync(join(root, group)).map((dir) => join(root, group, dir, "src/index.ts")),
    );
    expect(aliased.sort()).toEqual(packages.sort());
    expect(
      sourceAliases()
        .find((a) => a.find.test("@regatta/client"))
        ?.find.test("@regatta/client-x"),
    ).toBe(false);
  });

  it("cover the subpath exports, each to the source of the file it exports", async () => {
    const find = (specifier: string) => sourceAliases().find((a) => a.find.test(specifier))?.replacement;
    expect(find("@regatta/client/connect")).toBe(join(root, "packages/client/src/connect-entry.ts"));
    expect(find("@regatta/present/template")).toBe(join(root, "packages/present/src/template.ts"));
    expect(find("@regatta/client/connect-x")).toBeUndefined();
    const byName = await import("@regatta/client/connect");
    const bySource = await import("../packages/client/src/connect.ts");
    expect(byName.createClient).toBe(bySource.createClient);
  });
});
