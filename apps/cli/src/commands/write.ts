import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { type ConnectOptions, type CopyResult, UsageError } from "@regatta/client";
import { parseReference, parseRepository } from "@regatta/reference";
import type { Command } from "commander";
import type { CredentialSide } from "../access-hint.js";
import { type CliContext, GLOBAL_CREDENTIAL_FLAGS } from "../cli-context.js";
import type { GlobalFlags } from "../global-options.js";
import { interruptSignal } from "../interrupt.js";
import { humanSize, writeStdout } from "../output.js";
import { transferProgress } from "../transfer-progress.js";
import { positiveInt } from "./read.js";

/** The most `put-manifest` reads: registries refuse manifests over 4 MiB. */
const MANIFEST_LIMIT = 4 * 1024 * 1024;

/** The write commands: put-blob, put-manifest, tag, copy, mount, delete, rmtag, rmrepo. */
export function registerWriteCommands(program: Command, cli: CliContext): void {
  program
    .command("put-blob")
    .description("upload a file as a blob and print its digest (nothing is sent when the registry has it)")
    .argument("<repository>", "e.g. localhost:5000/team/api")
    .argument("<file>", "the blob's content; - for stdin")
    .option("--digest <digest>", "the digest the content must have (checked before anything is sent)")
    .option("--chunk-size <size>", "upload in chunks of this size (e.g. 8MiB) instead of one request")
    .option(
      "--mount-from <repository>",
      "mount the blob from this repository of the same registry if it has it",
    )
    .option("--force", "upload even when the registry has the blob")
    .addHelpText(
      "after",
      "\nExamples:\n  regatta put-blob localhost:5000/my/repo ./layer.tar.gz\n  regatta get-blob alpine sha256:… | regatta put-blob localhost:5000/alpine -",
    )
    .action(
      async (
        repository: string,
        file: string,
        opts: { digest?: string; chunkSize?: string; mountFrom?: string; force?: boolean },
        cmd: Command,
      ) => {
        const repo = parseRepository(repository);
        const flags = cli.flags(cmd);
        const chunkSize =
          opts.chunkSize === undefined ? undefined : parseSize(opts.chunkSize, "--chunk-size");
        let source: (() => Readable) | Readable;
        let size: number | undefined;
        let digest = opts.digest;
        if (file === "-") {
          source = process.stdin;
        } else {
          size = (await statFile(file)).size;
          source = () => createReadStream(file);
          // Hashing the file first lets the registry be asked whether it has the blob, and checks --digest.
          const actual = await hashFile(file, digest);
          if (digest && actual !== digest) {
            throw new UsageError(
              `${file} has digest ${actual}, not ${digest} as --digest says; nothing was sent`,
            );
          }
          digest = actual;
        }
        await cli.withClient(cmd, repo.registry, async (reg) => {
          // A bar needs a size: a file has one, stdin does not.
          const progress = transferProgress({
            enabled: Boolean(process.stderr.isTTY) && !flags.json && size !== undefined,
          });
          if (size !== undefined) progress.onEvent({ type: "plan", blobs: [], bytes: size, manifests: 0 });
          try {
            const pushed = await reg.pushBlob(repo, source, {
              ...(digest ? { digest } : {}),
              ...(size !== undefined ? { size } : {}),
              ...(chunkSize !== undefined ? { chunkSize } : {}),
              ...(opts.mountFrom ? { mountFrom: parseRepository(opts.mountFrom) } : {}),
              ...(opts.force ? { force: true } : {}),
              ...interruptSignal(),
              onProgress: (bytes, total) => {
                progress.onEvent({
                  type: "blob-progress",
                  digest: digest ?? "",
                  size: total ?? bytes,
                  bytes,
                });
              },
            });
            progress.stop();
            if (flags.json) {
              await writeStdout(`${JSON.stringify(pushed)}\n`);
              return;
            }
            if (pushed.skipped) cli.info(`${repo.name} has ${pushed.digest} already: nothing sent`);
            else if (pushed.mounted) cli.info(`mounted ${pushed.digest} into ${repo.name}`);
            await writeStdout(`${pushed.digest}\n`);
          } finally {
            progress.stop();
          }
        });
      },
    );

  program
    .command("put-manifest")
    .description("push a manifest file as it is (its digest is the digest of the file) and print the digest")
    .argument("<reference>", "where to push: REPO[:TAG] (default tag latest) or REPO@DIGEST")
    .argument("<file>", "the manifest; - for stdin")
    .option("--content-type <type>", "the media type to send (default: the manifest's mediaType)")
    .addHelpText(
      "after",
      "\nExamples:\n  regatta put-manifest localhost:5000/my/repo:1.0 ./manifest.json\n  regatta manifest alpine | regatta put-manifest localhost:5000/alpine:copy -",
    )
    .action(async (reference: string, file: string, opts: { contentType?: string }, cmd: Command) => {
      const ref = parseReference(reference);
      const flags = cli.flags(cmd);
      const bytes =
        file === "-" ? await readStdin(MANIFEST_LIMIT) : await readSmallFile(file, MANIFEST_LIMIT);
      await cli.withClient(cmd, ref.registry, async (reg) => {
        const pushed = await reg.putManifest(
          ref,
          bytes,
          opts.contentType ? { mediaType: opts.contentType } : {},
        );
        if (flags.json) {
          await writeStdout(
            `${JSON.stringify({ reference: pushed.reference.toString(), digest: pushed.digest, mediaType: pushed.mediaType, size: pushed.size })}\n`,
          );
        } else {
          await writeStdout(`${pushed.digest}\n`);
        }
      });
    });

  program
    .command("tag")
    .description("give a manifest another tag or name in the same registry (no blob moves; the digest stays)")
    .argument("<source>", "the image, e.g. localhost:5000/team/api:1.0")
    .argument("<target>", "a tag (1.0-stable) or a reference in the same registry (team/api-stable:1.0)")
    .addHelpText(
      "after",
      "\nExamples:\n  regatta tag localhost:5000/team/api:1.0 latest\n  regatta tag localhost:5000/team/api:1.0 localhost:5000/team/release:1.0",
    )
    .action(async (source: string, target: string, _opts: unknown, cmd: Command) => {
      const ref = parseReference(source);
      const flags = cli.flags(cmd);
      await cli.withClient(cmd, ref.registry, async (reg) => {
        const pushed = await reg.tag(ref, target);
        if (flags.json) {
          await writeStdout(
            `${JSON.stringify({ source: ref.toString(), target: pushed.reference.toString(), digest: pushed.digest })}\n`,
          );
          return;
        }
        cli.info(`tagged ${ref.familiar()} as ${pushed.reference.withoutDigest().familiar()}`);
        await writeStdout(`${pushed.digest}\n`);
      });
    });

  program
    .command("copy")
    .alias("cp")
    .description("copy an image or index to another repository or registry; blobs stream straight across")
    .argument("<source>", "e.g. alpine:3.20 or localhost:5000/team/api:1.0")
    .argument("<target>", "e.g. localhost:5001/team/api (the source's tag is kept) or …/api:2.0")
    .option("--all-platforms", "copy an index with every platform (the default; --platform chooses some)")
    .option(
      "--platform <list>",
      "comma-separated platforms to keep, e.g. linux/amd64,linux/arm64: the index is rewritten to list only those",
    )
    .option("-j, --jobs <n>", "blobs copied at once (default 4)")
    .option("--force", "send blobs and manifests even when the target has them")
    .option("--no-verify", "leave blob digests to the target registry to check (one hash fewer per byte)")
    .option("--src-username <user>", "username for the source registry")
    .option("--src-password <password>", "password for the source registry (or REGATTA_SRC_PASSWORD)")
    .option("--dest-username <user>", "username for the target registry (default -u)")
    .option("--dest-password <password>", "password for the target registry (or REGATTA_DEST_PASSWORD)")
    .addHelpText(
      "after",
      `
Progress is drawn on a terminal; --json prints a summary (digests, bytes moved, blobs skipped and mounted).

Examples:
  regatta copy localhost:5000/team/api:1.0 localhost:5001/team/api
  regatta copy alpine:3.20 localhost:5000/mirror/alpine --platform linux/amd64,linux/arm64
  regatta copy ghcr.io/org/app:1 registry.example/app:1 --src-username me -u ci --password-stdin   # source password in REGATTA_SRC_PASSWORD`,
    )
    .action(async (source: string, target: string, opts: CopyFlags, cmd: Command) => {
      const src = parseReference(source);
      const dst = parseReference(target, { defaultTag: false });
      const flags = cli.flags(cmd);
      if (opts.allPlatforms && flags.platform) {
        throw new UsageError("--all-platforms and --platform exclude each other");
      }
      const jobs = opts.jobs === undefined ? undefined : positiveInt(opts.jobs, "--jobs");
      const platforms = flags.platform
        ? flags.platform
            .split(",")
            .map((p) => p.trim())
            .filter(Boolean)
        : undefined;
      const extra = copyCredentials(opts, src.registry, dst.registry);
      cli.credentialSides(copySides(opts, flags, src, dst));
      await cli.withClient(
        cmd,
        dst.registry,
        async (reg) => {
          const started = Date.now();
          const progress = transferProgress({ enabled: Boolean(process.stderr.isTTY) && !flags.json });
          let result: CopyResult;
          try {
            result = await reg.copy(src, dst, {
              ...(platforms ? { platforms } : { platforms: "all" }),
              ...(jobs ? { concurrency: jobs } : {}),
              ...(opts.force ? { force: true } : {}),
              ...(opts.verify === false ? { verify: false } : {}),
              ...interruptSignal(),
              onProgress: (event) => progress.onEvent(event),
            });
          } finally {
            progress.stop();
          }
          const seconds = (Date.now() - started) / 1000;
          const count = (outcome: string) => result.blobs.filter((b) => b.outcome === outcome).length;
          if (flags.json) {
            await writeStdout(
              `${JSON.stringify({
                source: result.source,
                target: result.target,
                digest: result.digest,
                sourceDigest: result.sourceDigest,
                mediaType: result.mediaType,
                rewritten: result.rewritten,
                upToDate: result.upToDate,
                manifests: result.manifests,
                blobs: {
                  total: result.blobs.length,
                  uploaded: count("uploaded"),
                  mounted: count("mounted"),
                  skipped: count("skipped"),
                  foreign: count("foreign"),
                  list: result.blobs,
                },
                bytesUploaded: result.bytesUploaded,
                seconds,
              })}\n`,
            );
            return;
          }
          if (result.upToDate) {
            cli.info(`${dst.familiar()} is up to date (${result.digest})`);
          } else {
            cli.info(
              `copied ${src.familiar()} to ${result.target}: ${result.blobs.length} blobs (${count("uploaded")} uploaded, ${count("mounted")} mounted, ${count("skipped")} skipped), ${humanSize(result.bytesUploaded)} in ${seconds.toFixed(1)} s${result.rewritten ? `; index rewritten for ${platforms?.join(", ")}` : ""}`,
            );
          }
          await writeStdout(`${result.digest}\n`);
        },
        extra,
      );
    });

  program
    .command("mount")
    .description("mount a blob from one repository into another of the same registry (streamed if declined)")
    .argument("<source>", "REPO@DIGEST, the blob to mount")
    .argument("<target>", "the repository to mount it into (same registry)")
    .addHelpText("after", "\nExample:\n  regatta mount localhost:5000/base@sha256:… localhost:5000/team/api")
    .action(async (source: string, target: string, _opts: unknown, cmd: Command) => {
      const ref = parseReference(source);
      if (!ref.digest) throw new UsageError(`mount needs the blob's digest: ${source}@sha256:…`);
      const to = parseRepository(target, { defaultRegistry: ref.registry });
      const flags = cli.flags(cmd);
      await cli.withClient(cmd, ref.registry, async (reg) => {
        const done = await reg.mountBlob(ref.repositoryOnly(), to, ref.digest as string);
        if (flags.json) await writeStdout(`${JSON.stringify(done)}\n`);
        else {
          cli.info(
            done.mounted
              ? `mounted into ${to.name}`
              : `the registry declined the mount: uploaded into ${to.name}`,
          );
          await writeStdout(`${done.digest}\n`);
        }
      });
    });

  program
    .command("delete")
    .description(
      "delete a manifest by digest, with every tag that names it (refused when REPO:TAG shares it with other tags)",
    )
    .argument("<reference>", "REPO:TAG or REPO@DIGEST")
    .option("--force", "delete even when other tags name the manifest: they all go, and are listed")
    .addHelpText(
      "after",
      "\nRegistries delete manifests, not tags: every tag naming the manifest goes with it. Given REPO:TAG, delete" +
        "\nlooks for the other tags first and refuses unless --force; rmtag removes one tag only." +
        "\n\nExamples:\n  regatta delete localhost:5000/team/api@sha256:…\n  regatta delete localhost:5000/team/api:1.0 --force --json",
    )
    .action(async (reference: string, opts: { force?: boolean }, cmd: Command) => {
      const ref = parseReference(reference);
      const flags = cli.flags(cmd);
      await cli.withClient(cmd, ref.registry, async (reg) => {
        const deleted = await reg.deleteManifest(ref, opts.force ? { force: true } : {});
        if (flags.json) {
          await writeStdout(
            `${JSON.stringify({ reference: deleted.reference.toString(), digest: deleted.digest, tags: deleted.tags, ...(deleted.tagsComplete ? {} : { tagsComplete: false }) })}\n`,
          );
        } else {
          const tags = deleted.tags.length ? ` and its tags ${deleted.tags.join(", ")}` : " (it had no tags)";
          const unknown = deleted.tagsComplete
            ? ""
            : "; the repository has too many tags to check which others named it: any that did are gone too";
          cli.info(
            `deleted ${deleted.reference.repositoryOnly().familiar()}@${deleted.digest}${tags}${unknown}`,
          );
          await writeStdout(`${deleted.digest}\n`);
        }
      });
    });

  program
    .command("rmtag")
    .description("delete one tag, leaving the manifest and its other tags (on every registry)")
    .argument("<reference>", "REPO:TAG")
    .addHelpText(
      "after",
      "\nUses the OCI 1.1 tag delete where the registry has it; elsewhere (distribution 2.x) the tag is moved to a" +
        "\nsmall throwaway manifest that is then deleted by digest, so no other tag moves." +
        "\n\nExample:\n  regatta rmtag localhost:5000/team/api:latest",
    )
    .action(async (reference: string, _opts: unknown, cmd: Command) => {
      const ref = parseReference(reference);
      const flags = cli.flags(cmd);
      await cli.withClient(cmd, ref.registry, async (reg) => {
        const done = await reg.deleteTag(ref);
        if (flags.json) {
          await writeStdout(
            `${JSON.stringify({ reference: ref.toString(), deleted: true, digest: done.digest, method: done.method, kept: done.kept })}\n`,
          );
        } else {
          const kept = done.kept.length ? `; still tagged ${done.kept.join(", ")}` : "";
          cli.info(`deleted tag ${ref.familiar()} (the manifest ${done.digest} stays${kept})`);
        }
      });
    });

  program
    .command("rmrepo")
    .description("delete every manifest of every tag of a repository (the Ruby gem's rmrepo)")
    .argument("<repository>", "e.g. localhost:5000/team/old")
    .action(async (repository: string, _opts: unknown, cmd: Command) => {
      const repo = parseRepository(repository);
      const flags = cli.flags(cmd);
      await cli.withClient(cmd, repo.registry, async (reg) => {
        const deleted = await reg.deleteRepository(repo);
        if (flags.json) {
          await writeStdout(`${JSON.stringify(deleted)}\n`);
          return;
        }
        cli.info(
          `deleted ${deleted.digests.length} manifests of ${deleted.tags.length} tags from ${deleted.repository}`,
        );
        await writeStdout(deleted.digests.map((d) => `${d}\n`).join(""));
      });
    });
}

