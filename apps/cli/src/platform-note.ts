import type { Reference } from "@regatta/reference";
import type { CliContext } from "./cli-context.js";
import type { GlobalFlags } from "./global-options.js";

/** What a command learnt of the image it shows: an index, an image picked from one, or a single image. */
export interface ShownImage {
  kind?: string;
  /** The digest of the index the image was picked from. */
  index?: string | undefined;
  /** The image's own platform, from its config. */
  platform?: string | undefined;
}

/**
 * `--platform` given for a reference to a single image (issue 12): said on stderr rather than silently ignored.
 * A single image of another platform never reaches here: the client refuses it (image-info.ts, checkSinglePlatform),
 * so what is left is an image of that platform, or one whose config names none.
 */
export function noteSinglePlatform(
  cli: CliContext,
  flags: GlobalFlags,
  ref: Reference,
  image: ShownImage,
): void {
  if (!flags.platform || image.index !== undefined || (image.kind !== undefined && image.kind !== "image"))
    return;
  cli.info(
    `--platform ${flags.platform} ignored: ${ref.familiar()} is a single image (${image.platform ?? "no platform named"})`,
  );
}
