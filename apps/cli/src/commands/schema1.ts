import { quotePath, SignatureError, UsageError } from "@regatta/errors";
import { parseReference } from "@regatta/reference";
import { type Command, Option } from "commander";
import type { CliContext } from "../cli-context.js";
import { platformFlag } from "../global-options.js";
import { countNoun, outputFile, writeJson, writeStdout } from "../output.js";

/** The most a key file may hold: a 4096-bit RSA JWK is under 4 KiB. */
const MAX_KEY_BYTES = 64 * 1024;

const keyOption = (required: boolean) =>
  new Option(
    "--key <file>",
    "libtrust private key: a JWK such as docker's key.json, or a PEM (EC PRIVATE KEY, PRIVATE KEY, RSA PRIVATE KEY)",
  ).makeOptionMandatory(required);

/**
 * A small input, whole: `-` is stdin; a path may be a regular file or a pipe, so that a key can come from a process
 * substitution (`--key <(vault read …)`) and never touch the disk.
 */
async function readInput(path: string, limit: number, what: string): Promise<Uint8Array> {
  if (path === "-") {
    const { readStdin } = await import("../local-files.js");
    return readStdin(limit);
  }
  // A pipe the process holds (`/dev/fd/63`) is read; a FIFO by name is refused at once, never waited on.
  const { readUserFile } = await import("@regatta/errors/user-file");
  return readUserFile(path, { maxBytes: limit, what });
}

/** The signing key a file holds (read when the command runs: node:fs and the client are not loaded at start-up). */
async function readKey(file: string) {
  const { loadSchema1Key } = await import("@regatta/client");
  const text = new TextDecoder().decode(await readInput(file, MAX_KEY_BYTES, "a key"));
  try {
    return loadSchema1Key(text);
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`--key ${quotePath(file)}: ${error.message}`);
    throw error;
  }
}

/** A manifest from a file, a pipe, or stdin for `-`. */
async function readManifest(file: string): Promise<Uint8Array> {
  const { MAX_MANIFEST_BYTES } = await import("@regatta/client");
  return readInput(file, MAX_MANIFEST_BYTES, "a manifest");
}

/**
 * `regatta schema1 keygen|convert|sign|verify|push`: Docker schema 1 manifests signed as libtrust signs them, for
 * registries and clients that speak only schema 1 (the heroku client's `manifest.Sign(m, key)`).
 */
