import type { Referrer, ReferrerNode } from "@regatta/client";
import type { Command } from "commander";
import type { CliContext } from "../cli-context.js";
import { escapeControls, writeJson, writeStdout } from "../output.js";

/** `regatta referrers REF`: the signatures, SBOMs and attestations of an image (referrers/ in the client). */
export function registerReferrers(program: Command, cli: CliContext): void {
  program
    .command("referrers")
    .description(
      "list what refers to an image: OCI 1.1 referrers (the API, or the sha256-<hex> fallback tag) and cosign's .sig/.att/.sbom tags",
    )
    .argument("<reference>", "the subject image, by tag or digest")
    .option("--artifact-type <type>", "only referrers of this artifact type")
    .option("--no-cosign", "do not look for cosign's legacy tags")
    .option("--tree", "show the referrers of each referrer too (a signature of an SBOM), as a tree")
    .addHelpText(
      "after",
      "\nEach line: DIGEST  ARTIFACT-TYPE  SOURCE (referrers-api, referrers-tag or cosign-tag). A registry without the" +
        "\nreferrers API (distribution 2.8, GHCR) answers 404 and the fallback tag is read instead; a fallback tag that" +
        "\nis not an index of referrers (GitLab answers the image itself) is ignored, and said so on stderr." +
        "\n\nExamples:\n  regatta referrers localhost:5000/team/api:1.0\n  regatta referrers localhost:5000/team/api:1.0 --tree\n  regatta referrers localhost:5000/team/api:1.0 --artifact-type application/spdx+json --json",
    )
    .action(
      async (
        reference: string,
        opts: { artifactType?: string; cosign: boolean; tree?: boolean },
        cmd: Command,
      ) => {
        await cli.withReference(cmd, reference, async (reg, ref, flags) => {
          const options = {
            ...(opts.artifactType !== undefined ? { artifactType: opts.artifactType } : {}),
            cosign: opts.cosign,
          };
          const found = opts.tree ? await reg.referrerTree(ref, options) : await reg.referrers(ref, options);
          if (flags.json) {
            await writeJson({
              subject: found.subject.toString(),
              digest: found.digest,
              api: found.api,
              referrers: found.referrers,
              ...(found.ignored !== undefined ? { ignored: found.ignored } : {}),
            });
            return;
          }
          if (!found.api) cli.info(`no referrers API on ${ref.registry}: read the fallback tag instead`);
          if (found.ignored !== undefined) cli.info(`ignored: ${escapeControls(found.ignored)}`);
          const line = (r: Referrer) => `${r.digest}  ${escapeControls(r.artifactType ?? "-")}  ${r.source}`;
          if (!opts.tree) {
            await writeStdout(found.referrers.map((r) => `${line(r)}\n`).join(""));
            return;
          }
          await writeStdout(
            `${found.digest}\n${treeLines(found.referrers as ReferrerNode[], "", line).join("")}`,
          );
        });
      },
    );
}

/** The tree drawn as `tree(1)` draws directories: `├── `, `└── `, and `│   ` down the open branches. */
function treeLines(nodes: ReferrerNode[], indent: string, line: (r: Referrer) => string): string[] {
  return nodes.flatMap((node, i) => {
    const last = i === nodes.length - 1;
    return [
      `${indent}${last ? "└── " : "├── "}${line(node)}\n`,
      ...treeLines(node.referrers, `${indent}${last ? "    " : "│   "}`, line),
    ];
  });
}
