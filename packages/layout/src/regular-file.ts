import type { Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { quotePath, UsageError } from "@regatta/errors";

/**
 * A regular file's `stat`, or a UsageError that names the file: what a file given by a user (a blob to push, a
 * manifest to put) must be before it is read. One home for the check and its wording, for the client and the CLI.
 */
export async function statRegularFile(path: string): Promise<Stats> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new UsageError(`${quotePath(path)} is not a file`);
    return info;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${quotePath(path)}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`,
      { cause: error },
    );
  }
}
