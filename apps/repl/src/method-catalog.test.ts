import { createClient, RegistryClient, UsageError, verbOptions } from "@regatta/client";
import { createMswDispatcher } from "@regatta/testkit";
import { HttpResponse, http } from "msw";
import pc from "picocolors";
import { describe, expect, it } from "vitest";
import { helpText } from "./help-text.js";
import { METHODS, methodEntry, methodHelp, optionName, REPL_OPTIONS } from "./method-catalog.js";
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

describe("help(reg.x) lists the options reg.x accepts, no more, no fewer", () => {
  /** The option names a help page lists. */
  const listed = (help: string) =>
    (help.split("\n  options:\n")[1] ?? "")
      .split("\n")
      .filter((l) => l.startsWith("    "))
      .map((l) => optionName(l));

  it.each(METHODS.filter((m) => verbOptions(m.name)).map((m) => [m.name, m] as const))("%s", (_, entry) => {
    const accepted = [
      ...(verbOptions(entry.name) ?? []).map((o) => o.name),
      ...(REPL_OPTIONS[entry.name] ?? []).map(optionName),
    ];
    expect(listed(methodHelp(entry)).sort()).toEqual([...new Set(accepted)].sort());
    // An entry's own words name only options the call takes.
    for (const line of entry.options ?? []) expect(accepted).toContain(optionName(line));
  });

  it("an option help lists is not refused as unknown (checked by the client's own table, before any request)", async () => {
    const reg = replClient(createClient("localhost:5999", { dispatcher: tagRegistry() }));
    try {
      await expect(reg.tags("team/web", { sort: "semver" } as never)).resolves.toBeDefined();
      await expect(reg.allTags("team/web", { sort: "semver", limit: 2, include: ["1.*"] })).resolves.toEqual([
        "1.2",
        "1.9",
      ]);
      await expect(reg.tags("team/web", { sort: "newest" } as never)).rejects.toThrow(UsageError);
    } finally {
      await reg.close();
    }
  });

  it.each(
    METHODS.filter((m) => verbOptions(m.name) && m.params.includes("options")).map(
      (m) => [m.name, m] as const,
    ),
  )("an unknown option of reg.%s is refused naming exactly the options help lists", async (name, entry) => {
    const reg = replClient(
      createClient("localhost:5999", { dispatcher: tagRegistry() }),
    ) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    try {
      const at = (entry.params.match(/\w+/g) ?? ([] as string[])).indexOf("options");
      const args: unknown[] = Array.from({ length: at }, () => "team/web:1");
      args[at] = { bogus: 1 };
      const error = await Promise.resolve()
        .then(() => reg[name]?.(...args))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(UsageError);
      const said = (error as Error).message.match(/it takes (.*)$/)?.[1]?.split(", ");
      expect(said?.sort()).toEqual(listed(methodHelp(entry)).sort());
    } finally {
      await (reg.close as () => Promise<void>)();
    }
  });
});

/** A registry whose one repository lists its tags out of order, as registries do. */
function tagRegistry() {
  return createMswDispatcher([
    http.get(/\/v2\/$/, () => HttpResponse.json({})),
    http.get(/\/v2\/team\/web\/tags\/list/, () =>
      HttpResponse.json({ name: "team/web", tags: ["1.10", "latest", "1.9", "1.2"] }),
    ),
  ]);
}

describe("the REPL's tags come in natural order, as regatta tags prints them", () => {
  it('reg.tags sorts its page, reg.allTags all tags (tagsWithDigests as allTags); sort: "none" keeps the registry\'s', async () => {
    const reg = replClient(createClient("localhost:5999", { dispatcher: tagRegistry() }));
    try {
      const natural = ["1.2", "1.9", "1.10", "latest"];
      expect((await reg.tags("team/web")).tags).toEqual(natural);
      expect(await reg.allTags("team/web")).toEqual(natural);
      expect(await reg.allTags("team/web", { sort: "none" })).toEqual(["1.10", "latest", "1.9", "1.2"]);
      expect((await reg.tags("team/web", { sort: "none" } as never)).tags).toEqual([
        "1.10",
        "latest",
        "1.9",
        "1.2",
      ]);
      expect(show(await reg.tags("team/web"))).toMatch(/^team\/web 4 tags\n {2}1\.2 +1\.9 +1\.10 +latest$/);
    } finally {
      await reg.close();
    }
  });
});
