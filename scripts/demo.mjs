#!/usr/bin/env node
// A short tour of regatta against a real CNCF distribution registry started on a free 127.0.0.1 port.
// Every command shown is the built CLI, run as a user would run it; the registry is stopped at the end.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateIndex, startRegistry } from "../packages/testkit/dist/index.js";

const bin = new URL("../apps/cli/dist/bin.cjs", import.meta.url).pathname;
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function regatta(args, { show = true, maxLines = 40 } = {}) {
  if (show) console.log(bold(`\n$ regatta ${args.join(" ")}`));
  const out = execFileSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (show && out) {
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
  // A small generated 3-platform image (no Docker engine, no internet), written as an OCI image layout on disk.
  const index = await generateIndex({
    platforms: ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"],
    mediaTypes: "oci",
  });
  const layout = writeLayout(index);
  console.log(`Generated a 3-platform image as an OCI layout in ${layout}`);

  regatta(["push", layout, `${host}/demo/hello:1.0`]);
  regatta(["tag", `${host}/demo/hello:1.0`, `${host}/demo/hello:latest`]);
  regatta(["copy", `${host}/demo/hello:1.0`, `${host}/demo/copy:1.0`]);

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

  const out = mkdtempSync(join(tmpdir(), "regatta-demo-pull-"));
  regatta(["pull", `${host}/demo/hello:1.0`, join(out, "hello.tar"), "--platform", "linux/arm64"]);
  regatta(["pull", `${host}/demo/hello:1.0`, join(out, "oci"), "--all-platforms"]);
  regatta(["digest", `${host}/demo/copy:1.0`]);
  regatta(["delete", `${host}/demo/copy:1.0`]);
  regatta(["tags", `${host}/demo/copy`, "--json"]);
  rmSync(out, { recursive: true, force: true });
  rmSync(layout, { recursive: true, force: true });
} finally {
  await registry.stop();
  console.log(`\nStopped the registry at ${registry.url}.`);
}

/** Writes a generated index and its children as an OCI image layout (oci-layout, index.json, blobs/sha256/…). */
function writeLayout(index) {
  const dir = mkdtempSync(join(tmpdir(), "regatta-demo-layout-"));
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  const put = (doc) =>
    writeFileSync(join(dir, "blobs", "sha256", doc.digest.slice("sha256:".length)), doc.bytes);
  for (const child of index.children) [child.config, ...child.layers, child.manifest].forEach(put);
  put(index.index);
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  const entry = { ...index.index.descriptor, annotations: { "org.opencontainers.image.ref.name": "1.0" } };
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [entry],
    }),
  );
  return dir;
}
