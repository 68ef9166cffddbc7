/**
 * skopeo's transports for an image (`oci:DIR[:TAG]`, `docker-archive:PATH`, …), as people type them where Regatta
 * takes a registry reference (copy, sync) or a local path (pull's destination). One home for the list and the split.
 */
import { quotePath, quoteText, UsageError } from "@regatta/errors";
import { isValidRefName } from "@regatta/reference";

/**
 * skopeo's transports other than `docker://` (which the reference grammar already refuses as a scheme). `oci:lay` is
 * a valid Docker Hub reference (`library/oci:lay`), and read as one it sent a copy meant for a directory to Docker
 * Hub; no such image exists there, so the word is taken for what its writer meant. A word that merely holds a colon
 * (`./a:b`, `out/x:1`) names no transport.
 */
const SKOPEO_TRANSPORT = /^(oci|oci-archive|docker-archive|dir|docker-daemon|containers-storage):(.*)$/s;

/** A word split into skopeo's transport, its path and the reference after the path (`oci:DIR:TAG`), if any. */
export interface SkopeoWord {
  transport: string;
  /** What followed the transport, whole. */
  rest: string;
  /** The path: `rest` up to its first colon (skopeo's split), all of it for `dir:`, which takes no reference. */
  path: string;
  /**
   * What followed the path's first colon (a ref.name such as `1.0` or `example.com/app:1.0`, or a docker archive's
   * `repo:tag`), if anything did: skopeo splits `oci:DIR:REF` there too (containers/image's SplitPathAndImage).
   */
  reference?: string;
}

/** `word` as a skopeo transport, or undefined for any other word. */
export function skopeoTransport(word: string): SkopeoWord | undefined {
  const match = SKOPEO_TRANSPORT.exec(word);
  if (!match) return undefined;
  const [, transport = "", rest = ""] = match;
  const at = transport === "dir" ? -1 : rest.indexOf(":");
  return at < 0
    ? { transport, rest, path: rest }
    : { transport, rest, path: rest.slice(0, at), reference: rest.slice(at + 1) };
}

/**
 * The name after the path of skopeo's `oci:DIR:NAME` (`oci-archive:PATH:NAME`), checked as skopeo checks it: any OCI
 * `org.opencontainers.image.ref.name` (`stable`, `a:b`, `example.com/app:1.0`), not only a tag. The one check of
 * such a name on the command line (pull's destination; copy's and sync's hints pass it on as --name or to pull).
 */
export function layoutRefName(word: string, ref: string): string {
  if (!isValidRefName(ref)) {
    throw new UsageError(
      `${quotePath(word)}: ${quoteText(ref)} is not an image name an OCI layout takes (ref.name: letters and digits joined by - . _ : @ + or --, components separated by /)`,
    );
  }
  return ref;
}

/** Where a pull writes, and how, when its destination was given as a skopeo transport. */
export interface PullDestination {
  path: string;
  format?: "docker" | "oci";
  /** The ref.name to store the image under (`oci:DIR:TAG`). */
  name?: string;
}

/**
 * A pull's destination: a path as it is (`./a:b` too), or skopeo's `oci:DIR[:TAG]` (an OCI layout, the image named
 * TAG in index.json), `oci-archive:PATH[:TAG]` and `docker-archive:PATH` (a tarball: Regatta's holds a docker archive
 * and an OCI layout at once). Any other transport is refused with the form that works.
 */
export function pullDestination(word: string): PullDestination {
  if (/^docker:\/\//.test(word)) {
    throw new UsageError(
      `${quotePath(word)} is skopeo's docker:// transport, a registry: pull writes to disk; regatta copy SOURCE ${quotePath(word.slice("docker://".length))} copies between registries`,
    );
  }
  const found = skopeoTransport(word);
  if (!found) return { path: word };
  const { transport, path, reference } = found;
  if (!path) throw new UsageError(`${quotePath(word)} names no path after ${transport}:`);
  const name = (ref: string | undefined) => (ref === undefined ? {} : { name: layoutRefName(word, ref) });
  switch (transport) {
    case "oci":
      return { path, format: "oci", ...name(reference) };
    case "oci-archive":
      return { path, format: "docker", ...name(reference) };
    case "docker-archive":
      if (reference !== undefined) {
        throw new UsageError(
          `${quotePath(word)}: a docker archive names its images by the references pulled (RepoTags): give docker-archive:${quotePath(path)}`,
        );
      }
      return { path, format: "docker" };
    case "dir":
      throw new UsageError(
        `pull writes skopeo's dir: layout as --format dir: regatta pull REF ${quotePath(path)} --format dir`,
      );
    default:
      throw new UsageError(
        `pull writes to disk, not skopeo's ${transport}: transport: regatta pull REF FILE.tar, then docker load -i FILE.tar (or podman load)`,
      );
  }
}
