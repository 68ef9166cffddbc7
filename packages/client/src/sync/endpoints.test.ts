/**
 * The ends of a sync job as written: `registry/repo[:tag]` or `oci:DIR[:tag]`. skopeo's `oci:DIR:TAG` names one tag
 * of a layout: as a source that tag only, as `registry/repo:tag` is; as a target it is refused, as a tagged registry
 * target is, rather than making a directory named `DIR:TAG`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import type { ClientContext } from "../context.js";
import { parseEndpoint } from "./endpoints.js";

const ctx = { defaultRegistry: "docker.io" } as ClientContext;

describe("parseEndpoint", () => {
  it("reads oci:DIR as a layout; skopeo's oci:DIR:TAG is that tag as a source, refused as a target", () => {
    expect(parseEndpoint(ctx, "oci:./mirror", "target")).toEqual({
      kind: "oci",
      dir: "./mirror",
      text: "oci:./mirror",
    });
    // As `registry/repo:tag` is: that tag only.
    expect(parseEndpoint(ctx, "oci:lay:1.0", "source")).toEqual({
      kind: "oci",
      dir: "lay",
      tag: "1.0",
      text: "oci:lay",
    });
    expect(() => parseEndpoint(ctx, "oci:lay:1.0", "target")).toThrow(UsageError);
    expect(() => parseEndpoint(ctx, "oci:lay:1.0", "target")).toThrow(
      "the target of a sync is a layout: each tag keeps its name (oci:lay:1.0 names the tag 1.0; give oci:lay)",
    );
  });

  it("splits oci:DIR:NAME at the path's first colon, as skopeo and pull do; the name any OCI ref.name", () => {
    // Was split at the last colon: the hint for oci:sy3:example.com/app:1.0 said "give oci:sy3:example.com/app",
    // a directory named sy3:example.com/app.
    expect(parseEndpoint(ctx, "oci:sy3:example.com/app:1.0", "source")).toEqual({
      kind: "oci",
      dir: "sy3",
      tag: "example.com/app:1.0",
      text: "oci:sy3",
    });
    expect(() => parseEndpoint(ctx, "oci:sy3:example.com/app:1.0", "target")).toThrow(
      "the target of a sync is a layout: each tag keeps its name (oci:sy3:example.com/app:1.0 names the tag example.com/app:1.0; give oci:sy3)",
    );
    expect(() => parseEndpoint(ctx, "oci:lay:a b", "source")).toThrow(
      'oci:lay:a b: "a b" is not an image name an OCI layout takes',
    );
  });

  it("quotes the oci:DIR to give for the shell: a directory with a space or a quote stays one argument", () => {
    // Was `give oci:/t/my dir`: two words.
    for (const [dir, shown] of [
      ["/t/my dir", "'oci:/t/my dir'"],
      ["/t/it's", "'oci:/t/it'\\''s'"],
    ]) {
      expect(() => parseEndpoint(ctx, `oci:${dir}:v1`, "target")).toThrow(`; give ${shown})`);
    }
    expect(parseEndpoint(ctx, "oci::x", "target")).toEqual({ kind: "oci", dir: ":x", text: "oci::x" });
  });

  it("a registry alone (skopeo sync's destination form) is told to name a repository on it", () => {
    // Was "… (127.0.0.1:5931 names a tag)" for the target, "invalid character" for [::1]:5931, and a source read
    // as docker.io/library/localhost:5931.
    for (const [text, side] of [
      ["127.0.0.1:5931", "target"],
      ["[::1]:5931", "target"],
      ["localhost:5931", "source"],
    ] as const) {
      expect(() => parseEndpoint(ctx, text, side)).toThrow(
        `the ${side} of a sync is a repository, and "${text}" is a registry: to name a repository on that registry write "${text}/<name>"`,
      );
    }
    expect(parseEndpoint(ctx, "localhost:5931/app", "target")).toMatchObject({ kind: "registry" });
  });

  it("takes a directory whose name holds a colon when it exists", () => {
    const base = mkdtempSync(join(tmpdir(), "regatta-endpoint-"));
    try {
      const dir = mkdtempSync(join(base, "lay:"));
      expect(parseEndpoint(ctx, `oci:${dir}`, "target")).toMatchObject({ kind: "oci", dir });
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
