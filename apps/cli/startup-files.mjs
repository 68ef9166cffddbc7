/**
 * What `regatta` loads before it parses a command line, from esbuild's metafile of the CLI's chunks (dist/meta.json):
 * the main chunk (which bin.cjs loads at once) with its static imports, transitively. The other dynamic imports are what commands
 * load when they run. build.mjs fails when this set reaches the client, and startup.test.ts checks the build.
 */
export function startupFiles(metafile) {
  const { outputs } = metafile;
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const edge of outputs[file]?.imports ?? []) {
      if (edge.kind === "import-statement" && !edge.external) visit(edge.path);
    }
  };
  for (const [file, output] of Object.entries(outputs)) {
    if (output.entryPoint === "src/bin.ts" || output.entryPoint === "src/main.ts") visit(file);
  }
  const files = [...seen];
  const inputs = files.flatMap((file) =>
    Object.entries(outputs[file].inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
  );
  return { files, inputs };
}

/**
 * Inputs that `regatta --help` or a usage error must not load: the client and what it brings (its transport, auth,
 * layout, undici), cli-progress and the REPL come with the first command that needs them (issue 12).
 */
export const STARTUP_FORBIDDEN =
  /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(?:undici|cli-progress|node-repl-await|re2js)\/|packages\/(?:client|transport|auth|layout)\/|apps\/repl\//;
