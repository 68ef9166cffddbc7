import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { CredentialsError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { credentialFromAuthEntry } from "./auth-entry.js";
import { describeCredentialSource } from "./credential-source.js";
import { credentialStoreEntry } from "./credential-store.js";
import { readJsonFile } from "./read-json-file.js";
import { tempDir, writeIn } from "./test-helpers.js";

/** A name that, printed raw, would turn the terminal red and forge a second error line. */
const PLANTED = "a\u001b[31m\nregatta: forged\u009b\u202e.json";
const ESCAPED = "a\\u001b[31m\\nregatta: forged\\u009b\\u202e.json";

const message = async (run: () => Promise<unknown>) => {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CredentialsError);
  return (error as Error).message;
};

describe("credentials files with control characters in their names", () => {
  it.each([
    ["not JSON", async (dir: string) => readJsonFile(await writeIn(dir, PLANTED, "{not json"))],
    ["not an object", async (dir: string) => readJsonFile(await writeIn(dir, PLANTED, "[1]"))],
    [
      "a directory",
      async (dir: string) => {
        await mkdir(join(dir, PLANTED));
        return readJsonFile(join(dir, PLANTED));
      },
    ],
    [
      "a malformed auths entry",
      async (dir: string) => credentialFromAuthEntry(7, join(dir, PLANTED), "r.io"),
    ],
    [
      "a namespace login to docker's config",
      async (dir: string) =>
        credentialStoreEntry("r.io/team", { env: { DOCKER_CONFIG: join(dir, PLANTED) } }),
    ],
  ])("%s: one line, the name quoted with every control escaped", async (_, run) => {
    const dir = await tempDir();
    const text = await message(() => run(dir));
    expect(text).toContain(`${JSON.stringify(dir).slice(0, -1)}/${ESCAPED}`);
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });

  it("the source of a credential names the file quoted", async () => {
    const dir = await tempDir();
    const said = describeCredentialSource({
      kind: "auths",
      key: "r.io",
      file: join(dir, PLANTED),
      format: "docker-config",
    });
    expect(said).toContain(ESCAPED);
    expect(said).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });

  it("a directory at the name is said to be one", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "config.json"));
    expect(await message(() => readJsonFile(join(dir, "config.json")))).toContain(
      `cannot read ${join(dir, "config.json")}: it is a directory`,
    );
  });
});
