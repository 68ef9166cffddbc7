import { readFile, stat } from "node:fs/promises";
import { UsageError } from "@regatta/errors";
import { humanSize } from "./output.js";

// The files put-manifest reads. It imports this module when it runs, so node:fs/promises is not loaded with the
// command table (issue 12).

/** A regular file's `stat`, or a UsageError that names the file. */
export async function statFile(file: string) {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new UsageError(`${file} is not a file`);
    return info;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`,
    );
  }
}

/** A file of at most `limit` bytes, read whole (put-manifest's manifest). */
export async function readSmallFile(file: string, limit: number): Promise<Uint8Array> {
  const info = await statFile(file);
  if (info.size > limit)
    throw new UsageError(`${file} is ${humanSize(info.size)}: more than a manifest can be`);
  return readFile(file);
}

/** All of stdin, refused beyond `limit` bytes. */
export async function readStdin(limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    total += (chunk as Buffer).length;
    if (total > limit)
      throw new UsageError(`stdin holds more than ${humanSize(limit)}: more than a manifest can be`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
