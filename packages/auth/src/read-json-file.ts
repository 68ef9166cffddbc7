import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { CredentialsError, quotePath } from "@regatta/errors";
import { foreignFile } from "@regatta/errors/foreign-file";

/**
 * Opened without blocking, so a FIFO (or a device) at a credentials file's name cannot hang the command for good
 * (QA: `login --authfile FIFO` waited for a writer, deaf to SIGTERM); links are followed, as docker follows a
 * config.json kept in a dotfiles repository.
 */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
/** Far more than any credentials file; a bigger one is not read into memory. */
const MAX_CREDENTIALS_FILE = 16 * 1024 * 1024;

/** Why a regular file of `size` bytes is not read as a credentials file, or undefined when it is read. */
function tooLarge(stats: { size: number }): string | undefined {
  return stats.size > MAX_CREDENTIALS_FILE ? `it is larger than ${MAX_CREDENTIALS_FILE} bytes` : undefined;
}

/**
 * The text of a credentials file, or undefined when there is none. A FIFO, a directory or a device at the name, or a
 * file too large, is a {@link CredentialsError} naming it, never waited on.
 */
async function readCredentialsText(file: string): Promise<string | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, READ_FLAGS);
  } catch (cause) {
    const code = (cause as { code?: unknown })?.code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new CredentialsError(`cannot read ${quotePath(file)} (${String(code ?? "error")})`);
  }
  try {
    const found = await handle.stat();
    // What is there is said as the write lock and layout's own files say it ("a FIFO", "a directory").
    const why = found.isFile() ? tooLarge(found) : `it is ${await foreignFile(found, file)}`;
    if (why)
      throw new CredentialsError(`cannot read ${quotePath(file)}: ${why}`, {
        hint: "remove it, or name another file",
      });
    return await handle.readFile("utf8");
  } catch (cause) {
    if (cause instanceof CredentialsError) throw cause;
    throw new CredentialsError(
      `cannot read ${quotePath(file)} (${String((cause as { code?: unknown })?.code ?? "error")})`,
    );
  } finally {
    await handle.close();
  }
}

/** {@link readCredentialsText}, synchronously and quietly: undefined for anything that is not a readable file. */
export function readCredentialsTextSync(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, READ_FLAGS);
  } catch {
    return undefined;
  }
  try {
    const found = fstatSync(fd);
    return !found.isFile() || tooLarge(found) ? undefined : readFileSync(fd, "utf8");
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads and parses a credentials file. A missing file is undefined (no credentials there); an unreadable or
 * malformed one is a {@link CredentialsError} naming the file. The message never quotes the content, which holds
 * secrets, nor the parser's error, which may quote it.
 */
export async function readJsonFile(file: string): Promise<Record<string, unknown> | undefined> {
  const text = await readCredentialsText(file);
  if (text === undefined || !text.trim()) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CredentialsError(`${quotePath(file)} is not valid JSON`, { hint: "fix or remove the file" });
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) {
    throw new CredentialsError(`${quotePath(file)} is not a JSON object`, { hint: "fix or remove the file" });
  }
  return json as Record<string, unknown>;
}

/** The entries of an object-valued member, or an empty list when it is missing or not an object. */
export function objectEntries(value: unknown): [string, unknown][] {
  return value && typeof value === "object" && !Array.isArray(value) ? Object.entries(value) : [];
}
