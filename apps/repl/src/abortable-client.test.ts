import { RegistryClient } from "@regatta/client";
import { describe, expect, it } from "vitest";
import { abortableClient, CLIENT_OPTIONS_AT } from "./abortable-client.js";

describe("abortableClient", () => {
  const fake = {
    seen: [] as unknown[][],
    tags(...args: unknown[]) {
      this.seen.push(args);
      return args;
    },
    ping(...args: unknown[]) {
      return args;
    },
    putSomething(...args: unknown[]) {
      return args;
    },
  };
  const controller = new AbortController();
  const reg = abortableClient(
    fake as unknown as RegistryClient,
    () => controller.signal,
  ) as unknown as typeof fake;

  it("adds the session's signal where the method takes its options", () => {
    expect(reg.tags("x")).toEqual(["x", { signal: controller.signal }]);
    expect(reg.ping()).toEqual([undefined, { signal: controller.signal }]);
    expect(reg.tags("x", { n: 5 })).toEqual(["x", { n: 5, signal: controller.signal }]);
    // `this` is the real object, so methods that use it work.
    expect(fake.seen).toHaveLength(2);
  });

  it("merges a signal the caller passed", () => {
    const own = new AbortController();
    const [, options] = reg.tags("x", { signal: own.signal }) as [string, { signal: AbortSignal }];
    expect(options.signal.aborted).toBe(false);
    own.abort();
    expect(options.signal.aborted).toBe(true);
  });

  it("leaves methods it does not know untouched", () => {
    expect(reg.putSomething("a", { b: 1 })).toEqual(["a", { b: 1 }]);
  });
});

describe("the table of options positions", () => {
  // Methods that send nothing, or (blob) return a handle whose own methods take the signal.
  const WITHOUT_OPTIONS = ["constructor", "blob", "whoami", "close", "toString", "registry", "url"];

  it("covers every method of RegistryClient, so Ctrl-C reaches every request", () => {
    const methods = Object.getOwnPropertyNames(RegistryClient.prototype).filter(
      (name) => !WITHOUT_OPTIONS.includes(name),
    );
    expect(methods.filter((name) => !(name in CLIENT_OPTIONS_AT))).toEqual([]);
    expect(Object.keys(CLIENT_OPTIONS_AT).filter((name) => !methods.includes(name))).toEqual([]);
  });
});