interface CopyFlags {
  allPlatforms?: boolean;
  /** commander's `--no-verify`: false when given. */
  verify?: boolean;
  jobs?: string;
  force?: boolean;
  srcUsername?: string;
  srcPassword?: string;
  destUsername?: string;
  destPassword?: string;
}

/** Per-registry credentials of a copy: `--src-*` for the source, `--dest-*` (or -u/-p) for the target. */
export function copyCredentials(opts: CopyFlags, source: string, target: string): ConnectOptions {
  const pair = (user: string | undefined, password: string | undefined, env: string, flag: string) => {
    if (user === undefined) {
      if (password !== undefined) throw new UsageError(`--${flag}-password needs --${flag}-username`);
      return undefined;
    }
    const secret = password ?? process.env[env];
    if (secret === undefined) throw new UsageError(`--${flag}-username needs --${flag}-password (or ${env})`);
    return { username: user, password: secret };
  };
  const src = pair(opts.srcUsername, opts.srcPassword, "REGATTA_SRC_PASSWORD", "src");
  const dst = pair(opts.destUsername, opts.destPassword, "REGATTA_DEST_PASSWORD", "dest");
  if (src && dst && source === target && (src.username !== dst.username || src.password !== dst.password)) {
    throw new UsageError(`source and target are both on ${source}: give one set of credentials`);
  }
  const hosts = { ...(src ? { [source]: src } : {}), ...(dst ? { [target]: dst } : {}) };
  return Object.keys(hosts).length ? { hosts } : {};
}

