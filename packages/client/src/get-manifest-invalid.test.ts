/**
 * A manifest answer that does not parse is an InvalidManifestError named as every other error of the read: the
 * reference, the request (redacted) and the status; it was "invalid manifest: not JSON (…)" alone (QA library6 F6).
 */
import { InvalidManifestError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { answeringRegistry } from "./test-answering-registry.js";

describe("a manifest answer that does not parse", () => {
  it("names the reference and the request", async () => {
    const registry = await answeringRegistry(() => ({
      headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
      body: '{"schemaVersion":2,',
    }));
    try {
      const error = await registry.reg.manifest("a/b:badjson").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidManifestError);
      const invalid = error as InvalidManifestError;
      expect(invalid.message).toMatch(
        new RegExp(`^get manifest ${registry.host}/a/b:badjson: invalid manifest: not JSON .*\\(GET http://`),
      );
      expect(invalid.request).toEqual({ method: "GET", url: `${registry.url}/v2/a/b/manifests/badjson` });
      expect(invalid.status).toBe(200);
      expect(invalid.code).toBe("MANIFEST_INVALID");
    } finally {
      await registry.close();
    }
  });
});
