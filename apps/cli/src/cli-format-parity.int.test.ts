/**
 * `--format` prints what skopeo's Go templates print (Debian's skopeo, installed by scripts/setup.sh), so a
 * `skopeo inspect --format` line moved to `regatta inspect --format` (and `skopeo inspect --config --format` to
 * `regatta config --format`) keeps its output: the same images in one registry, the same templates, side by side.
 * Times with and without a fraction and an offset; Labels and Env there, empty, null and left out.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { generateImage, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const exec = promisify(execFile);
const skopeo = async (...args: string[]) => {
  try {
    return (await exec("skopeo", ["--insecure-policy", ...args])).stdout;
  } catch (error) {
    return `skopeo failed: ${(error as { stderr?: string }).stderr}`;
  }
};

/** The images: their config's `created` and `config` as stored (`undefined`: left out). */
const IMAGES: Record<string, { created?: string; config?: Record<string, unknown>; history?: object[] }> = {
  full: {
    created: "2024-01-02T03:04:05.123456789Z",
    config: { Env: ["A=1", "B=two words"], Labels: { b: "2", a: "1", "with space": "x y" }, Cmd: ["sh"] },
  },
  bare: { config: {} },
  offset: { created: "2024-01-02T03:04:05.120+02:00", config: { Env: [], Labels: {} } },
  nulls: { created: "2024-01-02T03:04:05Z", config: { Env: null, Labels: null, Cmd: null } },
  negative: { created: "2024-06-02T03:04:05.5-05:30" },
  tiny: { created: "2024-06-02T03:04:05.000000100+00:00", config: { Labels: { k: "" } } },
  long: { created: "2024-01-02T23:59:59.1234567891-00:00" },
  history: {
    created: "2024-01-02T03:04:05Z",
    config: { ArgsEscaped: true, User: "u" },
    history: [
      { created: "2024-01-01T00:00:00.5Z", created_by: "ADD x", comment: "c" },
      { created_by: "CMD", empty_layer: true },
    ],
  },
};

/** Templates skopeo 1.9 runs on `inspect`'s output (it has no `json`, `Variant` or `LayersData`). */
const INSPECT = [
  "{{.Created}}",
  "{{.Labels}}|{{.Env}}|{{.Layers}}|{{.Name}}|{{.Tag}}|{{.DockerVersion}}|{{.Os}}/{{.Architecture}}",
  '{{.Labels.nosuch}}|{{index .Labels "nosuch"}}|{{.Labels.a}}',
  '{{print .Labels .Env .Created}}|{{printf "%v %s %s" .Env .Labels .Created}}|{{.Created | print}}',
  "{{len .Labels}} {{len .Env}} {{range .Env}}[{{.}}]{{end}} {{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}",
  "{{if .Labels}}labels{{else}}none{{end}} {{with .Env}}{{index . 0}}{{else}}no env{{end}}",
  "{{html .Created}}|{{urlquery .Labels}}|{{js .Env}}",
];

/** Templates on the config (Go's v1.Image in skopeo). */
const CONFIG = [
  "{{.Created}}|{{.OS}}|{{.Author}}",
  "{{.Config.Labels}}|{{.Config.Env}}|{{.Config.Cmd}}|{{.Config.Entrypoint}}|{{.Config.ExposedPorts}}",
  '{{.Config.Labels.x}}|{{index .Config.Labels "x"}}|{{.Config.User}}|{{len .History}}',
  // A struct prints as Go's `{…}`, which regatta does not copy: the history only when there is none.
  "{{if not .History}}{{.History}}{{end}}",
  "{{range .History}}{{.CreatedBy}}|{{.EmptyLayer}}|{{.Created}}|{{.Comment}}|{{.Author}};{{end}}",
  "{{.RootFS.DiffIDs}}|{{.RootFS.Type}}|{{.Config.ArgsEscaped}}|{{.OSVersion}}|{{.OSFeatures}}|{{.Variant}}",
];

describe("--format prints what skopeo inspect --format prints", () => {
  const registry = useRegistry("none");

  beforeAll(async () => {
    // OCI layouts of the images, copied to the registry by skopeo itself.
    const work = mkdtempSync(join(tmpdir(), "regatta-format-parity-"));
    const base = await generateImage({ layers: 1, seed: "format-parity" });
    const layer = base.layers[0]!;
    for (const [tag, { created, config, history }] of Object.entries(IMAGES)) {
      const dir = join(work, tag);
      mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
      const blob = (bytes: Buffer) => {
        const digest = createHash("sha256").update(bytes).digest("hex");
        writeFileSync(join(dir, "blobs", "sha256", digest), bytes);
        return { digest: `sha256:${digest}`, size: bytes.length };
      };
      const configBlob = blob(
        Buffer.from(
          JSON.stringify({
            ...(created !== undefined ? { created } : {}),
            architecture: "amd64",
            os: "linux",
            ...(config !== undefined ? { config } : {}),
            rootfs: { type: "layers", diff_ids: [layer.diffId] },
            ...(history !== undefined ? { history } : {}),
          }),
        ),
      );
      blob(layer.bytes);
      const manifest = blob(
        Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            config: { mediaType: "application/vnd.oci.image.config.v1+json", ...configBlob },
            layers: [layer.descriptor],
          }),
        ),
      );
      writeFileSync(join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
      writeFileSync(
        join(dir, "index.json"),
        JSON.stringify({
          schemaVersion: 2,
          manifests: [
            {
              mediaType: "application/vnd.oci.image.manifest.v1+json",
              ...manifest,
              annotations: { "org.opencontainers.image.ref.name": tag },
            },
          ],
        }),
      );
      await exec("skopeo", [
        "--insecure-policy",
        "copy",
        "-q",
        "--dest-tls-verify=false",
        `oci:${dir}:${tag}`,
        `docker://${registry.host}/parity:${tag}`,
      ]);
    }
  }, 120_000);

  it.each(Object.keys(IMAGES))(
    "inspect and config --format of %s",
    async (tag) => {
      const ref = `${registry.host}/parity:${tag}`;
      for (const [command, templates, extra] of [
        ["inspect", INSPECT, []],
        ["config", CONFIG, ["--config"]],
      ] as const) {
        for (const template of templates) {
          const ours = await regatta([command, ref, "--format", template]);
          const theirs = await skopeo(
            "inspect",
            ...extra,
            "--tls-verify=false",
            "--format",
            template,
            `docker://${ref}`,
          );
          expect([ours.code, ours.stderr], `${command} ${template}`).toEqual([0, ""]);
          expect(ours.stdout, `${command} ${template}`).toBe(theirs);
        }
      }
    },
    60_000,
  );
});
