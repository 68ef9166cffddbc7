/**
 * pull's destination given as one of skopeo's transports (`oci:DIR[:NAME]`, `docker-archive:PATH`, …), read with
 * @regatta/reference's skopeoTransport (the one home of the grammar); the transports pull cannot write are refused
 * with the command that works, each word quoted for the shell (shellWord).
 */
import { quotePath, shellWord, UsageError } from "@regatta/errors";
import { layoutRefName, skopeoTransport } from "@regatta/reference";

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
 * and an OCI layout at once). Any other transport is refused with the form that works. A path that is empty or starts
 * with a colon (`oci:`, `oci::x`, which skopeo reads as the current directory) is refused: name the directory (`dir:`
 * takes a path alone, colons and all).
 */
export function pullDestination(word: string): PullDestination {
  if (/^docker:\/\//.test(word)) {
    throw new UsageError(
      `${quotePath(word)} is skopeo's docker:// transport, a registry: pull writes to disk; regatta copy SOURCE ${shellWord(word.slice("docker://".length))} copies between registries`,
    );
  }
  const found = skopeoTransport(word);
  if (!found) return { path: word };
  const { transport, rest, path, reference } = found;
  if (!rest || (transport !== "dir" && rest.startsWith(":"))) {
    throw new UsageError(`${quotePath(word)} names no path after ${transport}:`);
  }
  const name = (ref: string | undefined) => (ref === undefined ? {} : { name: layoutRefName(word, ref) });
  switch (transport) {
    case "oci":
      return { path, format: "oci", ...name(reference) };
    case "oci-archive":
      return { path, format: "docker", ...name(reference) };
    case "docker-archive":
      if (reference !== undefined) {
        throw new UsageError(
          `${quotePath(word)}: a docker archive names its images by the references pulled (RepoTags): give ${shellWord(["docker-archive", path].join(":"))}`,
        );
      }
      return { path, format: "docker" };
    case "dir":
      throw new UsageError(
        `pull writes skopeo's dir: layout as --format dir: regatta pull REF ${shellWord(path)} --format dir`,
      );
    default:
      throw new UsageError(
        `pull writes to disk, not skopeo's ${transport}: transport: regatta pull REF FILE.tar, then docker load -i FILE.tar (or podman load)`,
      );
  }
}
