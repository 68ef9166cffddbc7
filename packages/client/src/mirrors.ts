/**
 * Registry mirrors (`hosts[registry].mirrors`): registries asked first, in order, for a host's content, the host
 * itself last. As containerd's `hosts.toml` mirrors with `capabilities = ["pull", "resolve"]`
 * (https://github.com/containerd/containerd/blob/main/docs/hosts.md), docker's `registry-mirrors` and regclient's
 * per-host `Mirrors` (`config/host.go`): only reads go to a mirror (manifest GET/HEAD, blob GET); tag lists,
 * catalog, referrers and every write go to the host, since a mirror is a cache that may be stale or partial.
 */
import {
  AbortError,
  InvalidDigestError,
  InvalidReferenceError,
  RegattaError,
  UsageError,
} from "@regatta/errors";
import type { ClientContext } from "./context.js";

/**
 * `attempt(registry)` on each mirror of `registry` in turn, then on `registry` itself; the first that succeeds
 * wins. A mirror that fails in any way a registry can fail (unreachable, a timeout, any error status, content that
 * does not match its digest) hands over to the next one; an abort, or a mistake of the caller's (a usage error, a
 * malformed reference or digest, the same everywhere), stops at once. When everything fails, the error thrown is
 * the host's own, its message noting what each mirror answered (kind and status only, never a body).
 *
 * Each attempt names the mirror as its registry, so the mirror gets its own settings and credentials
 * (`hosts[mirror]`) and never the host's: the authenticator keys credentials and tokens by registry.
 */
export async function readThroughMirrors<T>(
  ctx: ClientContext,
  registry: string,
  attempt: (registry: string) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const mirrors = ctx.mirrors?.get(registry);
  if (!mirrors?.length) return attempt(registry);
  const failed: string[] = [];
  for (const mirror of mirrors) {
    try {
      return await attempt(mirror);
    } catch (error) {
      if (!fallsBack(error, signal)) throw error;
      failed.push(`${mirror} (${describe(error)})`);
    }
  }
  try {
    return await attempt(registry);
  } catch (error) {
    if (error instanceof Error && !(error instanceof AbortError)) {
      error.message += `; mirrors tried first: ${failed.join(", ")}`;
    }
    throw error;
  }
}

function fallsBack(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted || error instanceof AbortError) return false;
  return !(
    error instanceof UsageError ||
    error instanceof InvalidReferenceError ||
    error instanceof InvalidDigestError
  );
}

/** The kind and status of a mirror's failure: enough to tell which failed how, and nothing its body said. */
function describe(error: unknown): string {
  if (error instanceof RegattaError) {
    return error.status !== undefined ? `${error.name} ${error.status}` : error.name;
  }
  return error instanceof Error ? error.name : "failed";
}
