import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Dependencies point one way: manifest is a leaf above errors, reference uses manifest's digest grammar (issue 11:
 * one home for it), auth knows challenges and credentials, transport carries requests, layout keeps images on disk
 * with no network, client combines them, and the apps use only client, reference and the private present package
 * (what the CLI and the REPL show people; STYLE.md). The CLI also imports the error classes from errors itself: its
 * start-up must not import the client, which its bundle would then load whole (apps/cli/build.mjs, issue 12).
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
  "@regatta/present": ["@regatta/errors", "@regatta/manifest"],
  "@regatta/cli": [
    "@regatta/client",
    "@regatta/errors",
    "@regatta/reference",
    "@regatta/present",
    "@regatta/repl",
  ],
  "@regatta/repl": ["@regatta/client", "@regatta/reference", "@regatta/present"],
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

  it("gives no published package a private one to install (the apps bundle @regatta/present)", () => {
    const priv = new Set(packages.filter((p) => p.pkg.private).map((p) => p.pkg.name as string));
    expect(priv).toContain("@regatta/present");
    const named = packages
      .filter((p) => !p.pkg.private)
      .flatMap(({ pkg }) =>
        ["dependencies", "peerDependencies", "optionalDependencies"].flatMap((field) =>
          Object.keys(pkg[field] ?? {})
            .filter((dep) => priv.has(dep))
            .map((dep) => `${pkg.name} ${field}: ${dep}`),
        ),
      );
    expect(named).toEqual([]);
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

/** Source text without its comments, which may name paths and calls freely. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/** A source file's code, comments left out. */
const code = (file: string) => withoutComments(readFileSync(file, "utf8"));

/**
 * One home for the registry API (issue 11, item 1): the client's endpoints live in src/registry-api/, one file per
 * family, and only they send registry requests or build `/v2/…` paths; the verbs call them. connect.ts is the
 * wiring that builds the transport (and checks credentials on the API root). The apps reach registries through the
 * client only, never by calling its transport.
 */
describe("the registry API has one home", () => {
  const clientSrc = join(root, "packages/client/src");
  const wiring = new Set(["connect.ts"]);
  const clientFiles = sourceFiles(clientSrc)
    .filter((file) => !file.startsWith(join(clientSrc, "registry-api")))
    .filter((file) => !wiring.has(file.slice(clientSrc.length + 1)));

  it("finds the client's verbs to check", () => {
    expect(clientFiles.map((f) => f.slice(clientSrc.length + 1))).toEqual(
      expect.arrayContaining(["copy.ts", "get-manifest.ts", "blob-handle.ts", "layout/pull.ts"]),
    );
  });

  it.each(clientFiles.map((f) => [f.slice(clientSrc.length + 1), f] as const))(
    "%s sends no request itself and builds no /v2/ path",
    (_name, file) => {
      const text = code(file);
      expect(text).not.toMatch(/\btransport\s*\.\s*request\s*\(/);
      expect(text).not.toMatch(/["'`]\/v2\//);
    },
  );

  const appFiles = ["cli", "repl"].flatMap((app) => sourceFiles(join(root, "apps", app, "src")));
  it.each(appFiles.map((f) => [f.slice(root.length + 1), f] as const))(
    "%s calls no transport method",
    (_name, file) => {
      expect(code(file)).not.toMatch(/\btransport\s*\.\s*\w+\s*\(/);
    },
  );

  it("the rule sees what it forbids", () => {
    expect("ctx.transport.request({").toMatch(/\btransport\s*\.\s*request\s*\(/);
    expect("path: `/v2/team/app/blobs`").toMatch(/["'`]\/v2\//);
    expect(withoutComments(`/** GET \`/v2/\` */\n// "/v2/"\nconst x = 1;`)).not.toMatch(/\/v2\//);
  });
});
