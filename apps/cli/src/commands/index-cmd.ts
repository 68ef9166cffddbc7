import type { EditIndexOptions, IndexResult } from "@regatta/client";
import { UsageError } from "@regatta/errors";
import { parseReference } from "@regatta/reference";
import { type Command, Option } from "commander";
import { collectAnnotation } from "../artifact-files.js";
import type { CliContext } from "../cli-context.js";
import { countNoun, escapeControls, shortDigest, writeJson, writeStdout } from "../output.js";

/** Repeated `--platform` values, each a comma-separated list, collected into one list. */
function collectPlatforms(value: string, previous: string[] = []): string[] {
  const list = value
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  if (list.length === 0)
    throw new UsageError(`--platform needs os/arch[/variant], got ${JSON.stringify(value)}`);
  return [...previous, ...list];
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * `--platform` naming index entries: read as `entryPlatforms`, so it never reaches the client as the one platform
 * every call means (`client.with({ platform })` would resolve the index to an image before it could be edited).
 */
function entryPlatformOption(description: string): Option {
  const option = new Option("--platform <list>", description).argParser(collectPlatforms);
  option.attributeName = () => "entryPlatforms";
  return option;
}

const fromOption = () =>
  new Option(
    "--from <index>",
    "edit this index instead of TARGET's (it is left as it is); the result goes to TARGET",
  );
const annotationOption = (what: string) =>
  new Option("--annotation <key=value>", `${what} (repeatable)`).argParser(collectAnnotation);

interface EditFlags {
  from?: string;
  replace?: boolean;
  platformFromConfig?: boolean;
  entryPlatforms?: string[];
  digest?: string[];
  annotation?: Record<string, string>;
}

/** Prints what an index command did: the digest on stdout, a line for people on stderr; --json the whole result. */
async function report(
  cli: CliContext,
  json: boolean | undefined,
  verb: string,
  result: IndexResult,
): Promise<void> {
  if (json) {
    await writeJson(result);
    return;
  }
  const named = (entries: IndexResult["manifests"]) =>
    `${countNoun(entries.length, "entry", "entries")} (${entries.map((m) => m.platform ?? shortDigest(m.digest)).join(", ")})`;
  const brought = result.brought.filter((b) => !b.upToDate).length;
  // An edit that left entries out names them, then what is left: "removed from R: 1 entry (linux/amd64)" read as
  // if amd64 had gone, when it was what remained (QA).
  const removed = result.removed?.length ? `${named(result.removed)}; left: ` : "";
  cli.info(
    escapeControls(
      `${verb} ${result.reference}: ${removed}${named(result.manifests)}${brought ? `; ${brought} brought from other repositories` : ""}`,
    ),
  );
  await writeStdout(`${result.digest}\n`);
}

/** Opens a client for TARGET's registry, runs `editIndex` with `edits` (and --from), and reports. */
async function edit(
  cli: CliContext,
  cmd: Command,
  target: string,
  verb: string,
  flags: EditFlags,
  edits: EditIndexOptions,
): Promise<void> {
  const ref = parseReference(target);
  await cli.withClient(cmd, ref.registry, async (reg, global) => {
    const result = await reg.editIndex(ref, {
      ...edits,
      ...(flags.from !== undefined ? { from: flags.from } : {}),
    });
    await report(cli, global.json, verb, result);
  });
}

/**
 * `regatta index create|append|remove|filter|annotate`: indexes by hand, as `regctl index`, `crane index` and
 * `oras manifest index` (src/indexes/ in the client).
 */
export function registerIndex(program: Command, cli: CliContext): void {
  const index = program
    .command("index")
    .description(
      "build an index by hand: create one over images pushed separately, append, remove, filter, annotate",
    )
    .addHelpText(
      "after",
      "\nSOURCE and TARGET names without a registry are in TARGET's registry; a bare digest (sha256:…) is in TARGET's" +
        "\nrepository. Sources in other repositories are brought to TARGET's by digest first (blobs mounted), then the" +
        "\nindex is put at TARGET's tag. Each prints the new index's digest (--json: the whole result)." +
        "\n\nExamples:\n  regatta index create localhost:5000/team/multi:1.0 localhost:5000/team/api:1.0 localhost:5000/team/api-arm64:1.0" +
        "\n  regatta index remove localhost:5000/org/app:latest --platform linux/arm64",
    );

  index
    .command("create")
    .description(
      "create an index over images (each listed with the platform its config names) and put it at TARGET",
    )
    .argument("<target>", "where to put the index: a tag, e.g. localhost:5000/team/app:1.0")
    .argument("<sources...>", "the images, by tag or digest; an index gives its children (flattened)")
    .addOption(annotationOption("an annotation of the index"))
    .option("--docker", "make a Docker manifest list (every source must be a Docker schema 2 image)")
    .option("--oci", "make an OCI image index even when every source is a Docker image")
    .option(
      "--platform-from-config",
      "for a source that is an index: read each child's platform from its config, not from the index's entry",
    )
    .addHelpText(
      "after",
      "\nAn OCI image index, or a Docker manifest list when every image is a Docker one and no annotation is given." +
        "\nRefused, writing nothing: an artifact (not an image), a config naming no platform, two images for one platform." +
        "\n\nExamples:\n  regatta index create localhost:5000/team/multi:1.0 localhost:5000/team/api:1.0 localhost:5000/team/api-arm64:1.0" +
        "\n  regatta index create localhost:5000/team/multi:1.1 localhost:5000/team/api:1.0 --annotation org.opencontainers.image.version=1.1" +
        "\n  regatta index create localhost:5000/team/ubuntu:list localhost:5000/library/ubuntu:latest --docker",
    )
    .action(
      async (
        target: string,
        sources: string[],
        opts: {
          annotation?: Record<string, string>;
          docker?: boolean;
          oci?: boolean;
          platformFromConfig?: boolean;
        },
        cmd: Command,
      ) => {
        if (opts.docker && opts.oci) throw new UsageError("--docker and --oci exclude each other");
        const ref = parseReference(target);
        await cli.withClient(cmd, ref.registry, async (reg, global) => {
          const result = await reg.createIndex(ref, sources, {
            ...(opts.docker
              ? { mediaType: "docker" as const }
              : opts.oci
                ? { mediaType: "oci" as const }
                : {}),
            ...(opts.annotation ? { annotations: opts.annotation } : {}),
            ...(opts.platformFromConfig ? { platformFromConfig: true } : {}),
          });
          await report(cli, global.json, "created", result);
        });
      },
    );

  index
    .command("append")
    .description("add images to the index at TARGET (or at --from), each with the platform its config names")
    .argument("<target>", "the index to edit and put back, by tag")
    .argument("<sources...>", "the images to add, by tag or digest; an index adds its children")
    .addOption(fromOption())
    .option("--replace", "an image for a platform the index has replaces that entry instead of being refused")
    .option(
      "--platform-from-config",
      "for a source that is an index: read each child's platform from its config",
    )
    .addHelpText(
      "after",
      "\nA manifest the index lists already, or a second image for one platform, is refused unless --replace." +
        "\n\nExamples:\n  regatta index append localhost:5000/org/app:latest localhost:5000/library/busybox:1.36 --replace" +
        "\n  regatta index append localhost:5000/org/app:next localhost:5000/team/api-arm64:1.0 --from localhost:5000/org/app:latest --replace",
    )
    .action(async (target: string, sources: string[], opts: EditFlags, cmd: Command) => {
      await edit(cli, cmd, target, "appended to", opts, {
        append: sources,
        ...(opts.replace ? { replace: true } : {}),
        ...(opts.platformFromConfig ? { platformFromConfig: true } : {}),
      });
    });

  index
    .command("remove")
    .description("remove entries from the index at TARGET (or at --from) by platform or digest")
    .argument("<target>", "the index to edit and put back, by tag")
    .addOption(
      entryPlatformOption("platforms to remove, comma-separated or repeated, e.g. linux/arm,linux/386"),
    )
    .option("--digest <digest>", "an entry to remove by digest (repeatable)", collect)
    .addOption(fromOption())
    .addHelpText(
      "after",
      "\nlinux/arm means linux/arm/v7 and linux/arm64 linux/arm64/v8, as copy --platform matches; an image's" +
        "\nattestations go with it. A platform or digest the index lacks is refused, as is removing every image." +
        "\n\nExamples:\n  regatta index remove localhost:5000/org/app:latest --platform linux/arm64" +
        "\n  regatta index remove localhost:5000/org/app:amd64 --from localhost:5000/org/app:latest --platform linux/arm64",
    )
    .action(async (target: string, opts: EditFlags, cmd: Command) => {
      const remove = [...(opts.entryPlatforms ?? []), ...(opts.digest ?? [])];
      if (remove.length === 0)
        throw new UsageError("index remove needs --platform or --digest: what to remove?");
      await edit(cli, cmd, target, "removed from", opts, {
        remove: [
          ...(opts.entryPlatforms ?? []).map((platform) => ({ platform })),
          ...(opts.digest ?? []).map((digest) => ({ digest })),
        ],
      });
    });

  index
    .command("filter")
    .description("keep only some platforms of the index at TARGET (or at --from), as crane index filter")
    .argument("<target>", "the index to edit and put back, by tag")
    .addOption(entryPlatformOption("platforms to keep, comma-separated or repeated").makeOptionMandatory())
    .addOption(fromOption())
    .addHelpText(
      "after",
      "\nThe images of those platforms stay, with their attestations; every platform named must be in the index." +
        "\n\nExamples:\n  regatta index filter localhost:5000/org/app:amd64 --from localhost:5000/org/app:latest --platform linux/amd64",
    )
    .action(async (target: string, opts: EditFlags, cmd: Command) => {
      await edit(cli, cmd, target, "filtered", opts, { platforms: opts.entryPlatforms ?? [] });
    });

  index
    .command("annotate")
    .description(
      "add annotations to the index at TARGET (or at --from), or to its entries for a platform or digest",
    )
    .argument("<target>", "the index to edit and put back, by tag")
    .addOption(annotationOption("an annotation, KEY=VALUE").makeOptionMandatory())
    .addOption(entryPlatformOption("annotate the entries of these platforms instead of the index"))
    .option("--digest <digest>", "annotate this entry instead of the index (repeatable)", collect)
    .addOption(fromOption())
    .addHelpText(
      "after",
      "\nAnnotations are merged into those already there (a key given again takes the new value). A Docker manifest" +
        "\nlist has no annotations: create an OCI index over its images instead (index create --oci)." +
        "\n\nExamples:\n  regatta index annotate localhost:5000/org/app:latest --annotation org.opencontainers.image.version=1.4" +
        "\n  regatta index annotate localhost:5000/org/app:latest --platform linux/arm64 --annotation org.example.tested=yes",
    )
    .action(async (target: string, opts: EditFlags, cmd: Command) => {
      const annotations = opts.annotation ?? {};
      const selectors = [
        ...(opts.entryPlatforms ?? []).map((platform) => ({ platform })),
        ...(opts.digest ?? []).map((digest) => ({ digest })),
      ];
      await edit(
        cli,
        cmd,
        target,
        "annotated",
        opts,
        selectors.length
          ? { entryAnnotations: selectors.map((s) => ({ ...s, annotations })) }
          : { annotations },
      );
    });
}
