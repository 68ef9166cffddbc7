/**
 * An address no URL can hold, wherever the facade takes one (the client's registry, a reference, a registry named
 * by a call, per-host settings, mirrors), is refused with a typed error naming it, before any request: it was a raw
 * `TypeError: Invalid URL` from the first `new URL()` (QA library6 F2). A Location the registry answers that is no
 * URL is its ProtocolError, naming it (redacted).
 */
import { InvalidReferenceError, ProtocolError, RegattaError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { createClient } from "./connect.js";
import type { RegistryClient } from "./registry-client.js";
import { answeringRegistry } from "./test-answering-registry.js";

async function failure(call: () => unknown): Promise<unknown> {
  try {
    await call();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe("an address with a port no URL can hold", () => {
  const reg = createClient("http://127.0.0.1:1", { retry: { attempts: 0 } });

  it.each([
    ["createClient", () => createClient("http://127.0.0.1:65536")],
    ["a reference's registry", () => reg.digest("127.0.0.1:65536/a/b:1")],
    ["a repository's registry", () => reg.tags("127.0.0.1:99999999999999999999/a/b")],
    ["ping", () => reg.ping("127.0.0.1:65536")],
    ["search", () => reg.search("x", { registry: "127.0.0.1:65536" })],
    [
      "a host's settings",
      () => createClient("127.0.0.1:1", { hosts: { "127.0.0.1:65536": { username: "u" } } }),
    ],
    [
      "a mirror",
      () => createClient("127.0.0.1:1", { hosts: { "127.0.0.1:1": { mirrors: ["m.example:65536"] } } }),
    ],
  ])("%s: a typed error naming the port, never a TypeError", async (_where, call) => {
    const error = await failure(call);
    expect(error).toBeInstanceOf(RegattaError);
    // A mirror's is a UsageError of the hosts option, whose cause is the address's InvalidReferenceError.
    const own = error instanceof InvalidReferenceError ? error : (error as Error).cause;
    expect(own).toBeInstanceOf(InvalidReferenceError);
    expect((error as Error).message).toMatch(/port must be 1–65535/);
  });
});

describe("a Location the registry answers that no URL can hold", () => {
  it.each([
    ["an upload session's", (reg: RegistryClient) => reg.pushBlob("a/b", Buffer.from("abc"))],
    [
      "a pushed manifest's",
      (reg: RegistryClient) =>
        reg.putManifest("a/b:1", {
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.index.v1+json",
          manifests: [],
        }),
    ],
  ])("%s is the registry's ProtocolError naming it, never a TypeError", async (_what, call) => {
    const registry = await answeringRegistry((request) =>
      request.method === "HEAD"
        ? { status: 404 }
        : { status: 201, headers: { location: "http://127.0.0.1:70000/v2/a/b/x?_state=secret" } },
    );
    try {
      const error = await failure(() => call(registry.reg));
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as Error).message).toContain(
        "a Location that is no URL: http://127.0.0.1:70000/v2/a/b/x?",
      );
      expect((error as Error).message).not.toContain("secret");
    } finally {
      await registry.close();
    }
  });
});
