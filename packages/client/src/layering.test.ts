import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Dependencies point one way: manifest is a leaf above errors, reference uses manifest's digest grammar (issue 11:
 * one home for it), auth knows challenges and credentials, transport carries requests, layout keeps images on disk
 * with no network, client combines them, and the apps use only client and reference (STYLE.md).
 */
const ALLOWED: Record<string, string[]> = {
  "@regatta/errors": [],
  "@regatta/reference": ["@regatta/errors", "@regatta/manifest"],
  "@regatta/manifest": ["@regatta/errors"],
  "@regatta/auth": ["@regatta/errors", "@regatta/reference"],
  "@regatta/transport": ["@regatta/errors", "@regatta/auth", "@regatta/reference", "@regatta/manifest"],
  "@regatta/layout": ["@regatta/errors", "@regatta/reference", "@regatta/manifest"],
  "@regatta/client": [
    "@regatta/errors",
    "@regatta/reference",
    "@regatta/manifest",
    "@regatta/auth",
    "@regatta/transport",
    "@regatta/layout",
  ],
  "@regatta/testkit": ["@regatta/errors", "@regatta/reference", "@regatta/manifest"],
  "@regatta/cli": ["@regatta/client", "@regatta/reference", "@regatta/repl"],
  "@regatta/repl": ["@regatta/client", "@regatta/reference"],
};

const root = join(import.meta.dirname, "../../..");
const packages = ["packages", "apps"].flatMap((dir) =>
  readdirSync(join(root, dir)).map((name) => {
    const pkg = JSON.parse(readFileSync(join(root, dir, name, "package.json"), "utf8"));
    return { dir: join(root, dir, name), pkg };
  }),
);

function sourceFiles(dir: string): string[] {
  return (
    readdirSync(dir, { withFileTypes: true, recursive: true })
      // Tests and test helpers (`test-*.ts`, left out of the build by tsconfig) may use the test kit.
      .filter(
        (e) =>
          e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") && !e.name.startsWith("test-"),
      )
      .map((e) => join(e.parentPath, e.name))
  );
}

describe("package layering", () => {
  it("allows no cycle", () => {
    // Depth-first search over the allowed arrows: a package met again while still on the path closes a cycle.
    const cycles: string[] = [];
    const visit = (name: string, path: string[]): void => {
      if (path.includes(name)) {
        cycles.push([...path.slice(path.indexOf(name)), name].join(" -> "));
        return;
      }
      for (const dep of ALLOWED[name] ?? []) visit(dep, [...path, name]);
    };
    for (const name of Object.keys(ALLOWED)) visit(name, []);
    expect(cycles).toEqual([]);
  });

  it.each(packages.map((p) => [p.pkg.name, p] as const))(
    "%s depends only on the layers below it",
    (name, { pkg, dir }) => {
      expect(Object.keys(ALLOWED)).toContain(name);
      const internal = Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith("@regatta/"));
      expect(internal.filter((d) => !ALLOWED[name]?.includes(d))).toEqual([]);
      // The source must not reach around package.json either.
      const imported = new Set<string>();
      for (const file of sourceFiles(join(dir, "src"))) {
        for (const m of readFileSync(file, "utf8").matchAll(/from\s+"(@regatta\/[a-z-]+)/g))
          imported.add(m[1] as string);
      }
      imported.delete(name);
      expect([...imported].filter((d) => !ALLOWED[name]?.includes(d))).toEqual([]);
    },
  );
});
