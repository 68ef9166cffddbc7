/**
 * `inspect` shows what an image runs (issue 12): the runtime fields of its config (Entrypoint, Cmd, Env, User,
 * WorkingDir, exposed ports, stop signal) and how long its history is, besides what it showed before; Docker's
 * `null` for an empty field is left out, as an absent one is.
 */
import { computeDigest } from "@regatta/manifest";
import type { FakeRepositoryContent } from "@regatta/testkit";
import { describe, expect, it } from "vitest";
import { fakeDistribution } from "./test-answering-registry.js";

/** One image whose config is `config`, tagged `v1`, with no layers. */
function imageWithConfig(config: object): FakeRepositoryContent {
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = computeDigest(configBytes);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: configDigest,
        size: configBytes.length,
      },
      layers: [],
    }),
  );
  const digest = computeDigest(manifest);
  return {
    tags: { v1: digest },
    manifests: { [digest]: { bytes: manifest, mediaType: "application/vnd.oci.image.manifest.v1+json" } },
    blobs: { [configDigest]: configBytes },
  };
}

describe("inspect: what the image runs", () => {
  it("shows the runtime fields of the config and the length of its history", async () => {
    const { reg } = fakeDistribution({
      "team/app": imageWithConfig({
        architecture: "arm64",
        os: "linux",
        created: "2024-06-20T20:16:57Z",
        config: {
          Entrypoint: ["/docker-entrypoint.sh"],
          Cmd: ["nginx", "-g", "daemon off;"],
          Env: ["PATH=/usr/bin", "NGINX_VERSION=1.27.0"],
          User: "101:101",
          WorkingDir: "/srv",
          ExposedPorts: { "80/tcp": {}, "443/tcp": {} },
          StopSignal: "SIGQUIT",
          Labels: { maintainer: "me" },
        },
        history: [{ created_by: "ADD" }, { created_by: "CMD", empty_layer: true }, { created_by: "EXPOSE" }],
      }),
    });
    try {
      expect(await reg.inspect("registry.test/team/app:v1")).toMatchObject({
        platform: "linux/arm64",
        created: "2024-06-20T20:16:57Z",
        labels: { maintainer: "me" },
        entrypoint: ["/docker-entrypoint.sh"],
        cmd: ["nginx", "-g", "daemon off;"],
        env: ["PATH=/usr/bin", "NGINX_VERSION=1.27.0"],
        user: "101:101",
        workingDir: "/srv",
        exposedPorts: ["80/tcp", "443/tcp"],
        stopSignal: "SIGQUIT",
        historyLength: 3,
      });
    } finally {
      await reg.close();
    }
  });

  it("leaves out what the config leaves empty: Docker's nulls, empty strings, no config at all", async () => {
    const { reg } = fakeDistribution({
      "team/nulls": imageWithConfig({
        architecture: "amd64",
        os: "linux",
        config: { Entrypoint: null, Cmd: null, Env: null, ExposedPorts: null, User: "", WorkingDir: "" },
      }),
      "team/bare": imageWithConfig({ architecture: "amd64", os: "linux" }),
    });
    try {
      const runtime = [
        "entrypoint",
        "cmd",
        "env",
        "user",
        "workingDir",
        "exposedPorts",
        "stopSignal",
        "historyLength",
      ];
      for (const repo of ["team/nulls", "team/bare"]) {
        const summary = await reg.inspect(`registry.test/${repo}:v1`);
        expect(summary.platform).toBe("linux/amd64");
        expect(runtime.filter((key) => key in summary)).toEqual([]);
      }
    } finally {
      await reg.close();
    }
  });
});
