import { createClient, RegistryClient } from "@regatta/client";
import pc from "picocolors";
import { describe, expect, it } from "vitest";
import { helpText } from "./help-text.js";
import { METHODS, methodEntry, methodHelp } from "./method-catalog.js";
import { present } from "./present.js";
import { replClient } from "./repl-client.js";

const plain = pc.createColors(false);
const show = (value: unknown) => present(value, { colors: plain, useColors: false, width: 100 });

/** The client's public methods, read from its prototype: what the catalog must describe. */
const clientMethods = Object.getOwnPropertyNames(RegistryClient.prototype).filter(
  (name) =>
    name !== "constructor" &&
    typeof Object.getOwnPropertyDescriptor(RegistryClient.prototype, name)?.value === "function",
);

describe("the REPL's method catalog", () => {
  it("describes every method of RegistryClient, and nothing it lacks (add new ones to method-catalog.ts)", () => {
    expect(clientMethods.filter((name) => !methodEntry(name))).toEqual([]);
    expect(METHODS.map((m) => m.name).filter((name) => !clientMethods.includes(name))).toEqual([]);
    expect(new Set(METHODS.map((m) => m.name)).size).toBe(METHODS.length);
  });

  it("help() lists every call by group; help(reg.copy) and reg.copy.help show its options and an example", () => {
    const text = helpText(plain, [["help", "this help"]]);
    for (const m of METHODS) expect(text).toContain(`reg.${m.name}${m.params}`);
    for (const group of ["read", "write", "delete", "referrers", "files"])
      expect(text).toMatch(new RegExp(`^${group}$`, "m"));
    const copy = methodEntry("copy");
    expect(copy && methodHelp(copy)).toMatch(
      /^reg\.copy\(source, target, options\?\)\n {2}an image or index copied.*\n {2}options:\n(?: {4}.*\n)+ {2}example: reg\.copy\(/,
    );
  });

  it("a REPL client's methods print as what they are, and still work (bound to the client)", async () => {
    const reg = replClient(createClient("localhost:5999"));
    try {
      expect(show(reg.copy)).toBe(
        "[regatta method copy(source, target, options?)] an image or index copied between repositories or registries, blobs streamed and verified; help(reg.copy) for more",
      );
      expect(show((reg.copy as unknown as { help: unknown }).help)).toBe(methodHelp(methodEntry("copy")!));
      expect(show({ fn: reg.tags })).toContain("[regatta method tags(repository, options?)]");
      // The same function each time (a REPL variable keeps its identity), and a bound one: it reaches the client.
      expect(reg.tags).toBe(reg.tags);
      expect(reg.toString()).toBe(String(reg));
      expect(
        (reg.with({ platform: "linux/arm64" }).inspect as unknown as { help: unknown }).help,
      ).toBeDefined();
      expect(show(reg)).toMatch(/^RegistryClient\(localhost:5999\)/);
    } finally {
      await reg.close();
    }
  });
});
