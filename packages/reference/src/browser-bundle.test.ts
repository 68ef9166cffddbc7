import { webcrypto } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import vm from "node:vm";
import { computeDigest, OCI_MANIFEST, parseManifest } from "@regatta/manifest";
import { describe, expect, it } from "vitest";

/**
 * @regatta/reference and @regatta/manifest (with @regatta/errors, which they import) run in a browser (issue 11:
 * registry UIs and extensions need them). Each is bundled from source with rolldown, the bundler vite 8 uses, for
 * the browser and with no Node polyfills; an import the bundle cannot resolve (any `node:` module) fails the test.
 * The bundle then runs in a fresh `vm` context holding only browser globals: no `process`, `Buffer` or `require`.
 * This test lives in reference, which depends on manifest, so that one test covers both without an arrow upwards.
 */

const packages = join(import.meta.dirname, "../..");
const source = (name: string) => join(packages, name, "src/index.ts");

/** The part of rolldown's API used here (rolldown is vite's, not a dependency of this package, so no types). */
interface Rolldown {
  rolldown(options: {
    input: string;
    platform: "browser";
    resolve: { alias: Record<string, string>; extensionAlias: Record<string, string[]> };
    onLog(level: string, log: { code?: string; message: string }): void;
  }): Promise<{
    generate(options: { format: "iife"; name: string }): Promise<{
      output: [{ code: string; imports: string[]; dynamicImports: string[] }];
    }>;
    close(): Promise<void>;
  }>;
}

/** rolldown, the bundler of vite 8, reached through vitest -> vite. */
async function loadRolldown(): Promise<Rolldown> {
  const fromVitest = createRequire(createRequire(import.meta.url).resolve("vitest/package.json"));
  const fromVite = createRequire(fromVitest.resolve("vite/package.json"));
  return import(fromVite.resolve("rolldown"));
}

interface Bundle {
  code: string;
  /** Imports left outside the bundle (a `node:` module, or anything else that did not resolve). */
  external: string[];
  unresolved: string[];
}

async function bundleForBrowser(input: string): Promise<Bundle> {
  const { rolldown } = await loadRolldown();
  const unresolved: string[] = [];
  const build = await rolldown({
    input,
    platform: "browser",
    resolve: {
      // Sibling packages from source, as the tests resolve them (vitest.project.ts); `./x.js` means `./x.ts`.
      alias: {
        "@regatta/errors": source("errors"),
        "@regatta/manifest": source("manifest"),
        "@regatta/reference": source("reference"),
      },
      extensionAlias: { ".js": [".ts", ".js"] },
    },
    onLog(_level, log) {
      if (log.code === "UNRESOLVED_IMPORT") unresolved.push(log.message);
    },
  });
  try {
    const { output } = await build.generate({ format: "iife", name: "lib" });
    const [chunk] = output;
    return { code: chunk.code, external: [...chunk.imports, ...chunk.dynamicImports], unresolved };
  } finally {
    await build.close();
  }
}

/** Runs the bundle and then `script` (which sees the bundle as `lib`) in a context with only browser globals. */
async function runInBrowserContext(bundle: Bundle, script: string): Promise<unknown> {
  const context = vm.createContext({ crypto: webcrypto, TextEncoder, TextDecoder, URL });
  vm.runInContext(bundle.code, context);
  // JSON across the realm boundary: objects made in the context have the context's prototypes.
  return JSON.parse(
    await vm.runInContext(`(async () => JSON.stringify(await (async () => { ${script} })()))()`, context),
  );
}

const H64 = "0123456789abcdef".repeat(4);
const EMBEDDED = "a layer that is embedded in its descriptor";