/** Which flags give credentials to each side of a copy, for the hint of a refused request (issue 10, item 16). */
export function copySides(
  opts: CopyFlags,
  flags: GlobalFlags,
  src: { registry: string; repository: string },
  dst: { registry: string; repository: string },
): CredentialSide[] {
  return [
    {
      registry: src.registry,
      repository: src.repository,
      flags: "--src-username/--src-password",
      given: opts.srcUsername !== undefined,
    },
    {
      registry: dst.registry,
      repository: dst.repository,
      flags: `--dest-username/--dest-password or ${GLOBAL_CREDENTIAL_FLAGS}`,
      given: opts.destUsername !== undefined || flags.username !== undefined,
    },
  ];
}

async function statFile(file: string) {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new UsageError(`${file} is not a file`);
    return info;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`,
    );
  }
}

/** The digest of a file, in the algorithm of `like` when given (sha256 otherwise). */
async function hashFile(file: string, like?: string): Promise<string> {
  const algorithm = like?.startsWith("sha512:") ? "sha512" : "sha256";
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `${algorithm}:${hash.digest("hex")}`;
}

async function readSmallFile(file: string, limit: number): Promise<Uint8Array> {
  const info = await statFile(file);
  if (info.size > limit)
    throw new UsageError(`${file} is ${humanSize(info.size)}: more than a manifest can be`);
  return readFile(file);
}

async function readStdin(limit: number): Promise<Uint8Array> {
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

/** `1048576`, `512KiB`, `8M`, `16MiB`, `1G`: binary units, as chunk sizes are. */
export function parseSize(value: string, flag: string): number {
  const match = /^(\d+)\s*([kmg]?)(?:i?b)?$/i.exec(value.trim());
  if (!match) throw new UsageError(`${flag} takes a size such as 8MiB or 1048576, not "${value}"`);
  const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[
    match[2]!.toLowerCase() as "" | "k" | "m" | "g"
  ];
  const size = Number(match[1]) * unit;
  if (size <= 0) throw new UsageError(`${flag} must be more than 0`);
  return size;
}
