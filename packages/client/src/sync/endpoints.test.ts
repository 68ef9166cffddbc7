/**
 * The ends of a sync job as written: `registry/repo[:tag]` or `oci:DIR`. skopeo's `oci:DIR:TAG` names one tag of a
 * layout, which a sync (the whole layout, tags by filters) refuses rather than making a directory named `DIR:TAG`.
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
  it("reads oci:DIR as a layout and refuses skopeo's oci:DIR:TAG on either side", () => {
    expect(parseEndpoint(ctx, "oci:./mirror", "target")).toEqual({
      kind: "oci",
      dir: "./mirror",
      text: "oci:./mirror",
    });
    for (const side of ["source", "target"] as const) {
      expect(() => parseEndpoint(ctx, "oci:lay:1.0", side)).toThrow(UsageError);
      expect(() => parseEndpoint(ctx, "oci:lay:1.0", side)).toThrow(
        `the ${side} oci:lay:1.0 names the tag 1.0 of a layout: a sync takes oci:lay whole`,
      );
    }
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
