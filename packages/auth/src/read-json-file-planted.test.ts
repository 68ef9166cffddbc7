/**
 * A credentials file that is no regular file — a FIFO planted at `--authfile`, `REGISTRY_AUTH_FILE` or the docker
 * config's name, a directory — is refused with a CredentialsError naming it, never waited on (QA: `regatta login
 * --authfile FIFO` waited for a writer for good, deaf to SIGTERM). A link to a regular file is still followed.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CredentialsError } from "@regatta/errors";
import { afterAll, describe, expect, it } from "vitest";
import { readCredentialsTextSync, readJsonFile } from "./read-json-file.js";
import { storedCredentials } from "./stored-credentials.js";

const dir = mkdtempSync(join(tmpdir(), "regatta-planted-credentials-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("credentials files that are no regular file", () => {
  const fifo = join(dir, "fifo.json");
  execFileSync("mkfifo", [fifo]);

  it("a FIFO: refused at once, naming it", async () => {
    const error = await readJsonFile(fifo).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toContain(`cannot read ${fifo}: it is a FIFO`);
    expect(readCredentialsTextSync(fifo)).toBeUndefined();
    // The lookup a client makes at start (its secrets) passes over it rather than hang.
    expect(storedCredentials({ env: { REGISTRY_AUTH_FILE: fifo, DOCKER_CONFIG: dir } })).toEqual([]);
  });

  it("a directory: refused, naming it", async () => {
    const directory = join(dir, "config.json");
    mkdirSync(directory);
    await expect(readJsonFile(directory)).rejects.toThrow(/is a directory|EISDIR/);
  });

  it("a link to a regular file is read, as docker reads a config.json kept elsewhere", async () => {
    const real = join(dir, "real.json");
    writeFileSync(real, '{"auths":{}}');
    const link = join(dir, "link.json");
    symlinkSync(real, link);
    await expect(readJsonFile(link)).resolves.toEqual({ auths: {} });
    expect(readCredentialsTextSync(link)).toBe('{"auths":{}}');
  });
});
