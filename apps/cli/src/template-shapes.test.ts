/**
 * The declared shape of `inspect --format`'s document holds every field of skopeo inspect's output (a
 * `skopeo inspect --format` line must run unchanged: skopeo prints an empty line for a field the image leaves out,
 * Regatta too, never "no field"), and docker inspect's Config fields the README promises.
 */
import { compileTemplate } from "@regatta/present/template";
import { describe, expect, it } from "vitest";
import { CONFIG_SHAPE, INSPECT_SHAPE } from "./template-shapes.js";

/** containers/skopeo cmd/skopeo/inspect/output.go, `type Output struct` (1.9 and later, Variant since 1.10). */
const SKOPEO_INSPECT_OUTPUT = [
  "Name",
  "Tag",
  "Digest",
  "RepoTags",
  "Created",
  "DockerVersion",
  "Labels",
  "Architecture",
  "Variant",
  "Os",
  "Layers",
  "LayersData",
  "Env",
];

/** `docker image inspect`'s Config fields (apps/cli/README.md: `{{.Config.Env}}` reads what skopeo's `{{.Env}}` does). */
const DOCKER_CONFIG = [
  "Entrypoint",
  "Cmd",
  "Env",
  "User",
  "WorkingDir",
  "ExposedPorts",
  "Volumes",
  "StopSignal",
  "Labels",
];

describe("inspect --format's declared document", () => {
  it.each(SKOPEO_INSPECT_OUTPUT)(
    "declares skopeo's %s: an image without it prints an empty line",
    (field) => {
      expect(compileTemplate(`{{.${field}}}`).render({}, INSPECT_SHAPE)).toBe("");
    },
  );

  it.each(DOCKER_CONFIG)("declares docker's Config.%s", (field) => {
    expect(compileTemplate(`{{.Config.${field}}}`).render({ config: {} }, INSPECT_SHAPE)).toBe("");
  });

  it("still refuses a field no one has", () => {
    expect(() => compileTemplate("{{.DockerVersoin}}").render({}, INSPECT_SHAPE)).toThrow(/DockerVersoin/);
    expect(() => compileTemplate("{{.docker_versoin}}").render({}, CONFIG_SHAPE)).toThrow(/docker_versoin/);
  });
});
