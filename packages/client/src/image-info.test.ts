/**
 * `inspect` shows what an image runs (issue 12): the runtime fields of its config (Entrypoint, Cmd, Env, User,
 * WorkingDir, exposed ports, stop signal) and how long its history is, besides what it showed before; Docker's
 * `null` for an empty field is left out, as an absent one is.
 */
import { NotFoundError } from "@regatta/errors";
import { computeDigest } from "@regatta/manifest";
import { type FakeRepositoryContent, fakeRepository, generateIndex } from "@regatta/testkit";
import { describe, expect, it } from "vitest";
import { fakeDistribution, rejection } from "./test-answering-registry.js";

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
        docker_version: "20.10.7",
        config: {
          Entrypoint: ["/docker-entrypoint.sh"],
          Cmd: ["nginx", "-g", "daemon off;"],
          Env: ["PATH=/usr/bin", "NGINX_VERSION=1.27.0"],
          User: "101:101",
          WorkingDir: "/srv",
          ExposedPorts: { "80/tcp": {}, "443/tcp": {} },
          Volumes: { "/var/cache/nginx": {}, "/data": {} },
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
        // skopeo's DockerVersion (inspect --format '{{.DockerVersion}}').
        dockerVersion: "20.10.7",
        labels: { maintainer: "me" },
        entrypoint: ["/docker-entrypoint.sh"],
        cmd: ["nginx", "-g", "daemon off;"],
        env: ["PATH=/usr/bin", "NGINX_VERSION=1.27.0"],
        user: "101:101",
        workingDir: "/srv",
        exposedPorts: ["80/tcp", "443/tcp"],
        volumes: ["/var/cache/nginx", "/data"],
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
        config: {
          Entrypoint: null,
          Cmd: null,
          Env: null,
          ExposedPorts: null,
          Volumes: null,
          User: "",
          WorkingDir: "",
        },
        docker_version: "",
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
        "volumes",
        "stopSignal",
        "historyLength",
        "dockerVersion",
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

describe("a platform asked of a single image (not an index)", () => {
  const arm = imageWithConfig({ architecture: "arm64", variant: "v8", os: "linux" });
  const artifact = imageWithConfig({ note: "no os, no architecture" });

  it("is the image when its config names that platform (as an index's selection matches), or names none", async () => {
    const { reg } = fakeDistribution({ "team/arm": arm, "team/artifact": artifact });
    try {
      for (const platform of ["linux/arm64", "linux/arm64/v8"]) {
        const asked = reg.with({ platform });
        expect(await asked.inspect("registry.test/team/arm:v1")).toMatchObject({
          platform: "linux/arm64/v8",
        });
        expect((await asked.inspect("registry.test/team/arm:v1")).index).toBeUndefined();
        expect(await asked.size("registry.test/team/arm:v1")).toBeGreaterThan(0);
        const config = await asked.config("registry.test/team/arm:v1");
        expect([config.config.architecture, config.platform, config.index]).toEqual([
          "arm64",
          "linux/arm64/v8",
          undefined,
        ]);
      }
      const any = reg.with({ platform: "linux/s390x" });
      expect((await any.config("registry.test/team/artifact:v1")).config).toEqual({
        note: "no os, no architecture",
      });
      expect((await any.inspect("registry.test/team/artifact:v1")).platform).toBeUndefined();
    } finally {
      await reg.close();
    }
  });

  it("is refused as an index without the platform is, when the config names another (inspect, size, config)", async () => {
    const { reg } = fakeDistribution({ "team/arm": arm });
    try {
      const amd = reg.with({ platform: "linux/amd64" });
      const ref = "registry.test/team/arm:v1";
      const message =
        "registry.test/team/arm:v1 is a single image for linux/arm64/v8, not linux/amd64: it has no other platform";
      const calls = [
        () => amd.inspect(ref),
        () => amd.size(ref),
        () => amd.config(ref),
        () => reg.config(ref, { platform: "linux/amd64" }),
      ];
      for (const call of calls) {
        const error = await rejection(call(), NotFoundError);
        expect([error.code, error.message]).toEqual(["MANIFEST_UNKNOWN", message]);
      }
      // Without a platform asked, a single image of any platform is the answer (the host's default is no demand).
      expect((await reg.config(ref)).config.architecture).toBe("arm64");
      expect(await reg.size(ref)).toBeGreaterThan(0);
    } finally {
      await reg.close();
    }
  });

  it("an image picked from an index names the index it came from", async () => {
    const index = await generateIndex({
      platforms: ["linux/amd64", "linux/arm64"],
      layers: [16],
      seed: "picked",
    });
    const { reg } = fakeDistribution({ "team/multi": fakeRepository({ v1: index }) });
    try {
      const arm = reg.with({ platform: "linux/arm64" });
      expect((await arm.inspect("registry.test/team/multi:v1")).index).toBe(index.index.digest);
      expect((await arm.config("registry.test/team/multi:v1")).index).toBe(index.index.digest);
    } finally {
      await reg.close();
    }
  });
});
