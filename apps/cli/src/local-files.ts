import { UsageError } from "@regatta/errors";
import { readUserFile } from "@regatta/errors/user-file";
import { humanSize } from "./output.js";

// The files put-manifest reads. It imports this module when it runs, so node:fs/promises is not loaded with the
// command table (issue 12).

/**
 * A file of at most `limit` bytes, read whole (put-manifest's manifest), as every file a user names is read: a FIFO,
 * a directory or a device at the name is refused at once, never waited on.
 */
export async function readSmallFile(file: string, limit: number): Promise<Uint8Array> {
  return readUserFile(file, { maxBytes: limit, what: "a manifest" });
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
