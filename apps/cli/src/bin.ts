#!/usr/bin/env node
import { run } from "./program.js";

// A reader that closes the pipe early (`regatta blob … | head -c100`) is not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

run(process.argv).then((code) => {
  process.exitCode = code;
});
