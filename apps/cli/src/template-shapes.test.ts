/**
 * The declared shape of `inspect --format`'s document holds every field of skopeo inspect's output (a
 * `skopeo inspect --format` line must run unchanged: for a field the image leaves out skopeo prints its Go type's zero
 * value — nothing, `[]`, `map[]`, `<nil>` — Regatta too, never "no field"), and docker inspect's Config fields the
 * README promises.
 */
import { compileTemplate } from "@regatta/present/template";
import { describe, expect, it } from "vitest";
import { CONFIG_SHAPE, INSPECT_SHAPE } from "./template-shapes.js";

/**
 * containers/skopeo cmd/skopeo/inspect/output.go, `type Output struct` (1.9 and later, Variant since 1.10), and what
 * skopeo 1.9 prints for each when the image leaves it out (its Go type's zero value: a nil *time.Time is `<nil>`).
 */
const SKOPEO_INSPECT_OUTPUT: [string, string][] = [
  ["Name", ""],
  ["Tag", ""],
  ["Digest", ""],
  ["RepoTags", "[]"],
  ["Created", "<nil>"],
  ["DockerVersion", ""],
  ["Labels", "map[]"],
  ["Architecture", ""],
  ["Variant", ""],
  ["Os", ""],
  ["Layers", "[]"],
  ["LayersData", "[]"],
  ["Env", "[]"],
];

/**
 * `docker image inspect`'s Config fields (apps/cli/README.md: `{{.Config.Env}}` reads what skopeo's `{{.Env}}` does),
 * and their Go zero values.
 */
const DOCKER_CONFIG: [string, string][] = [
  ["Entrypoint", "[]"],
  ["Cmd", "[]"],
  ["Env", "[]"],
  ["User", ""],
  ["WorkingDir", ""],
  ["ExposedPorts", "map[]"],
  ["Volumes", "map[]"],
  ["StopSignal", ""],
  ["Labels", "map[]"],
];

describe("inspect --format's declared document", () => {
  it.each(SKOPEO_INSPECT_OUTPUT)(
    "declares skopeo's %s: an image without it prints %j, as skopeo does",
    (field, zero) => {
      expect(compileTemplate(`{{.${field}}}`).render({}, INSPECT_SHAPE)).toBe(zero);
    },
  );

  it.each(DOCKER_CONFIG)("declares docker's Config.%s: missing, %j", (field, zero) => {
    expect(compileTemplate(`{{.Config.${field}}}`).render({ config: {} }, INSPECT_SHAPE)).toBe(zero);
  });

  it("prints skopeo's Created as Go's time.Time String, the --json created as stored", () => {
    const created = "2024-01-02T03:04:05.120+02:00";
    expect(compileTemplate("{{.Created}}|{{.created}}").render({ created }, INSPECT_SHAPE)).toBe(
      `2024-01-02 03:04:05.12 +0200 +0200|${created}`,
    );
    // skopeo inspect --config --format: Go's v1.Image, its history's times too.
    const config = { created, history: [{ created }] };
    expect(
      compileTemplate("{{.Created}}|{{range .History}}{{.Created}}{{end}}|{{.created}}").render(
        config,
        CONFIG_SHAPE,
      ),
    ).toBe(`2024-01-02 03:04:05.12 +0200 +0200|2024-01-02 03:04:05.12 +0200 +0200|${created}`);
    expect(compileTemplate("{{.Created}}|{{.Config.Labels}}|{{.History}}").render({}, CONFIG_SHAPE)).toBe(
      "<nil>|map[]|[]",
    );
  });

  it("config --format reads Go's v1.Image names, as skopeo inspect --config --format does", () => {
    const config = {
      "os.features": ["win32k"],
      rootfs: { type: "layers", diff_ids: ["sha256:a"] },
      history: [{ created_by: "ADD x" }, { created_by: "CMD", empty_layer: true }],
    };
    const t = compileTemplate(
      "{{range .History}}{{.CreatedBy}}|{{.EmptyLayer}};{{end}}{{.RootFS.DiffIDs}}|{{.OSFeatures}}|{{.OSVersion}}|{{.Config.ArgsEscaped}}",
    );
    expect(t.render(config, CONFIG_SHAPE)).toBe("ADD x|false;CMD|true;[sha256:a]|[win32k]||false");
  });

  it("still refuses a field no one has", () => {
    expect(() => compileTemplate("{{.DockerVersoin}}").render({}, INSPECT_SHAPE)).toThrow(/DockerVersoin/);
    expect(() => compileTemplate("{{.docker_versoin}}").render({}, CONFIG_SHAPE)).toThrow(/docker_versoin/);
  });
});
