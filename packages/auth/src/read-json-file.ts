import { CredentialsError, quotePath } from "@regatta/errors";
import { readUserFile, readUserFileSync, type UserFileOptions } from "@regatta/errors/user-file";

/**
 * Read as every file a user names is (@regatta/errors/user-file): a FIFO (or a device) at a credentials file's name
 * cannot hang the command for good (QA: `login --authfile FIFO` waited for a writer, deaf to SIGTERM); links are
 * followed, as docker follows a config.json kept in a dotfiles repository. 16 MiB is far more than any credentials
 * file; a bigger one is not read into memory. A missing file is none.
 */
const CREDENTIALS_FILE: UserFileOptions & { missingIsUndefined: true } = {
  maxBytes: 16 * 1024 * 1024,
  error: CredentialsError,
  hint: "remove it, or name another file",
  missingIsUndefined: true,
};

/**
 * The text of a credentials file, or undefined when there is none. A FIFO, a directory or a device at the name, or a
 * file too large, is a {@link CredentialsError} naming it, never waited on.
 */
async function readCredentialsText(file: string): Promise<string | undefined> {
  return (await readUserFile(file, CREDENTIALS_FILE))?.toString("utf8");
}

/** {@link readCredentialsText}, synchronously and quietly: undefined for anything that is not a readable file. */
export function readCredentialsTextSync(file: string): string | undefined {
  try {
    return readUserFileSync(file, CREDENTIALS_FILE)?.toString("utf8");
  } catch {
    return undefined;
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
