import { pipeline } from "node:stream/promises";
import { escapeField, summaryTables, UsageError } from "@regatta/client";
import { parseReference, parseRepository } from "@regatta/reference";
import type { Command } from "commander";
import pc from "picocolors";
import type { CliContext } from "../cli-context.js";
import { platformFlag, platformOption } from "../global-options.js";
import { interruptSignal } from "../interrupt.js";
import { humanSize, writeStdout } from "../output.js";

const ACCEPT_CHOICES = ["schema2", "list", "oci", "index", "schema1", "all"];

/** The read commands: tags, catalog, manifest, digest, blob, config, inspect, size. */
export function registerReadCommands(program: Command, cli: CliContext): void {
  program
    .command("tags")
    .description("list the tags of a repository, one per line")
    .argument("<repository>", "e.g. alpine, ghcr.io/org/app, localhost:5000/team/api")
    .option("-n, --page-size <n>", "ask the registry for pages of n tags (every page is still listed)")
    .option("--digests", "print each tag's manifest digest beside it (one HEAD per tag)")
    .addHelpText(
      "after",
      "\nExamples:\n  regatta tags alpine\n  regatta tags localhost:5000/team/api --json | jq -r '.tags[]'",
    )
    .action(async (repository: string, opts: { pageSize?: string; digests?: boolean }, cmd: Command) => {
      const repo = parseRepository(repository);
      await cli.withClient(cmd, repo.registry, async (reg) => {
        const n = opts.pageSize === undefined ? undefined : positiveInt(opts.pageSize, "--page-size");
        const tags: string[] = [];
        const digests: Record<string, string> = {};
        let name = repo.repository;
        for await (const page of reg.tagPages(repo, {
          ...(n ? { n } : {}),
          ...(opts.digests ? { withDigests: true } : {}),
        })) {
          name = page.name;
          tags.push(...page.tags);
          Object.assign(digests, page.digests);
        }
        if (cli.flags(cmd).json) {
          await writeStdout(`${JSON.stringify({ name, tags, ...(opts.digests ? { digests } : {}) })}\n`);
        } else {
          await writeStdout(
            tags
              .map((t) =>
                opts.digests ? `${escapeField(t)}\t${escapeField(digests[t] ?? "")}` : escapeField(t),
              )
              .join("\n") + (tags.length ? "\n" : ""),
          );
        }
      });
    });

  program
    .command("catalog")
    .alias("search")
    .description("list the repositories of a registry, one per line (the registry must allow /v2/_catalog)")
    .argument("[registry]", "host[:port] or URL (default docker.io)", "docker.io")
    .option("-f, --filter <substring>", "only repositories whose name contains this")
    .option("-n, --page-size <n>", "ask the registry for pages of n repositories")
    .addHelpText(
      "after",
      "\nExamples:\n  regatta catalog localhost:5000\n  regatta catalog localhost:5000 --filter team/",
    )
    .action(async (registry: string, opts: { filter?: string; pageSize?: string }, cmd: Command) => {
      await cli.withClient(cmd, registry, async (reg) => {
        const n = opts.pageSize === undefined ? undefined : positiveInt(opts.pageSize, "--page-size");
        const all: string[] = [];
        for await (const page of reg.catalogPages(n ? { n } : {})) all.push(...page.repositories);
        const repositories = opts.filter ? all.filter((r) => r.includes(opts.filter as string)) : all;
        if (cli.flags(cmd).json) await writeStdout(`${JSON.stringify({ repositories })}\n`);
        else await writeStdout(repositories.map((r) => `${escapeField(r)}\n`).join(""));
      });
    });

  program
    .command("manifest")
    .alias("get-manifest")
    .description("print a manifest's exact bytes (an index is resolved only with --platform)")
    .argument("<reference>", "image reference, e.g. alpine:3.20 or localhost:5000/app@sha256:…")
    .option(
      "--accept <types>",
      `media types to accept: ${ACCEPT_CHOICES.join("|")} or media types, comma separated`,
    )
    .option("--accept-schema2", "accept only Docker schema 2 manifests (boater's flag)")
    .option("-a, --all", "accept every manifest type (default)")
    .option("--headers", "print the response headers, then a blank line, then the body (like curl -i)")
    .addOption(platformFlag())
    .addHelpText(
      "after",
      "\nExamples:\n  regatta manifest alpine | jq .\n  regatta manifest alpine --platform linux/arm64\n  regatta get-manifest ubuntu --accept-schema2",
    )
    .action(
      async (
        reference: string,
        opts: { accept?: string; acceptSchema2?: boolean; headers?: boolean },
        cmd: Command,
      ) => {
        const ref = parseReference(reference);
        const flags = cli.flags(cmd);
        await cli.withClient(cmd, ref.registry, async (reg) => {
          const accept = opts.acceptSchema2
            ? ["schema2"]
            : opts.accept
              ? opts.accept.split(",").map((s) => s.trim())
              : undefined;
          const got = await reg.manifest(ref, {
            ...(accept ? { accept } : {}),
            ...platformOption(flags),
          });
          if (flags.json) {
            await writeStdout(
              `${JSON.stringify({
                reference: got.reference.toString(),
                digest: got.digest,
                mediaType: got.mediaType,
                size: got.size,
                ...(got.index
                  ? {
                      index: { digest: got.index.digest, mediaType: got.index.mediaType },
                      platform: got.platform,
                    }
                  : {}),
                ...(opts.headers ? { headers: got.headers } : {}),
                manifest: got.manifest,
              })}\n`,
            );
            return;
          }
          if (got.index)
            cli.info(`${ref.familiar()}: index ${got.index.digest} → ${got.platform} ${got.digest}`);
          if (opts.headers) {
            await writeStdout(
              `${Object.entries(got.headers)
                .map(([k, v]) => `${escapeField(k)}: ${escapeField(String(v))}`)
                .join("\n")}\n\n`,
            );
          }
          await writeStdout(got.bytes);
          if (process.stdout.isTTY) await writeStdout("\n");
        });
      },
    );

  program
    .command("digest")
    .description("print the digest of the manifest a reference names (sha256:…)")
    .argument("<reference>", "image reference")
    .addOption(platformFlag())
    .option(
      "--verify",
      "GET the manifest and hash it instead of trusting the registry's Docker-Content-Digest header",
    )
    .addHelpText(
      "after",
      "\nA HEAD's digest is the registry's claim; --json says where it came from (source: header, verified or" +
        "\nreference). A reference with a digest that the registry names differently is an error." +
        "\n\nExamples:\n  regatta digest alpine:3.20\n  regatta digest alpine:3.20 --verify --json" +
        "\n  regatta digest alpine:3.20 --platform linux/arm64/v8",
    )
    .action(async (reference: string, opts: { verify?: boolean }, cmd: Command) => {
      const ref = parseReference(reference);
      const flags = cli.flags(cmd);
      await cli.withClient(cmd, ref.registry, async (reg) => {
        const head = await reg.head(ref, {
          ...platformOption(flags),
          ...(opts.verify ? { verify: true } : {}),
        });
        await writeStdout(
          flags.json
            ? `${JSON.stringify({ reference: ref.toString(), digest: head.digest, source: head.source })}\n`
            : `${head.digest}\n`,
        );
      });
    });

  program
    .command("blob")
    .alias("get-blob")
    .description("write a blob to stdout or a file, verifying its digest")
    .argument("<repository>", "REPO@DIGEST, or REPO followed by DIGEST")
    .argument("[digest]", "sha256:…")
    .option("-o, --output <file>", "write to this file (atomically: nothing is left behind on failure)")
    .addHelpText(
      "after",
      "\nExamples:\n  regatta blob alpine@sha256:… > layer.tar.gz\n  regatta get-blob ubuntu sha256:… -o config.json",
    )
    .action(
      async (repository: string, digest: string | undefined, opts: { output?: string }, cmd: Command) => {
        const ref =
          digest === undefined ? parseReference(repository) : parseRepository(repository).withDigest(digest);
        if (!ref.digest)
          throw new UsageError(`blob needs a digest: ${repository}@sha256:… or ${repository} sha256:…`);
        await cli.withClient(cmd, ref.registry, async (reg) => {
          const blob = reg.blob(ref.repositoryOnly(), ref.digest as string);
          if (opts.output) {
            const saved = await blob.toFile(opts.output, interruptSignal());
            if (cli.flags(cmd).json) await writeStdout(`${JSON.stringify(saved)}\n`);
            else cli.info(`wrote ${saved.path} (${humanSize(saved.size)}, ${saved.digest})`);
            return;
          }
          const stream = await blob.stream(interruptSignal());
          if (process.stdout.isTTY) {
            // A layer dumped on a terminal garbles it: look at the first bytes before writing any.
            const first: Buffer | null = await new Promise((resolve, reject) => {
              stream.once("readable", () => resolve(stream.read() as Buffer | null));
              stream.once("error", reject);
            });
            if (first && isBinary(first)) {
              stream.destroy();
              throw new UsageError("refusing to write a binary blob to a terminal; use -o FILE or a pipe");
            }
            if (first) stream.unshift(first);
          }
          await pipeline(stream, process.stdout, { end: false });
        });
      },
    );

  program
    .command("config")
    .description("print an image's config blob (resolving an index for --platform or this host)")
    .argument("<reference>", "image reference")
    .addOption(platformFlag())
    .action(async (reference: string, _opts: unknown, cmd: Command) => {
      const ref = parseReference(reference);
      const flags = cli.flags(cmd);
      await cli.withClient(cmd, ref.registry, async (reg) => {
        const got = await reg.config(ref, platformOption(flags));
        await writeStdout(got.bytes);
        if (process.stdout.isTTY) await writeStdout("\n");
      });
    });

  program
    .command("inspect")
    .description("summarise an image: digest, media type, platforms, layers and sizes, created, labels")
    .argument("<reference>", "image reference")
    .addOption(platformFlag())
    .addHelpText(
      "after",
      "\nExamples:\n  regatta inspect alpine\n  regatta inspect alpine --platform linux/arm64 --json",
    )
    .action(async (reference: string, _opts: unknown, cmd: Command) => {
      const ref = parseReference(reference);
      const flags = cli.flags(cmd);
      await cli.withClient(cmd, ref.registry, async (reg) => {
        const s = await reg.inspect(ref, platformOption(flags));
        if (flags.json) {
          await writeStdout(`${JSON.stringify(s, null, 2)}\n`);
          return;
        }
        const color = Boolean(process.stdout.isTTY);
        const lines = [
          `Reference:  ${s.reference}`,
          `Digest:     ${s.digest}`,
          `Media type: ${s.mediaType}`,
          ...(s.platform ? [`Platform:   ${s.platform}`] : []),
          ...(s.created ? [`Created:    ${s.created}`] : []),
          ...(s.artifactType ? [`Artifact:   ${s.artifactType}`] : []),
          ...(s.subject ? [`Subject:    ${s.subject}`] : []),
          `Size:       ${humanSize(s.size)} (${s.size} bytes)`,
        ];
        for (const t of summaryTables(s, color ? pc.bold : undefined)) lines.push("", t);
        if (s.labels && Object.keys(s.labels).length) {
          lines.push(
            "",
            "Labels:",
            ...Object.entries(s.labels).map(([k, v]) => `  ${escapeField(k)}=${escapeField(v)}`),
          );
        }
        await writeStdout(`${lines.join("\n")}\n`);
      });
    });

  program
    .command("size")
    .description("total compressed size of an image (config + layers); an index sums every platform")
    .argument("<reference>", "image reference")
    .addOption(platformFlag())
    .action(async (reference: string, _opts: unknown, cmd: Command) => {
      const ref = parseReference(reference);
      const flags = cli.flags(cmd);
      await cli.withClient(cmd, ref.registry, async (reg) => {
        const s = await reg.inspect(ref, platformOption(flags));
        if (flags.json) {
          await writeStdout(
            `${JSON.stringify({ reference: s.reference, digest: s.digest, size: s.size, ...(s.platforms ? { platforms: s.platforms } : {}) })}\n`,
          );
        } else if (process.stdout.isTTY) {
          await writeStdout(`${s.size} (${humanSize(s.size)})\n`);
        } else {
          await writeStdout(`${s.size}\n`);
        }
      });
    });
}

/** A flag's value as a positive whole number, or a UsageError naming the flag. */
export function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(`${flag} takes a positive whole number, not "${value}"`);
  return n;
}

/** NUL bytes or invalid UTF-8 in the first chunk: what `less` and `git` call binary. */
function isBinary(chunk: Buffer): boolean {
  if (chunk.includes(0)) return true;
  try {
    // stream mode: a multi-byte character cut at the end of the chunk is not an error.
    new TextDecoder("utf-8", { fatal: true }).decode(chunk, { stream: true });
    return false;
  } catch {
    return true;
  }
}
