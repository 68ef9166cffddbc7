/**
 * Finds one file of an image without reading every layer: layers are read from the top down and the search stops
 * at the first layer that settles the path — it has the path, a whiteout of it or of a directory above it, an opaque
 * directory above it, or a non-directory where a directory above it should be (filesystem-merge.ts has the rules;
 * the search runs the same merge, so a file of a lower layer under a directory made opaque above is not found). A
 * layer is always read to its end, so that its digest is checked: the file's bytes stream out as they come, and the
 * stream ends only once the layer they came from has been verified (it errors otherwise).
 *
 * Symbolic links are followed inside the image, never on the host: a link in the path (`/bin` -> `usr/bin`) or at
 * its end, absolute targets from the image's root, at most {@link MAX_LINK_HOPS} of them (Linux's MAXSYMLINKS). A
 * hard link reads its target in its own layer or below, where tar puts the target's bytes.
 */
import { PassThrough, type Readable } from "node:stream";
import { NotFoundError, quotePath, UsageError } from "@regatta/errors";
import { drained } from "./drained.js";
import { FilesystemMerge } from "./filesystem-merge.js";
import { ancestorsOf, imagePath, linkDestination } from "./image-path.js";
import { type LayerEntry, type LayerSource, layerEntries, type TarHeader } from "./layer-entries.js";

/** As Linux's MAXSYMLINKS: a longer chain is a loop, or hostile. */
export const MAX_LINK_HOPS = 40;

/** A file found in an image, its bytes streaming. */
export interface FoundFile {
  /** The path asked for, canonical. */
  path: string;
  /** Where it led after links were followed (the path itself when there were none). */
  resolvedPath: string;
  header: TarHeader;
  /** The layer whose entry holds the bytes. */
  layer: string;
  /** The file's bytes; ends once the layer is verified, errors if it is not. Read it, or destroy it. */
  stream: Readable;
}

/** What to name in errors: the image, e.g. `alpine:3.20 (linux/amd64)`. */
export interface FindContext {
  image: string;
}

/** One step of a search: where it leads next, or the answer. */
type Step =
  | { kind: "found"; found: FoundFile }
  | { kind: "follow"; path: string; top: number }
  | { kind: "missing"; reason?: string }
  | { kind: "refused"; error: Error };

/**
 * Finds `path` in the image whose layers are `layers` (bottom first, as in the manifest), following links.
 * @throws NotFoundError (code FILE_UNKNOWN) naming the path and the image; UsageError (IS_DIRECTORY, NOT_A_FILE)
 *   for a directory or a device; UsageError (LINK_LOOP) after {@link MAX_LINK_HOPS} links.
 */
export async function findFile(
  layers: readonly LayerSource[],
  asked: string,
  context: FindContext,
): Promise<FoundFile> {
  const path = imagePath(asked);
  let current = path;
  let top = layers.length - 1;
  for (let hops = 0; ; hops++) {
    if (hops > MAX_LINK_HOPS) {
      throw new UsageError(
        `${quotePath(path)}: more than ${MAX_LINK_HOPS} links followed in ${context.image}`,
        {
          code: "LINK_LOOP",
        },
      );
    }
    const step = await searchFrom(layers, top, current, path, context);
    if (step.kind === "found") return step.found;
    if (step.kind === "refused") throw step.error;
    if (step.kind === "missing") {
      const via = current === path ? "" : ` (-> ${quotePath(current)})`;
      throw new NotFoundError(`${quotePath(path)}${via} not found in ${context.image}${step.reason ?? ""}`, {
        code: "FILE_UNKNOWN",
      });
    }
    current = step.path;
    top = step.top;
  }
}

/** Searches `layers[top]` and down for `path` (no link followed yet on this step). */
async function searchFrom(
  layers: readonly LayerSource[],
  top: number,
  path: string,
  asked: string,
  context: FindContext,
): Promise<Step> {
  const merge = new FilesystemMerge();
  const ancestors = new Set(ancestorsOf(path));
  for (let index = top; index >= 0; index--) {
    const layer = layers[index] as LayerSource;
    const entries = layerEntries(layer);
    let step: Step | undefined;
    let handedOn = false;
    try {
      for (;;) {
        const next = await entries.next();
        if (next.done) break;
        const entry = next.value;
        const directory = entry.header.type === "directory";
        // Once the layer has answered, the rest of it is read only for its digest.
        if (merge.visit(entry.path, directory) !== "keep" || step) continue;
        if (entry.path === path) {
          if (entry.header.type === "file" || entry.header.type === "contiguous-file") {
            handedOn = true;
            return {
              kind: "found",
              found: streamFile(entry, entries, { path: asked, resolvedPath: path, layer }),
            };
          }
          step = entryStep(entry, index, layers.length - 1, context);
        } else if (!directory && ancestors.has(entry.path)) {
          // Something that is not a directory where the path needs one: a link is followed, anything else ends it.
          const rest = path.slice(entry.path.length + 1);
          step =
            entry.header.type === "symlink"
              ? {
                  kind: "follow",
                  path: imagePath(`${linkDestination(entry.path, entry.header.linkname ?? "")}/${rest}`),
                  top: layers.length - 1,
                }
              : { kind: "missing", reason: `: ${quotePath(entry.path)} is not a directory` };
        }
      }
    } finally {
      if (!handedOn) await entries.return(undefined);
    }
    if (step) return step;
    merge.endLayer();
    if (merge.isDirectory(path)) return { kind: "refused", error: isDirectory(asked, context) };
    if (merge.settles(path)) return { kind: "missing" };
  }
  return { kind: "missing" };
}

/** What an entry at the path asked for, other than a regular file, leads to. */
function entryStep(entry: LayerEntry, index: number, top: number, context: FindContext): Step {
  const { header } = entry;
  switch (header.type) {
    case "directory":
      return { kind: "refused", error: isDirectory(entry.path, context) };
    case "symlink":
      return { kind: "follow", path: linkDestination(entry.path, header.linkname ?? ""), top };
    case "link":
      // The target's bytes are in this layer (tar writes them once, at the target's first name) or below.
      return { kind: "follow", path: imagePath(header.linkname ?? ""), top: index };
    default:
      return {
        kind: "refused",
        error: new UsageError(
          `${quotePath(entry.path)} in ${context.image} is a ${header.type}, not a regular file`,
          {
            code: "NOT_A_FILE",
          },
        ),
      };
  }
}

function isDirectory(path: string, context: FindContext): UsageError {
  return new UsageError(`${quotePath(path)} in ${context.image} is a directory`, {
    code: "IS_DIRECTORY",
    hint: "list it with `regatta ls`, or reg.listFiles()",
  });
}

/** The entry's bytes as a stream that ends once the rest of its layer has been read and verified. */
function streamFile(
  entry: LayerEntry,
  entries: AsyncGenerator<LayerEntry>,
  where: { path: string; resolvedPath: string; layer: LayerSource },
): FoundFile {
  const out = new PassThrough();
  const pump = async () => {
    for await (const chunk of entry.body) {
      if (!out.write(chunk)) await drained(out, "the file");
    }
    // The rest of the layer: its digest is checked at its end, and the file is only as good as its layer.
    for (;;) if ((await entries.next()).done) break;
    out.end();
  };
  pump().catch(async (error: unknown) => {
    await entries.return(undefined).catch(() => undefined);
    out.destroy(error as Error);
  });
  return {
    path: where.path,
    resolvedPath: where.resolvedPath,
    header: entry.header,
    layer: where.layer.digest,
    stream: out,
  };
}
