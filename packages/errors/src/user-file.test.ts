/**
 * The reader of the files a user names (QA H9): a FIFO at the name is refused at once (a blocking open() waited for
 * a writer on libuv's pool for good, and the process could not exit), as are a directory and a device; a link is
 * followed; a file above the cap is refused before it is read.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CredentialsError, UsageError } from "./regatta-error.js";
import { readUserFile, readUserFileSync, type UserFileOptions, whyUnreadable } from "./user-file.js";

const dir = mkdtempSync(join(tmpdir(), "regatta-user-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = join(dir, "file.pem");
writeFileSync(file, "pem bytes");
const fifo = join(dir, "fifo");
spawnSync("mkfifo", [fifo]);
const link = join(dir, "link.pem");
symlinkSync(file, link);
const sub = join(dir, "sub");
mkdirSync(sub);

/** Both readers, so that each case is checked on the async and the sync path. */
const readers = [
  ["readUserFile", (path: string, options: UserFileOptions) => readUserFile(path, options)],
  ["readUserFileSync", async (path: string, options: UserFileOptions) => readUserFileSync(path, options)],
] as const;

describe.each(readers)("%s", (_name, read) => {
  const refusal = (path: string, options: UserFileOptions) =>
    read(path, options).then(
      () => expect.fail(`${path} was read`),
      (error: unknown) => error as Error,
    );

  it("reads a regular file whole, and one a link names (a user's file may be a link)", async () => {
    expect((await read(file, { maxBytes: 100 })).toString()).toBe("pem bytes");
    expect((await read(link, { maxBytes: 100 })).toString()).toBe("pem bytes");
  });

  it("refuses a FIFO at once in one line naming it and what it is (it waited for a writer for ever)", async () => {
    const error = await refusal(fifo, { maxBytes: 100, name: "--ca-file" });
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(`--ca-file ${fifo}: cannot read it (it is a FIFO)`);
    expect(error.message).not.toContain("\n");
  });

  it("refuses a directory and a device, naming the kind", async () => {
    expect((await refusal(sub, { maxBytes: 100 })).message).toBe(`cannot read ${sub}: it is a directory`);
    expect((await refusal("/dev/null", { maxBytes: 100 })).message).toBe(
      "cannot read /dev/null: it is a device",
    );
  });

  it("refuses a file above the cap before reading it, saying what it was meant to be", async () => {
    expect((await refusal(file, { maxBytes: 4, what: "a manifest" })).message).toBe(
      `cannot read ${file}: it holds more than 4 bytes: more than a manifest can be`,
    );
  });

  it("says a missing file in words, or reads it as none when asked; throws the kind of error asked for", async () => {
    const missing = join(dir, "missing");
    expect((await refusal(missing, { maxBytes: 4, name: "--config" })).message).toBe(
      `--config ${missing}: cannot read it (no such file)`,
    );
    expect(await read(missing, { maxBytes: 4, missingIsUndefined: true })).toBeUndefined();
    const error = await refusal(fifo, { maxBytes: 4, error: CredentialsError, hint: "name another file" });
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error.message).toBe(`cannot read ${fifo}: it is a FIFO (name another file)`);
  });
});

describe("whyUnreadable", () => {
  it("says the errno in words, else its code, never a message (it may quote what was read)", () => {
    expect(whyUnreadable({ code: "EACCES" })).toBe("permission denied");
    expect(whyUnreadable({ code: "EIO" })).toBe("EIO");
    expect(whyUnreadable(new Error("secret"))).toBe("error");
    expect(whyUnreadable(null)).toBe("error");
  });
});
