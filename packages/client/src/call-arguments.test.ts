/**
 * What a caller without types (plain JavaScript, the REPL) hands the facade (call-arguments.ts): a wrong-typed
 * argument, options that are no object, an option of the wrong type or an unknown option name is a UsageError that
 * names the verb, the argument and what it must be, and no request reaches the registry.
 */
import { NotFoundError, UsageError } from "@regatta/errors";
import { createMswDispatcher, distributionHandlers, fakeRepository, generateImage } from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { VERBS } from "./call-arguments.js";
import { connect, createClient } from "./connect.js";
import { RegistryClient } from "./registry-client.js";
import { answeringRegistry, fakeDistribution } from "./test-answering-registry.js";

let image: Awaited<ReturnType<typeof generateImage>>;
let arm: Awaited<ReturnType<typeof generateImage>>;
let reg: RegistryClient | undefined;

beforeAll(async () => {
  image = await generateImage({ layers: [16], seed: "call-arguments" });
  arm = await generateImage({ layers: [16], seed: "call-arguments-arm", platform: "linux/arm64/v8" });
});
afterEach(async () => {
  await reg?.close();
  reg = undefined;
});

function open() {
  const opened = fakeDistribution({ "team/app": fakeRepository({ v1: image, arm: arm }) }, { auth: null });
  reg = opened.reg;
  return opened.handlers;
}

