#!/usr/bin/env node
// A short tour of regatta against a real CNCF distribution registry started on a free 127.0.0.1 port.
// Every command shown is the built CLI, run as a user would run it; the registry is stopped at the end.
import { execFileSync } from "node:child_process";
import { generateIndex, pushImage, startRegistry } from "../packages/testkit/dist/index.js";

const bin = new URL("../apps/cli/dist/bin.js", import.meta.url).pathname;
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function regatta(args, { show = true, maxLines = 40 } = {}) {
  if (show) console.log(bold(`\n$ regatta ${args.join(" ")}`));
  const out = execFileSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (show) {
    const lines = out.replace(/\n$/, "").split("\n");
    console.log(
      lines.slice(0, maxLines).join("\n") +
        (lines.length > maxLines ? `\n… (${lines.length - maxLines} more lines)` : ""),
    );
  }
  return out;
}

const registry = await startRegistry({ auth: "none" });
console.log(`Started CNCF distribution (Debian's docker-registry) at ${registry.url}`);
try {
  const host = registry.host;
  // Seed a small generated multi-platform image with plain HTTP calls (the test kit's image generator).
  const index = await generateIndex({
    platforms: ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"],
    mediaTypes: "oci",
  });
  for (const tag of ["1.0", "1.1", "latest"]) await pushImage(registry.url, "demo/hello", tag, index);
  console.log(`Pushed a generated 3-platform image as ${host}/demo/hello:{1.0,1.1,latest}`);

  regatta(["catalog", host]);
  regatta(["tags", `${host}/demo/hello`]);
  regatta(["tags", `${host}/demo/hello`, "--json"]);
  regatta(["digest", `${host}/demo/hello:1.0`]);
  regatta(["inspect", `${host}/demo/hello:1.0`]);
  regatta(["manifest", `${host}/demo/hello:1.0`, "--platform", "linux/arm64"]);
  regatta(["inspect", `${host}/demo/hello:1.0`, "--platform", "linux/arm/v7"]);
  const manifest = JSON.parse(
    regatta(["manifest", `${host}/demo/hello:1.0`, "--platform", "linux/amd64"], { show: false }),
  );
  regatta(["blob", `${host}/demo/hello@${manifest.config.digest}`]);
  regatta(["size", `${host}/demo/hello:1.0`]);
  regatta(["-v", "digest", `${host}/demo/hello:latest`]);
} finally {
  await registry.stop();
  console.log(`\nStopped the registry at ${registry.url}.`);
}
