/**
 * The Content-Type a caller picks for a manifest PUT: control characters (which Node refuses as the request is made,
 * reported as "cannot reach") and a type other than the body's mediaType (which registries refuse with a bare
 * "400 MANIFEST_INVALID") are usage errors before anything is sent.
 */
import { UsageError } from "@regatta/errors";
import { DOCKER_MANIFEST, OCI_MANIFEST } from "@regatta/manifest";
import { generateImage } from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AnsweringRegistry, answeringRegistry, rejection } from "./test-answering-registry.js";

let image: Awaited<ReturnType<typeof generateImage>>;
let registry: AnsweringRegistry | undefined;
beforeAll(async () => {
  image = await generateImage({ layers: [16], seed: "put-content-type" });
});
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

describe("putManifest's mediaType option", () => {
  it.each([
    ["a header injection", "bad\r\nX-Injected: y", "control characters"],
    [
      "another manifest type than the body's",
      DOCKER_MANIFEST,
      `but the manifest's mediaType is ${OCI_MANIFEST}`,
    ],
    ["a generic type", "application/json", "a registry refuses the mismatch"],
  ])("refuses %s before anything is sent", async (_what, mediaType, says) => {
    registry = await answeringRegistry(() => ({ status: 201 }));
    const error = await rejection(
      registry.reg.putManifest(`${registry.host}/team/app:v1`, image.manifest.bytes, { mediaType }),
      UsageError,
    );
    expect(error.message).toContain(says);
    expect(registry.seen.filter((r) => r.method === "PUT")).toEqual([]);
  });

  it("sends the body's own type, parameters allowed", async () => {
    registry = await answeringRegistry(() => ({ status: 201 }));
    await registry.reg.putManifest(`${registry.host}/team/app:v1`, image.manifest.bytes, {
      mediaType: `${OCI_MANIFEST}; charset=utf-8`,
    });
    expect(registry.seen.find((r) => r.method === "PUT")?.headers["content-type"]).toBe(
      `${OCI_MANIFEST}; charset=utf-8`,
    );
  });
});
