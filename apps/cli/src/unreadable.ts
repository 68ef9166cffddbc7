/**
 * Why a local file a command was given could not be read, in words (`no such file`), not Node's errno text
 * (`ENOENT: no such file or directory, open '…'`), for the one line of a usage error (exit 2) that names the file.
 */
export function whyUnreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ENOTDIR") return "a part of the path is not a directory";
  return code ?? (error as Error).message;
}
