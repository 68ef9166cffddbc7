/**
 * skopeo's transports for an image (`oci:DIR[:NAME]`, `oci-archive:PATH[:NAME]`, `docker-archive:PATH[:REF]`,
 * `dir:PATH`, `docker-daemon:`, `containers-storage:`), as people type them where Regatta takes a registry reference
 * (copy, sync), a local path (pull's destination, push's source) or a sync end (`oci:DIR[:NAME]`). The one home of
 * the list and the split: the CLI, @regatta/layout and @regatta/client read such words here.
 */
import { quotePath, quoteText, UsageError } from "@regatta/errors";
import { isValidRefName } from "./ref-name.js";

/**
 * skopeo's transports other than `docker://` (which the reference grammar already refuses as a scheme). `oci:lay` is
 * a valid Docker Hub reference (`library/oci:lay`), and read as one it sent a copy meant for a directory to Docker
 * Hub; no such image exists there, so the word is taken for what its writer meant. A word that merely holds a colon
 * (`./a:b`, `out/x:1`) names no transport.
 */
const SKOPEO_TRANSPORT = /^(oci|oci-archive|docker-archive|dir|docker-daemon|containers-storage):(.*)$/s;

/** A word split into skopeo's transport, its path and the reference after the path (`oci:DIR:NAME`), if any. */
export interface SkopeoWord {
  transport: string;
  /** What followed the transport, whole (empty for `oci:` alone). */
  rest: string;
  /**
   * The path: `rest` up to its first colon (skopeo's split), all of it for `dir:`, which takes no reference, and all
   * of it when it starts with its only colon (`oci::x` is the path `:x`).
   */
  path: string;
  /**
   * What followed the path's first colon (a ref.name such as `1.0` or `example.com/app:1.0`, or a docker archive's
   * `repo:tag`), if anything did: skopeo splits `oci:DIR:NAME` there too (containers/image's SplitPathAndImage), so
   * a NAME may hold colons and a DIR may not.
   */
  reference?: string;
}

/** `word` as a skopeo transport, or undefined for any other word. */
export function skopeoTransport(word: string): SkopeoWord | undefined {
  const match = SKOPEO_TRANSPORT.exec(word);
  if (!match) return undefined;
  const [, transport = "", rest = ""] = match;
  const at = transport === "dir" ? -1 : rest.indexOf(":");
  return at > 0
    ? { transport, rest, path: rest.slice(0, at), reference: rest.slice(at + 1) }
    : { transport, rest, path: rest };
}

/**
 * The name after the path of skopeo's `oci:DIR:NAME` (`oci-archive:PATH:NAME`), checked as skopeo checks it: any OCI
 * `org.opencontainers.image.ref.name` (`stable`, `a:b`, `example.com/app:1.0`), not only a tag. `word` is the whole
 * word, for the message. The one check of such a name (pull's destination, sync's ends, copy's and sync's hints).
 */
export function layoutRefName(word: string, ref: string): string {
  if (!isValidRefName(ref)) {
    throw new UsageError(
      `${quotePath(word)}: ${quoteText(ref)} is not an image name an OCI layout takes (ref.name: letters and digits joined by - . _ : @ + or --, components separated by /)`,
    );
  }
  return ref;
}
