import { readFile } from "node:fs/promises";
import { CredentialsError } from "@regatta/errors";

/**
 * Reads and parses a credentials file. A missing file is undefined (no credentials there); an unreadable or
 * malformed one is a {@link CredentialsError} naming the file. The message never quotes the content, which holds
 * secrets, nor the parser's error, which may quote it.
 */
export async function readJsonFile(file: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    const code = (cause as { code?: unknown })?.code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new CredentialsError(`cannot read ${file} (${String(code ?? "error")})`);
  }
  if (!text.trim()) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CredentialsError(`${file} is not valid JSON`, { hint: "fix or remove the file" });
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) {
    throw new CredentialsError(`${file} is not a JSON object`, { hint: "fix or remove the file" });
  }
  return json as Record<string, unknown>;
}

/** The entries of an object-valued member, or an empty list when it is missing or not an object. */
export function objectEntries(value: unknown): [string, unknown][] {
  return value && typeof value === "object" && !Array.isArray(value) ? Object.entries(value) : [];
}
