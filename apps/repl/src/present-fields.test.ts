/**
 * Every presenter of the REPL puts what a registry (or an image's author) chose into its lines through the field
 * escaping: a newline cannot forge a line, a tab cannot forge a column, and an `ESC[31m` cannot pass for the REPL's
 * own red at the output boundary (which lets newline, tab and its styles through).
 */
import { parseReference } from "@regatta/client";
import pc from "picocolors";
import { describe, expect, it } from "vitest";
import { present } from "./present.js";

/** Newline, tab and an allowed style, each of which the boundary alone lets through. */
const H = "x\n  forged=1\tcol\x1b[31mred";
const digest = `sha256:${"a".repeat(64)}`;
const ref = parseReference("r.example/team/nl:1");

const summary = {
  reference: `r.example/team/nl:${H}`,
  digest,
  mediaType: `application/${H}`,
  kind: "image",
  size: 10,
  platform: `linux/${H}`,
  created: H,
  artifactType: H,
  subject: H,
  entrypoint: [H],
  cmd: ["sh", H],
  env: [`A=${H}`],
  user: H,
  workingDir: H,
  exposedPorts: [H],
  volumes: [H],
  stopSignal: H,
  labels: { [`k${H}`]: H },
  layers: [{ digest, size: 1, mediaType: H }],
};

const cases: [string, unknown][] = [
  ["an image summary (reg.inspect)", summary],
  ["a tag list", { name: H, tags: [H] }],
  [
    "a manifest",
    { reference: ref, digest, kind: "image", mediaType: H, size: 2, manifest: {}, bytes: new Uint8Array(2) },
  ],
  ["a config", { digest, mediaType: H, config: { a: H }, bytes: new Uint8Array(2) }],
  [
    "an inventory",
    {
      repository: H,
      tags: [{ tag: H, digest, kind: "image", platforms: [H], size: 1, sharedCount: 0 }],
      shared: [],
      fetched: {},
      vanished: [H],
    },
  ],
  ["a file listing", { path: "/", image: H, entries: [] }],
  [
    "referrers",
    {
      subject: ref,
      digest,
      api: false,
      ignored: H,
      referrers: [{ digest, mediaType: H, size: 1, annotations: { "org.opencontainers.image.title": H } }],
    },
  ],
  [
    "an auth report",
    { reference: H, actions: [H], summary: H, verdict: "denied", steps: [{ title: H, says: [H] }] },
  ],
  [
    "a sync result",
    {
      plan: {},
      images: [{ source: H, outcome: "failed", error: H }],
      copied: 0,
      skipped: 0,
      failed: 1,
      blobs: { uploaded: 0, mounted: 0, skipped: 0 },
      bytesUploaded: 0,
      seconds: 1,
    },
  ],
  [
    "a copy result",
    {
      source: H,
      target: H,
      digest,
      sourceDigest: digest,
      platform: H,
      blobs: [],
      bytesUploaded: 0,
    },
  ],
];

describe("registry data in the REPL's presenters stays on its line", () => {
  it.each(cases)("%s", (_, value) => {
    for (const colors of [pc.createColors(false), pc.createColors(true)]) {
      const out = present(value, { colors, useColors: colors.isColorSupported, width: 80 });
      // Escaped as a field (\u000a) or as JSON (\n), either way visible and on its line.
      expect(out).toMatch(/x\\(?:n|u000a) {2}forged=1\\(?:t|u0009)col\\u001b\[31mred/);
      expect(out).not.toMatch(/\n\s*forged/);
      expect(out).not.toContain("\t");
      expect(out).not.toContain("\x1b[31mred");
    }
  });

  it("reg.inspect shows what an image runs: Entrypoint, Cmd, Env, User… as the CLI's inspect does", () => {
    const out = present(
      {
        ...summary,
        entrypoint: ["/init"],
        cmd: ["nginx", "-g", "daemon off;"],
        env: ["PATH=/bin"],
        user: "app",
      },
      { colors: pc.createColors(false), useColors: false, width: 80 },
    );
    expect(out).toMatch(/^Entrypoint: +\["\/init"\]$/m);
    expect(out).toMatch(/^Cmd: +\["nginx","-g","daemon off;"\]$/m);
    expect(out).toMatch(/^User: +app$/m);
    expect(out).toMatch(/^Env:\n {2}PATH=\/bin$/m);
  });
});
