import { CredentialsError } from "@regatta/errors";
import { describe, expect, it, vi } from "vitest";

// Opening the file failing with something that is not a Node system error (no `code`, or not an object at all): the file
// is still named and the reason is the neutral "error". Mocked in this file only.
const failure = vi.hoisted(() => ({ value: undefined as unknown }));
vi.mock("node:fs/promises", () => ({ open: () => Promise.reject(failure.value) }));
const { readJsonFile } = await import("./read-json-file.js");

describe("readJsonFile when reading fails without an error code", () => {
  it.each<[string, unknown]>([
    ["an Error without a code", new Error("odd")],
    ["undefined", undefined],
    ["null", null],
  ])("%s: a CredentialsError naming the file", async (_, value) => {
    failure.value = value;
    const error = await readJsonFile("/etc/regatta/auth.json").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toBe(
      "cannot read /etc/regatta/auth.json: error (remove it, or name another file)",
    );
  });
});
