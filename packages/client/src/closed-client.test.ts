/**
 * A call on a closed client is the caller's mistake: a UsageError saying so, before any request, from every verb of
 * the facade and from the clients sharing its connections (`with()`). It was a RegistryUnreachableError "connection
 * pool closed", which sent the user to look at the network (QA library6 F3).
 */
import { UsageError } from "@regatta/errors";
import { afterEach, describe, expect, it } from "vitest";
import { RegistryClient } from "./registry-client.js";
import { type AnsweringRegistry, answeringRegistry, json } from "./test-answering-registry.js";

const digest = `sha256:${"a".repeat(64)}`;
/** Methods that send nothing, so have nothing to refuse. */
const NO_REQUEST = new Set(["constructor", "with", "close", "toString", "whoami", "registry", "url"]);

async function outcome(call: () => unknown): Promise<unknown> {
  try {
    const result = await call();
    // An iterator (tagPages, catalogPages) starts on its first step.
    if (result && typeof (result as AsyncIterator<unknown>).next === "function")
      await (result as AsyncIterator<unknown>).next();
    return result;
  } catch (error) {
    return error;
  }
}

describe("a closed client", () => {
  let registry: AnsweringRegistry;
  afterEach(() => registry?.close());

  it("refuses every verb with a UsageError before sending anything", async () => {
    registry = await answeringRegistry(() => json({ name: "a/b", tags: ["1"] }));
    const { reg } = registry;
    await reg.close();
    await reg.close(); // twice is fine
    const verbs = Object.getOwnPropertyNames(RegistryClient.prototype).filter(
      (name) => !NO_REQUEST.has(name),
    );
    expect(verbs.length).toBeGreaterThan(40);
    for (const verb of verbs) {
      const error = await outcome(() =>
        (reg as unknown as Record<string, (...args: unknown[]) => unknown>)[verb]?.(
          `a/b@${digest}`,
          "c/d:1",
          {},
        ),
      );
      expect(error, verb).toBeInstanceOf(UsageError);
      expect((error as Error).message, verb).toContain("this client was closed");
    }
    expect(registry.seen).toEqual([]);
  });

  it("refuses a blob handle's reads, and the calls of clients derived before or after", async () => {
    registry = await answeringRegistry(() => json({ name: "a/b", tags: ["1"] }));
    const derivedBefore = registry.reg.with({ concurrency: 2 });
    const handle = registry.reg.blob("a/b", digest);
    await derivedBefore.close();
    const derivedAfter = registry.reg.with({});
    for (const call of [
      () => registry.reg.tags("a/b"),
      () => derivedAfter.tags("a/b"),
      () => handle.bytes(),
      () => handle.stream(),
      () => handle.toFile("/nonexistent/blob"),
      () => handle.exists(),
    ]) {
      const error = await outcome(call);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(/this client was closed \(close\(\)\); connect\(\) again/);
    }
    expect(registry.seen).toEqual([]);
  });
});