export function registerSchema1(program: Command, cli: CliContext): void {
  const schema1 = program
    .command("schema1")
    .description(
      "make, sign, verify and push signed Docker schema 1 manifests (libtrust JWS), for old registries",
    )
    .addHelpText(
      "after",
      `
Examples:
  regatta schema1 keygen -o key.json && regatta schema1 convert ubuntu --key key.json > v1.json && regatta schema1 verify v1.json
  regatta schema1 convert ubuntu > v1.json && regatta schema1 keygen > key.json && regatta schema1 sign v1.json --key key.json | regatta schema1 verify -

Schema 1 is deprecated: distribution refuses it unless its config has compatibility.schema1.enabled: true, and
Docker Hub since 2024. Where it is accepted, \`regatta schema1 push IMAGE REPO:TAG --key key.json\` pushes one. A
registry keeps only the payload and signs it again with its own key when it serves it; the digest stays.
--key takes a file or a pipe: --key <(vault read -field=key secret/libtrust) keeps the key off the disk.`,
    );

  schema1
    .command("keygen")
    .description("make a libtrust EC P-256 private key (a JWK with its kid, as docker's key.json)")
    .option("-o, --output <file>", "write it to this new file (mode 0600), or - for stdout (the default)")
    .addHelpText(
      "after",
      `\nExamples:\n  regatta schema1 keygen -o key.json\n  regatta schema1 keygen > key.json`,
    )
    .action(async (opts: { output?: string }) => {
      const { manifests } = await import("@regatta/client");
      const key = await manifests.generateSchema1Key();
      const text = `${JSON.stringify(key)}\n`;
      const file = outputFile(opts.output);
      if (!file) return writeStdout(text);
      const { writeFile } = await import("node:fs/promises");
      // "wx": a key is never overwritten; 0600: it is a private key.
      await writeFile(file, text, { mode: 0o600, flag: "wx" }).catch((error: NodeJS.ErrnoException) => {
        throw error.code === "EEXIST"
          ? new UsageError(`${quotePath(file)} exists: keygen does not overwrite a key`)
          : error;
      });
      cli.info(`wrote ${quotePath(file)} (key ${key.kid})`);
    });

  schema1
    .command("convert")
    .description("print an image as a schema 1 manifest, built as distribution's schema 1 builder builds it")
    .argument("<image>", "the image (of an index, the --platform one, else this host's)")
    .argument("[name]", "REPO:TAG the manifest names (default: the image's)")
    .addOption(keyOption(false))
    .addOption(platformFlag())
    .addHelpText(
      "after",
      `\nExamples:\n  regatta schema1 convert ubuntu > ubuntu.v1.json\n  regatta schema1 convert alpine localhost:5000/old/alpine:3.20 --platform linux/arm64 --key <(regatta schema1 keygen)`,
    )
    .action(async (image: string, name: string | undefined, opts: { key?: string }, cmd: Command) => {
      const key = opts.key ? await readKey(opts.key) : undefined;
      const target = parseReference(name ?? image);
      await cli.withReference(cmd, image, async (reg, ref, flags) => {
        const converted = await reg.convertToSchema1(ref, target, key ? { key } : {});
        if (flags.json) {
          await writeJson({
            source: converted.source,
            digest: converted.digest,
            manifest: converted.manifest,
          });
        } else {
          await writeStdout(converted.bytes);
          if (process.stdout.isTTY) await writeStdout("\n");
        }
      });
    });

  schema1
    .command("sign")
    .description("add a libtrust signature to a schema 1 manifest file (its digest does not change)")
    .argument("<file>", "the manifest; - for stdin")
    .addOption(keyOption(true))
    .addHelpText(
      "after",
      `\nExamples:\n  regatta schema1 sign <(regatta schema1 convert ubuntu --key <(regatta schema1 keygen)) --key <(regatta schema1 keygen)`,
    )
    .action(async (file: string, opts: { key: string }) => {
      const key = await readKey(opts.key);
      const bytes = await readManifest(file);
      const { manifests } = await import("@regatta/client");
      await writeStdout(await manifests.signSchema1(bytes, key));
    });

  schema1
    .command("verify")
    .description(
      "check every signature of a schema 1 manifest: a file (or - for stdin), else an image reference",
    )
    .argument("<manifest>", "a file that exists, -, or an image reference")
    .addHelpText(
      "after",
      `\nExamples:\n  regatta schema1 verify <(regatta schema1 convert ubuntu --key <(regatta schema1 keygen))`,
    )
    .action(async (what: string, _opts: unknown, cmd: Command) => {
      const { existsSync } = await import("node:fs");
      const fromFile = what === "-" || existsSync(what);
      const check = async (bytes: Uint8Array) => {
        const { manifests } = await import("@regatta/client");
        const verified = await manifests.verifySchema1(bytes);
        if (verified.signatures.length === 0) {
          throw new SignatureError(
            `${what} is not signed: a schema 1 manifest without signatures (v1+json)`,
            {
              code: "UNSIGNED",
            },
          );
        }
        if (cli.flags(cmd).json) {
          await writeJson({
            digest: verified.digest,
            signatures: verified.signatures.map(({ keyId, alg, chain }) => ({
              keyId,
              alg,
              ...(chain ? { chain } : {}),
            })),
          });
          return;
        }
        for (const s of verified.signatures) {
          await writeStdout(
            `${s.keyId}\t${s.alg}${s.chain ? `\tx5c (${countNoun(s.chain.length, "certificate")})` : ""}\n`,
          );
        }
        cli.info(`${verified.signatures.length} signature(s) verified; digest ${verified.digest}`);
      };
      if (fromFile) return check(await readManifest(what));
      await cli.withReference(cmd, what, async (reg, ref) => {
        // getManifest verifies on the way; what it read is listed here.
        const got = await reg.manifest(ref, { accept: "schema1" });
        if (got.kind !== "schema1") {
          throw new UsageError(
            `${ref.familiar()} is a ${got.kind} manifest (${got.mediaType}), not schema 1`,
          );
        }
        await check(got.bytes);
      });
    });

  schema1
    .command("push")
    .description(
      "convert an image to schema 1, sign it and push it (layers copied to the target when missing)",
    )
    .argument("<image>", "the image (of an index, the --platform one, else this host's)")
    .argument("<target>", "REPO:TAG to push to (schema 1 names its tag)")
    .addOption(keyOption(true))
    .addOption(platformFlag())
    .option("--dry-run", "convert and sign, and list the blobs the target lacks, but write nothing")
    .addHelpText(
      "after",
      `\nExamples:\n  regatta schema1 push ubuntu localhost:5000/old/ubuntu:1 --key <(regatta schema1 keygen) --dry-run`,
    )
    .action(async (image: string, target: string, opts: { key: string; dryRun?: boolean }, cmd: Command) => {
      const source = parseReference(image);
      const to = parseReference(target);
      const key = await readKey(opts.key);
      await cli.withClient(cmd, to.registry, async (reg, flags) => {
        const pushed = await reg.pushSchema1(source, to, { key, ...(opts.dryRun ? { dryRun: true } : {}) });
        if (flags.json) {
          await writeJson({
            reference: pushed.reference.toString(),
            digest: pushed.digest,
            mediaType: pushed.mediaType,
            source: pushed.source,
            ...(pushed.missingBlobs ? { dryRun: true, missingBlobs: pushed.missingBlobs } : {}),
          });
          return;
        }
        await writeStdout(`${pushed.digest}\n`);
        if (pushed.missingBlobs) {
          const n = pushed.missingBlobs.length;
          cli.info(
            `dry run: would push ${to.familiar()} as signed schema 1 (key ${key.kid}), copying ${n} blob${n === 1 ? "" : "s"}; nothing was written`,
          );
        } else cli.info(`pushed ${to.familiar()} as signed schema 1 (key ${key.kid})`);
      });
    });
}
