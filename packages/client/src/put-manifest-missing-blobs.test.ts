/**
 * A manifest PUT refused because the repository lacks blobs it references (MANIFEST_BLOB_UNKNOWN, or BLOB_UNKNOWN
 * from some registries; https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes) is
 * reworded to say which blobs and what to do; every other refusal is the registry's own. A push asks for the
 * repository's `pull` and `push` scope (https://distribution.github.io/distribution/spec/auth/scope/).
 */
import { RegistryError } from "@regatta/errors";
import { fakeRepository, generateImage } from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type AnsweringRegistry,
  answeringRegistry,
  fakeDistribution,
  json,
} from "./test-answering-registry.js";

let image: Awaited<ReturnType<typeof generateImage>>;
let registry: AnsweringRegistry | undefined;
const a = `sha256:${"a".repeat(64)}`;
const b = `sha256:${"b".repeat(64)}`;

beforeAll(async () => {
  image = await generateImage({ layers: [16], seed: "put-missing" });
});
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

/** The error of a PUT the registry answers 400 with these error entries. */
async function refusedWith(errors: unknown[]) {
  registry = await answeringRegistry(() => json({ errors }, {}, 400));
  const error = await registry.reg
    .putManifest(`${registry.host}/team/app:v1`, image.manifest.bytes)
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RegistryError);
  return error as RegistryError;
}
const advice = "push them first (regatta put-blob), or copy the whole image (regatta copy)";

describe("putManifest refused for missing blobs", () => {
  it("names the one blob missing", async () => {
    const entries = [{ code: "MANIFEST_BLOB_UNKNOWN", message: "blob unknown to registry", detail: a }];
    const error = await refusedWith(entries);
    const host = registry!.host;
    expect(error.message).toBe(
      `put manifest ${host}/team/app:v1: MANIFEST_BLOB_UNKNOWN: ${host}/team/app lacks a blob the manifest references: ${a}; ${advice}`,
    );
    expect(error.code).toBe("MANIFEST_BLOB_UNKNOWN");
    expect(error.errors).toEqual(entries);
    expect(error.status).toBe(400);
    expect(error.request).toEqual({ method: "PUT", url: `${registry!.url}/v2/team/app/manifests/v1` });
    expect(error.cause).toBeInstanceOf(RegistryError);
    expect((error.cause as RegistryError).message).not.toContain("regatta put-blob");
  });

  it("names every blob missing, BLOB_UNKNOWN too", async () => {
    const error = await refusedWith([
      { code: "MANIFEST_BLOB_UNKNOWN", message: "blob unknown to registry", detail: a },
      { code: "BLOB_UNKNOWN", message: "blob unknown to registry", detail: b },
    ]);
    expect(error.message).toContain(`lacks blobs the manifest references: ${a}, ${b}; ${advice}`);
  });

  it("still explains when the registry does not say which blobs", async () => {
    const error = await refusedWith([
      { code: "MANIFEST_BLOB_UNKNOWN", message: "blob unknown to registry", detail: { digest: a } },
    ]);
    expect(error.message).toContain(`/team/app lacks blobs the manifest references; ${advice}`);
  });

  it("names only the blobs the registry names", async () => {
    const error = await refusedWith([
      { code: "MANIFEST_BLOB_UNKNOWN", message: "blob unknown to registry" },
      { code: "MANIFEST_BLOB_UNKNOWN", message: "blob unknown to registry", detail: a },
    ]);
    expect(error.message).toContain(`lacks a blob the manifest references: ${a}; `);
  });

  it("leaves any other refusal as the registry said it", async () => {
    const error = await refusedWith([{ code: "MANIFEST_INVALID", message: "manifest invalid", detail: a }]);
    expect(error.code).toBe("MANIFEST_INVALID");
    expect(error.message).not.toContain("lacks");
    expect(error.message).toContain("manifest invalid");
  });

  it("leaves an error that is no registry answer alone", async () => {
    registry = await answeringRegistry(() => ({ status: 201 }));
    const reason = new Error("caller gave up");
    const error = await registry.reg
      .putManifest(`${registry.host}/a:v1`, image.manifest.bytes, { signal: AbortSignal.abort(reason) })
      .catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(RegistryError);
    // The caller's own reason, not an error from trying to read registry error entries off it.
    expect(error).not.toBeInstanceOf(TypeError);
    expect(String((error as Error).message) + String((error as Error).cause)).toContain("caller gave up");
  });
});

describe("putManifest's scope", () => {
  it("asks the token service for pull and push on the repository", async () => {
    const { handlers, reg } = fakeDistribution(
      { "team/app": fakeRepository({ v1: image }) },
      { auth: { type: "bearer" }, connect: { username: "regatta", password: "regatta-secret" } },
    );
    try {
      // Once the client knows the token service, it asks for the scopes a call names before sending it.
      await reg.ping();
      await reg.putManifest("registry.test/team/app:v2", image.manifest.bytes);
      expect(handlers.store.repository("team/app")!.tags!.get("v2")).toBe(image.manifest.digest);
      expect(handlers.tokenRequests.map((t) => t.scopes)).toContainEqual(["repository:team/app:pull,push"]);
      for (const t of handlers.tokenRequests) expect(t.scopes).toEqual(["repository:team/app:pull,push"]);
    } finally {
      await reg.close();
    }
  });
});
