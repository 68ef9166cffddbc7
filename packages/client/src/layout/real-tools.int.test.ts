import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { generateImage, generateIndex, pushImage, tempDirs, useRegistry } from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type RegistryClient } from "../index.js";

const exec = promisify(execFile);
const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const temp = tempDirs("regatta-tools-");

/** skopeo with the flags a loopback registry and a test need. */
async function skopeo(...args: string[]): Promise<string> {
  const { stdout } = await exec("skopeo", ["--insecure-policy", ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

async function umoci(...args: string[]): Promise<string> {
  return (await exec("umoci", args)).stdout;
}

/** The manifest an OCI layout's index.json names `name`, and a blob reader. */
function layoutImage(dir: string, name: string) {
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
  const entry = index.manifests.find(
    (m: { annotations?: Record<string, string> }) =>
      m.annotations?.["org.opencontainers.image.ref.name"] === name,
  );
  const blob = (digest: string) => readFileSync(join(dir, "blobs", "sha256", digest.slice(7)));
  return { digest: entry.digest as string, manifest: JSON.parse(blob(entry.digest).toString()), blob };
}

describe("the real tools read what Regatta writes, and Regatta pushes what they write", () => {
  const registry = useRegistry("none");
  const other = useRegistry("none");
  let docker: Awaited<ReturnType<typeof generateImage>>;
  let oci: Awaited<ReturnType<typeof generateImage>>;
  let index: Awaited<ReturnType<typeof generateIndex>>;
  let reg: RegistryClient;
  let out: RegistryClient;
  let diffIds: string[];
  let host: string;

  beforeAll(async () => {
    docker = await generateImage({ layers: [3000, 7000], mediaTypes: "docker", seed: "tools-docker" });
    oci = await generateImage({ layers: [2000, 4000], seed: "tools-oci" });
    index = await generateIndex({ platforms: ["linux/amd64", "linux/arm64/v8"], seed: "tools-index" });
    await pushImage(registry.url, "tools/docker", "v1", docker);
    await pushImage(registry.url, "tools/oci", "v1", oci);
    await pushImage(registry.url, "tools/index", "multi", index);
    host = registry.host;
    reg = await connect(registry.url, { platform: "linux/amd64" });
    out = await connect(other.url);
    diffIds = JSON.parse(docker.config.bytes.toString()).rootfs.diff_ids;
  }, 60_000);

  afterAll(async () => {
    await reg?.close();
    await out?.close();
  });

  it("skopeo inspects a docker archive from regatta pull, and copies it to an OCI layout with the same layers", async () => {
    const dir = temp();
    const file = join(dir, "docker.tar");
    await reg.pull(`${host}/tools/docker:v1`, file, { format: "docker" });

    const inspected = JSON.parse(await skopeo("inspect", `docker-archive:${file}`));
    // docker-archive addresses layers by diff ID (uncompressed digest), as docker does.
    expect(inspected.Layers).toEqual(diffIds);
    const raw = JSON.parse(await skopeo("inspect", "--raw", `docker-archive:${file}`));
    expect(raw.config.digest).toBe(docker.config.digest);

    await skopeo("copy", "-q", `docker-archive:${file}`, `oci:${join(dir, "copied")}:v1`);
    const copied = layoutImage(join(dir, "copied"), "v1");
    expect(copied.manifest.config.digest).toBe(docker.config.digest);
    const layers = copied.manifest.layers.map((l: { digest: string }) =>
      sha256(gunzipSync(copied.blob(l.digest))),
    );
    expect(layers).toEqual(diffIds);
    // Asked to keep them uncompressed, skopeo stores the layers under exactly the digests it read.
    await skopeo(
      "copy",
      "-q",
      "--dest-oci-accept-uncompressed-layers",
      `docker-archive:${file}`,
      `oci:${join(dir, "plain")}:v1`,
    );
    const plain = layoutImage(join(dir, "plain"), "v1");
    expect(plain.manifest.layers.map((l: { digest: string }) => l.digest)).toEqual(diffIds);
    expect(plain.manifest.config.digest).toBe(docker.config.digest);
  });

  it("skopeo and umoci read an OCI layout from regatta pull, tags and whole indexes", async () => {
    const layout = join(temp(), "layout");
    await reg.pull(`${host}/tools/oci:v1`, layout);
    await reg.pull(`${host}/tools/index:multi`, layout, { platforms: "all" });

    expect(sha256(Buffer.from(await skopeo("inspect", "--raw", `oci:${layout}:v1`)))).toBe(
      oci.manifest.digest,
    );
    const inspected = JSON.parse(await skopeo("inspect", `oci:${layout}:v1`));
    expect(inspected.Digest).toBe(oci.manifest.digest);
    expect(inspected.Layers).toEqual(oci.layers.map((l) => l.digest));
    expect(sha256(Buffer.from(await skopeo("inspect", "--raw", `oci:${layout}:multi`)))).toBe(
      index.index.digest,
    );

    const tags = (await umoci("ls", "--layout", layout)).split("\n").filter(Boolean).sort();
    expect(tags).toEqual(["multi", "v1"]);
    const stat = JSON.parse(await umoci("stat", "--image", `${layout}:v1`, "--json"));
    expect(stat.history).toHaveLength(2);
  });

  it("pushes skopeo's OCI layouts with the original digests, and its docker archives with the original config", async () => {
    const dir = temp();
    await skopeo(
      "copy",
      "-q",
      "--src-tls-verify=false",
      `docker://${host}/tools/oci:v1`,
      `oci:${join(dir, "oci")}:v1`,
    );
    expect((await out.push(join(dir, "oci"), "from-skopeo/oci:v1")).digest).toBe(oci.manifest.digest);

    await skopeo(
      "copy",
      "-q",
      "--all",
      "--src-tls-verify=false",
      `docker://${host}/tools/index:multi`,
      `oci:${join(dir, "index")}:multi`,
    );
    const pushedIndex = await out.push(join(dir, "index"), "from-skopeo/index:multi");
    expect(pushedIndex).toMatchObject({ digest: index.index.digest, manifests: 3 });

    const tarball = join(dir, "docker.tar");
    await skopeo(
      "copy",
      "-q",
      "--src-tls-verify=false",
      `docker://${host}/tools/docker:v1`,
      `docker-archive:${tarball}:${host}/tools/docker:v1`,
    );
    const pushed = await out.push(tarball, "from-skopeo/docker:v1");
    // skopeo stores layers uncompressed: what can be kept is the config (the image ID) and the diff IDs.
    expect(pushed.reference).toBe(`${other.host}/from-skopeo/docker:v1@${pushed.digest}`);
    const back = await out.manifest("from-skopeo/docker:v1");
    const manifest = back.manifest as {
      config: { digest: string };
      layers: { digest: string; mediaType: string }[];
    };
    expect(manifest.config.digest).toBe(docker.config.digest);
    expect(manifest.layers.map((l) => l.digest)).toEqual(diffIds);
    expect(manifest.layers.map((l) => l.mediaType)).toEqual(
      diffIds.map(() => "application/vnd.oci.image.layer.v1.tar"),
    );
    // And the registry serves an image skopeo reads.
    const remote = JSON.parse(
      await skopeo("inspect", "--tls-verify=false", `docker://${other.host}/from-skopeo/docker:v1`),
    );
    expect(remote.Layers).toEqual(diffIds);
  });

  it("a round trip through a regatta docker archive keeps the original digest", async () => {
    const dir = temp();
    const file = join(dir, "index.tar");
    const pulled = await reg.pull(`${host}/tools/index:multi`, file, { platform: "linux/arm64" });
    const pushed = await out.push(file, "round/trip:arm64");
    expect(pushed.digest).toBe(pulled.references[0]!.digest);
    expect(pushed.digest).toBe(index.children[1]!.manifest.digest);
    const again = JSON.parse(
      await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${other.host}/round/trip:arm64`),
    );
    expect(again.config.digest).toBe(index.children[1]!.config.digest);
  });
});
