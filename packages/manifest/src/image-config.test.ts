import { InvalidManifestError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { parseImageConfig } from "./index.js";
import { ALPINE_CONFIG, DOCKER_CONFIG_LEGACY, enc } from "./test-fixtures.js";

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely, any shape.
type Json = Record<string, any>;

const mutate = (body: string, edit: (j: Json) => void) => {
  const j = JSON.parse(body);
  edit(j);
  return JSON.stringify(j);
};

describe("parseImageConfig", () => {
  it("reads a BuildKit config", () => {
    const config = parseImageConfig(enc(ALPINE_CONFIG));
    expect(config).toMatchObject({ architecture: "amd64", os: "linux", created: "2025-12-18T00:12:12Z" });
    expect(config.config?.Cmd).toEqual(["/bin/sh"]);
    expect(config.config?.Env).toEqual(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]);
    expect(config.config?.WorkingDir).toBe("/");
    expect(config.config?.ArgsEscaped).toBe(true); // unknown field kept
    expect(config.history).toHaveLength(2);
    expect(config.history?.[1]).toMatchObject({ created_by: 'CMD ["/bin/sh"]', empty_layer: true });
    expect(config.rootfs).toEqual({
      type: "layers",
      diff_ids: ["sha256:2d35ebdb57d9971fea0cac1582aa78935adf8058b2cc32db163c98822e5dfa1b"],
    });
  });

  it("reads a legacy Docker config with nulls and extra fields", () => {
    const config = parseImageConfig(enc(DOCKER_CONFIG_LEGACY));
    expect(config).toMatchObject({
      architecture: "arm",
      variant: "v7",
      author: "someone",
      docker_version: "20.10.7",
    });
    expect(config.config).toMatchObject({
      User: "nginx",
      Env: null,
      Entrypoint: ["/docker-entrypoint.sh"],
      Cmd: ["nginx", "-g", "daemon off;"],
      Labels: { maintainer: "NGINX Docker Maintainers" },
      ExposedPorts: { "80/tcp": {} },
      StopSignal: "SIGQUIT",
    });
    expect(config.rootfs?.diff_ids).toEqual([]);
  });

  it.each([
    ["an empty object (artifact config)", "{}"],
    ["null config and history", '{"config":null,"history":null,"rootfs":null}'],
    [
      "Windows os.version and os.features",
      '{"os":"windows","architecture":"amd64","os.version":"10.0.20348.2849","os.features":["win32k"]}',
    ],
  ])("accepts %s", (_name, body) => {
    expect(() => parseImageConfig(enc(body))).not.toThrow();
  });

  it.each([
    ["not JSON", "{", "invalid image config: not JSON"],
    ["an array", "[]", "not a JSON object but an array"],
    ["architecture a number", '{"architecture":64}', "architecture must be a string, got 64"],
    ["config a string", '{"config":"x"}', 'config must be an object, got "x"'],
    [
      "Env not strings",
      mutate(ALPINE_CONFIG, (j) => {
        j.config.Env = [1];
      }),
      "config.Env[0] must be a string, got 1",
    ],
    [
      "Cmd a string",
      mutate(ALPINE_CONFIG, (j) => {
        j.config.Cmd = "/bin/sh";
      }),
      'config.Cmd must be an array of strings, got "/bin/sh"',
    ],
    [
      "Labels with a number",
      mutate(DOCKER_CONFIG_LEGACY, (j) => {
        j.config.Labels.n = 1;
      }),
      'config.Labels["n"] must be a string, got 1',
    ],
    [
      "ExposedPorts a list",
      mutate(DOCKER_CONFIG_LEGACY, (j) => {
        j.config.ExposedPorts = ["80/tcp"];
      }),
      "config.ExposedPorts must be an object, got an array",
    ],
    [
      "history an object",
      mutate(ALPINE_CONFIG, (j) => {
        j.history = {};
      }),
      "history must be an array, got an object",
    ],
    [
      "empty_layer a string",
      mutate(ALPINE_CONFIG, (j) => {
        j.history[1].empty_layer = "true";
      }),
      'history[1].empty_layer must be a boolean, got "true"',
    ],
    [
      "rootfs without diff_ids",
      mutate(ALPINE_CONFIG, (j) => {
        delete j.rootfs.diff_ids;
      }),
      "rootfs.diff_ids must be an array of strings, got nothing",
    ],
    [
      "rootfs without type",
      mutate(ALPINE_CONFIG, (j) => {
        delete j.rootfs.type;
      }),
      "rootfs.type must be a string",
    ],
  ])("rejects %s", (_name, body, message) => {
    expect(() => parseImageConfig(enc(body))).toThrow(InvalidManifestError);
    expect(() => parseImageConfig(enc(body))).toThrow(message);
  });
});
