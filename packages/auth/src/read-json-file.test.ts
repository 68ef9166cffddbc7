import { chmod } from "node:fs/promises";
import { join } from "node:path";
import { CredentialsError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { objectEntries, readJsonFile } from "./read-json-file.js";
import { tempDir, writeIn } from "./test-helpers.js";

const refusal = async (file: string) => {
  try {
    await readJsonFile(file);
  } catch (error) {
    return error as CredentialsError;
  }
  throw new Error("expected a refusal");
};

describe("readJsonFile: a credentials file", () => {
  it("is undefined when missing, when a parent is a file, or when empty", async () => {
    const dir = await tempDir();
    const file = await writeIn(dir, "plain", "not a directory");
    expect(await readJsonFile(join(dir, "missing.json"))).toBeUndefined();
    expect(await readJsonFile(join(file, "config.json"))).toBeUndefined();
    expect(await readJsonFile(await writeIn(dir, "empty.json", " \n\t"))).toBeUndefined();
  });

  it("is the parsed object", async () => {
    const dir = await tempDir();
    expect(await readJsonFile(await writeIn(dir, "c.json", { auths: { "r.io": {} } }))).toEqual({
      auths: { "r.io": {} },
    });
  });

  it("refuses an unreadable file with its error code, never its content", async () => {
    const dir = await tempDir();
    const asDirectory = await refusal(dir);
    expect(asDirectory).toBeInstanceOf(CredentialsError);
    expect(asDirectory.message).toContain(`cannot read ${dir}: it is a directory`);
    if (process.getuid?.() !== 0) {
      const secret = await writeIn(dir, "locked.json", '{"auths":{"r.io":{"auth":"c2VjcmV0"}}}');
      await chmod(secret, 0);
      expect((await refusal(secret)).message).toBe(
        `cannot read ${secret}: permission denied (remove it, or name another file)`,
      );
    }
  });

  it.each([
    ["not JSON", '{"auths": {"r.io": {"auth": "c2VjcmV0"', "is not valid JSON"],
    ["an array", '[{"auth":"c2VjcmV0"}]', "is not a JSON object"],
    ["a string", '"c2VjcmV0"', "is not a JSON object"],
    ["null", "null", "is not a JSON object"],
  ])("refuses %s, naming the file and not quoting it", async (_, text, why) => {
    const dir = await tempDir();
    const file = await writeIn(dir, "config.json", text);
    const error = await refusal(file);
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.message).toContain(`${file} ${why}`);
    expect(error.hint).toBe("fix or remove the file");
    expect(JSON.stringify({ message: error.message, cause: String(error.cause) })).not.toContain("c2VjcmV0");
  });
});

describe("objectEntries", () => {
  it("lists an object's members and nothing for anything else", () => {
    expect(objectEntries({ a: 1, b: { c: 2 } })).toEqual([
      ["a", 1],
      ["b", { c: 2 }],
    ]);
    for (const value of [undefined, null, 0, "ab", ["x"], true]) expect(objectEntries(value)).toEqual([]);
  });
});
