import type { HeadResult, RegistryClient } from "@regatta/client";
import { AbortError, NotFoundError } from "@regatta/errors";
import { parseReference, type Reference } from "@regatta/reference";
import type { Command } from "commander";
import { type BatchFailure, batchError, reportFailure } from "../batch.js";
import type { CliContext } from "../cli-context.js";
import { platformFlag } from "../global-options.js";
import { writeJson, writeStdout } from "../output.js";

/** HEADs in flight at once for several references; the answers are printed in the order the references were given. */
const DIGEST_CONCURRENCY = 8;

/** `regatta digest REFERENCE...`: the digest each reference names, and where that digest came from. */
export function registerDigest(program: Command, cli: CliContext): void {
  program
    .command("digest")
    .description(
      "print the digest of the manifest a reference names (sha256:…); several references, one line each",
    )
    .argument("<references...>", "image references")
    .addOption(platformFlag())
    .option(
      "--verify",
      "GET the manifest and hash it instead of trusting the registry's Docker-Content-Digest header",
    )
    .addHelpText(
      "after",
      "\nA HEAD's digest is the registry's claim; --json says where it came from (source: header, verified or" +
        "\nreference). A reference with a digest that the registry names differently is an error." +
        "\n\nWith one reference the digest alone is printed. With several, one line each, `DIGEST  REFERENCE` (as" +
        "\nsha256sum prints), in the order given, with one client; --json prints an array. A reference that fails is" +
        "\nreported on stderr and the others are still printed; the exit status is then non-zero (the failures' own" +
        "\nwhen they agree, e.g. 3 when all were not found, else 1)." +
        "\n\nExamples:\n  regatta digest alpine:3.20\n  regatta digest alpine:3.20 --verify --json" +
        "\n  regatta digest alpine:3.20 --platform linux/arm64/v8" +
        "\n  regatta digest alpine:3.20 alpine:latest localhost:5000/team/api:1.0",
    )
    .action(async (references: string[], opts: { verify?: boolean }, cmd: Command) => {
      // A reference that does not parse is a failure among others (reported, the rest printed, exit 2 when it is the
      // only kind); alone, or with no valid one beside it, it is bad usage before any request.
      const refs = references.map(parseOrError);
      const first = refs.find((r): r is Reference => !(r instanceof Error));
      if (!first) throw refs[0];
      await cli.withClient(cmd, first.registry, async (reg, flags) => {
        const answers = await headAll(reg, refs, opts.verify ? { verify: true } : {});
        if (refs.length === 1) {
          const [answer] = answers;
          if ("error" in answer!) throw answer.error;
          await writeStdout(
            flags.json
              ? `${JSON.stringify({ reference: first.toString(), digest: answer!.head.digest, source: answer!.head.source })}\n`
              : `${answer!.head.digest}\n`,
          );
          return;
        }
        const failures: BatchFailure[] = [];
        const json: object[] = [];
        for (const [i, answer] of answers.entries()) {
          const given = references[i]!;
          if ("error" in answer) {
            if (answer.error instanceof AbortError) throw answer.error;
            failures.push({ what: given, error: answer.error });
            const { message } =
              answer.error instanceof Error ? answer.error : { message: String(answer.error) };
            const code = (answer.error as { code?: string }).code;
            const reference = refs[i] instanceof Error ? given : String(refs[i]);
            json.push({ reference, error: { message, ...(code ? { code } : {}) } });
            if (!flags.json) reportFailure(failures.at(-1)!, Boolean(flags.verbose), cli.sides);
            continue;
          }
          if (flags.json) {
            json.push({
              reference: refs[i]!.toString(),
              digest: answer.head.digest,
              source: answer.head.source,
            });
          } else await writeStdout(`${answer.head.digest}  ${given}\n`);
        }
        if (flags.json) await writeJson(json);
        if (failures.length) throw batchError(failures, refs.length, "references");
      });
    });
}

type Answer = { head: HeadResult } | { error: unknown };

/** The parsed reference, or the error that says why it is none. */
function parseOrError(given: string): Reference | Error {
  try {
    return parseReference(given);
  } catch (error) {
    return error as Error;
  }
}

/** HEADs every reference, `DIGEST_CONCURRENCY` at once; each answer or error in the order given. */
async function headAll(
  reg: RegistryClient,
  refs: (Reference | Error)[],
  options: { verify?: boolean },
): Promise<Answer[]> {
  const answers: Answer[] = new Array(refs.length);
  let next = 0;
  const worker = async () => {
    while (next < refs.length) {
      const i = next++;
      const ref = refs[i]!;
      if (ref instanceof Error) {
        answers[i] = { error: ref };
        continue;
      }
      try {
        answers[i] = { head: await reg.head(ref, options) };
      } catch (error) {
        answers[i] = { error: await withRegistryCode(reg, ref, error) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DIGEST_CONCURRENCY, refs.length) }, worker));
  return answers;
}

/**
 * A HEAD's 404 has no body to say whether the repository or the manifest is unknown, so its error's code is a guess.
 * A script branches on it (`--json`), so the GET that the registry answers with its own code is asked, only then.
 */
async function withRegistryCode(reg: RegistryClient, ref: Reference, error: unknown): Promise<unknown> {
  if (!(error instanceof NotFoundError) || error.errors.length > 0) return error;
  try {
    await reg.manifest(ref);
    return error;
  } catch (fromGet) {
    return fromGet instanceof NotFoundError ? fromGet : error;
  }
}
