/** What a caller without types (plain JavaScript, the REPL) may hand where a reference is wanted (context.ts). */
import { UsageError } from "@regatta/errors";
import { parseReference } from "@regatta/reference";
import { afterAll, describe, expect, it } from "vitest";
import { createClient } from "./connect.js";
import { toReference, toRepository } from "./context.js";

const reg = createClient("registry.test", { env: {} });
afterAll(() => reg.close());

describe("references given to a client", () => {
  it.each([
    [42, "number"],
    [undefined, "undefined"],
    [null, "null"],
    [["a"], "a list"],
    [{ name: "a" }, "object"],
  ])("%j is a usage error, not an internal TypeError", async (input, got) => {
    expect(() => toReference(reg.ctx, input as never)).toThrow(UsageError);
    expect(() => toReference(reg.ctx, input as never)).toThrow(
      `expected an image reference (a string such as "team/api:1.0"), got ${got}`,
    );
    expect(() => toRepository(reg.ctx, input as never)).toThrow(
      `expected a repository (a string such as "team/api:1.0"), got ${got}`,
    );
    await expect(reg.manifest(input as never)).rejects.toBeInstanceOf(UsageError);
  });

  it("takes strings, references, and a reference where a repository is wanted", () => {
    const ref = parseReference("registry.test/team/api:1.0");
    expect(toReference(reg.ctx, ref)).toBe(ref);
    expect(toReference(reg.ctx, "team/api:1.0").toString()).toBe("registry.test/team/api:1.0");
    expect(toRepository(reg.ctx, ref).toString()).toBe("registry.test/team/api");
    expect(toRepository(reg.ctx, ref.repositoryOnly()).toString()).toBe("registry.test/team/api");
    // A repository is no image reference.
    expect(() => toReference(reg.ctx, ref.repositoryOnly() as never)).toThrow(UsageError);
  });
});