describe("browser bundle", () => {
  it("fails on a node: import (the check can fail)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "regatta-bundle-"));
    try {
      const entry = join(dir, "uses-node.ts");
      writeFileSync(entry, 'import { createHash } from "node:crypto";\nexport const hash = createHash;\n');
      const bundle = await bundleForBrowser(entry);
      expect(bundle.external).toEqual(["node:crypto"]);
      expect(bundle.unresolved.join("\n")).toContain("node:crypto");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("@regatta/reference parses references and digests with no Node", async () => {
    const bundle = await bundleForBrowser(source("reference"));
    expect(bundle.external).toEqual([]);
    expect(bundle.unresolved).toEqual([]);
    const result = await runInBrowserContext(
      bundle,
      `
      const failure = (f) => { try { f(); return null; } catch (e) { return { name: e.name, code: e.code, message: e.message }; } };
      return {
        alpine: lib.parseReference("alpine").toString(),
        pinned: lib.parseReference("ghcr.io/team/app:1.0@sha256:${H64}").digest,
        registry: lib.parseReference("[::1]:5000/app").registry,
        digest: lib.parseDigestString("sha256:${H64}"),
        badReference: failure(() => lib.parseReference("Alpine")),
        badDigest: failure(() => lib.parseDigestString("sha256:${H64.toUpperCase()}")),
      };`,
    );
    expect(result).toEqual({
      alpine: "docker.io/library/alpine:latest",
      pinned: `sha256:${H64}`,
      registry: "[::1]:5000",
      digest: { algorithm: "sha256", hex: H64 },
      badReference: expect.objectContaining({
        code: "INVALID_REFERENCE",
        message: expect.stringContaining("column 1"),
      }),
      badDigest: {
        name: "InvalidDigestError",
        code: "DIGEST_INVALID",
        message: `invalid digest "sha256:${H64.toUpperCase()}": digest hex must be lowercase ("A" at column 18)`,
      },
    });
  });

  it("@regatta/manifest builds, parses and digests manifests with no Node", async () => {
    const bundle = await bundleForBrowser(source("manifest"));
    expect(bundle.external).toEqual([]);
    expect(bundle.unresolved).toEqual([]);
    const result = (await runInBrowserContext(
      bundle,
      `
      const layer = new TextEncoder().encode(${JSON.stringify(EMBEDDED)});
      const data = ${JSON.stringify(Buffer.from(EMBEDDED).toString("base64"))};
      const built = lib.buildImageManifest({
        artifactType: "application/vnd.example.browser-test",
        config: lib.EMPTY_DESCRIPTOR,
        layers: [{ mediaType: lib.OCI_LAYER, digest: lib.computeDigest(layer), size: layer.length, data }],
      });
      const parsed = lib.parseManifest(built.bytes, lib.OCI_MANIFEST);
      const digester = new lib.Digester("sha512");
      for (let i = 0; i < built.bytes.length; i += 7) digester.update(built.bytes.subarray(i, i + 7));
      let hostPlatform;
      try { lib.hostPlatform(); } catch (e) { hostPlatform = e.code; }
      return {
        text: new TextDecoder().decode(parsed.bytes),
        kind: parsed.kind,
        digest: parsed.digest,
        builtDigest: built.digest,
        sha512: lib.computeDigest(parsed.bytes, "sha512"),
        streamed: digester.digest(),
        webCrypto: await lib.computeDigestAsync(parsed.bytes),
        embedded: new TextDecoder().decode(lib.descriptorData(parsed.manifest.layers[0])),
        hostPlatform,
        givenPlatform: lib.hostPlatform({ platform: "darwin", arch: "arm64" }),
      };`,
    )) as { text: string };
    // The same bytes parsed here, on Node, give the same digests.
    const bytes = new TextEncoder().encode(result.text);
    const expected = parseManifest(bytes, OCI_MANIFEST);
    expect(result).toEqual({
      text: result.text,
      kind: "image",
      digest: expected.digest,
      builtDigest: expected.digest,
      sha512: computeDigest(bytes, "sha512"),
      streamed: computeDigest(bytes, "sha512"),
      webCrypto: expected.digest,
      embedded: EMBEDDED,
      hostPlatform: "USAGE",
      givenPlatform: { os: "linux", architecture: "arm64", variant: "v8" },
    });
  });
});
