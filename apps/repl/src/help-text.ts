import type { Colors } from "@regatta/present";

/** What `help()` and `.help` print: the few calls worth knowing, then the commands. */
export function helpText(c: Colors, commands: [string, string][]): string {
  const example = (code: string, what: string) => `  ${c.cyan(code.padEnd(44))} ${c.dim(what)}`;
  return [
    c.bold("reg is a connected RegistryClient; every call returns a promise, printed once it settles."),
    example("reg.repositories()", "every repository (the registry's catalog)"),
    example('reg.tags("team/api")', "one page of tags; reg.allTags(…) for every page"),
    example('reg.manifest("team/api:1.0")', "the manifest as coloured JSON, with its digest"),
    example('reg.resolve("alpine", "linux/arm64")', "the image an index holds for one platform"),
    example('reg.inspect("team/api:1.0")', "platforms, layers and sizes as tables"),
    example('reg.config("team/api:1.0")', "the image config"),
    example('reg.digest("team/api:1.0")', "sha256:… (a HEAD request)"),
    example('const b = reg.blob("team/api@sha256:…")', "a blob handle, never dumped"),
    example('await b.toFile("layer.tgz")', "saved and verified"),
    example('const hub = await connect("docker.io")', "another registry (same TLS and proxy settings)"),
    example('parseReference("alpine").toString()', "docker.io/library/alpine:latest"),
    "",
    `${c.bold("await")} is optional at the top level. TAB completes methods, and repository and tag names inside quotes.`,
    `${c.bold("Ctrl-C")} aborts the request in flight; Ctrl-D or .exit leaves. ${c.bold("_")} is the last result.`,
    "Also in scope: manifests (media types), the error classes (NotFoundError, …), humanSize, createClient.",
    "",
    c.bold("Commands"),
    ...commands.map(([name, text]) => `  ${c.cyan(`.${name}`.padEnd(16))} ${text}`),
  ].join("\n");
}