/** The UsageError a call gives, whether it throws or rejects. */
async function refusal(call: () => unknown): Promise<UsageError> {
  const error = await Promise.resolve()
    .then(call)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

const REF = "registry.test/team/app:v1";
const REPO = "registry.test/team/app";

describe("wrong-typed arguments to the verbs", () => {
  it.each<[string, (r: RegistryClient) => unknown, string]>([
    [
      "pull to a number",
      (r) => r.pull(REF, 42 as never),
      "reg.pull(reference, destination, options): destination must be a path or a writable stream, got the number 42",
    ],
    [
      "push from a number",
      (r) => r.push(42 as never, REF),
      "reg.push(source, reference, options): source must be a path",
    ],
    ["pushBlob of a number", (r) => r.pushBlob(REPO, 42 as never), "source must be bytes (a Uint8Array)"],
    ["pushBlob of an object", (r) => r.pushBlob(REPO, {} as never), "got an object"],
    ["pushBlob of a string", (r) => r.pushBlob(REPO, "hello" as never), 'got the string "hello"'],
    [
      "tag to a number",
      (r) => r.tag(REF, 42 as never),
      "reg.tag(source, target, options): target must be an image reference",
    ],
    [
      "tags with n a string",
      (r) => r.tags(REPO, { n: "x" as never }),
      'n must be a whole number (0 or more), got the string "x"',
    ],
    [
      "tags with a typo",
      (r) => r.tags(REPO, { nn: 5 } as never),
      'unknown option "nn" in options (did you mean "n"?)',
    ],
    [
      "manifest with a platform string for options",
      (r) => r.manifest(REF, "linux/arm64" as never),
      'options must be an options object, got the string "linux/arm64": write { platform: "linux/arm64" }',
    ],
    [
      "manifest with a misspelt platform",
      (r) => r.manifest(REF, { platfrom: "linux/arm64" } as never),
      'unknown option "platfrom" in options (did you mean "platform"?); it takes accept, platform, mirrors, signal',
    ],
    [
      "manifest with a numeric platform",
      (r) => r.manifest(REF, { platform: 64 as never }),
      "platform must be a platform",
    ],
    [
      "digest with verify a string",
      (r) => r.digest(REF, { verify: "yes" as never }),
      "verify must be true or false",
    ],
    [
      "copy with platforms a number",
      (r) => r.copy(REF, `${REPO}:v2`, { platforms: 3 as never }),
      "platforms must be",
    ],
    [
      "deleteTag with a negative limit",
      (r) => r.deleteTag(REF, { limit: -1 }),
      "limit must be a whole number",
    ],
    [
      "tagPages with n a string",
      (r) => r.tagPages(REPO, { n: "x" as never }).next(),
      "n must be a whole number (0 or more)",
    ],
    ["blob with a numeric digest", (r) => r.blob(REPO, 42 as never), "digest must be a digest"],
    ["blob without a digest", (r) => r.blob(REPO), "blob() needs a digest"],
    ["putManifest of a number", (r) => r.putManifest(REF, 42 as never), "manifest must be a manifest"],
    [
      "file without a path",
      (r) => r.file(REF, undefined as never),
      "path must be a path (a string), got nothing",
    ],
    ["sync of a string", (r) => r.sync("a" as never), "input must be { source, target }"],
    [
      "with a concurrency string",
      (r) => r.with({ concurrency: "2" as never }),
      "concurrency must be a whole number",
    ],
    [
      "with a misspelt platform",
      (r) => r.with({ platfrom: "linux/arm64" } as never),
      'unknown option "platfrom"',
    ],
    ["a signal that is none", (r) => r.tags(REPO, { signal: {} as never }), "signal must be an AbortSignal"],
  ])("%s is refused before any request", async (_, call, message) => {
    const handlers = open();
    const error = await refusal(() => call(reg!));
    expect(error.message).toContain(message);
    expect(handlers.requests).toEqual([]);
  });

  it("every verb of the client is checked, and refuses a number for its first argument with nothing sent", async () => {
    const handlers = open();
    const methods = Object.getOwnPropertyNames(RegistryClient.prototype).filter(
      (name) =>
        !["constructor", "with", "close", "toString"].includes(name) &&
        typeof Object.getOwnPropertyDescriptor(RegistryClient.prototype, name)?.value === "function",
    );
    expect(methods.sort()).toEqual(Object.keys(VERBS).sort());
    for (const verb of methods) {
      const error = await refusal(() =>
        (reg as unknown as Record<string, (...a: unknown[]) => unknown>)[verb]!(42),
      );
      expect(error.message, verb).toMatch(new RegExp(`^reg\\.${verb}\\(`));
    }
    expect(handlers.requests).toEqual([]);
  });

  it("options given as undefined are options not given, and a reference value is as good as a string", async () => {
    open();
    expect((await reg!.tags(REPO, { n: undefined as never, signal: undefined as never })).tags).toContain(
      "v1",
    );
    expect((await reg!.manifest(REF, undefined)).digest).toBe(image.manifest.digest);
  });
});

describe("wrong-typed options to connect()", () => {
  it.each<[string, unknown, unknown, string]>([
    [
      "insecure a string",
      "registry.test",
      { insecure: "yes" },
      'insecure must be true or false or a list of strings, got the string "yes"',
    ],
    [
      "a misspelt option",
      "registry.test",
      { platfrom: "linux/arm64" },
      'unknown option "platfrom" in options (did you mean "platform"?)',
    ],
    [
      "a nested typo",
      "registry.test",
      { timeouts: { conect: 5 } },
      'unknown option "conect" in timeouts (did you mean "connect"?)',
    ],
    ["a registry that is no string", 42, {}, "connect(registry, options): registry must be a registry"],
    [
      "a password that is no string, never shown",
      "registry.test",
      { username: "me", password: 12345 },
      "password must be a string, got a number",
    ],
  ])("%s is refused before the ping", async (_, registry, options, message) => {
    const handlers = distributionHandlers({ repos: {}, auth: null });
    const error = await refusal(() =>
      connect(registry as string, { dispatcher: createMswDispatcher(handlers), ...(options as object) }),
    );
    expect(error.message).toContain(message);
    expect(error.message).not.toContain("12345");
    expect(handlers.requests).toEqual([]);
    expect(() => createClient(registry as string, options as never)).toThrow(UsageError);
  });
});

describe("manifest with a platform, of a single image", () => {
  it("refuses an image of another platform, as the CLI's --platform and an index without it do", async () => {
    open();
    for (const client of [reg!, reg!.with({ platform: "linux/arm64" })]) {
      const error = await client
        .manifest(REF, client === reg ? { platform: "linux/arm64" } : {})
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({
        code: "MANIFEST_UNKNOWN",
        message:
          "registry.test/team/app:v1 is a single image for linux/amd64, not linux/arm64: it has no other platform",
      });
    }
  });

  it("returns an image of that platform, and any image when no platform is asked", async () => {
    open();
    expect((await reg!.manifest(`${REPO}:arm`, { platform: "linux/arm64" })).digest).toBe(
      arm.manifest.digest,
    );
    expect((await reg!.manifest(REF)).digest).toBe(image.manifest.digest);
  });
});

describe("tagsWithDigests", () => {
  it("HEADs a tag listed twice once, and gives no digest to a listed name that is no tag", async () => {
    const digest = image.manifest.digest;
    const registry = await answeringRegistry((request) =>
      request.path.startsWith("/v2/team/app/tags/list")
        ? {
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ name: "team/app", tags: ["v1", "v1", "not a tag!"] }),
          }
        : request.path === "/v2/team/app/manifests/v1"
          ? { headers: { "docker-content-digest": digest, "content-type": image.manifest.mediaType } }
          : { status: 404 },
    );
    try {
      const got = await registry.reg.tagsWithDigests("team/app");
      // A name the registry listed that is no tag has no digest: the type says a lookup may be undefined.
      expectTypeOf(got.digests).toEqualTypeOf<Partial<Record<string, string>>>();
      expect(got.digests["not a tag!"]).toBeUndefined();
      expect(got.digests).toEqual({ v1: digest });
      expect(registry.seen.filter((r) => r.method === "HEAD").map((r) => r.path)).toEqual([
        "/v2/team/app/manifests/v1",
      ]);
    } finally {
      await registry.close();
    }
  });
});
