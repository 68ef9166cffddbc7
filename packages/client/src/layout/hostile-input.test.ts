import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { tempDirs } from "@regatta/testkit";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type RegistryClient } from "../index.js";

const sha256 = (b: Uint8Array | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const temp = tempDirs("regatta-hostile-");
const CONFIG = JSON.stringify({
  architecture: "amd64",
  os: "linux",
  rootfs: { type: "layers", diff_ids: [] },
});

/** A manifest whose one layer has the digest `digest`. */
function manifestWith(digest: string): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: sha256(CONFIG),
      size: CONFIG.length,
    },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest, size: 10 }],
  });
}

async function tarball(entries: { name: string; body?: string; linkname?: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.linkname) pack.entry({ name: e.name, type: "symlink", linkname: e.linkname });
    else pack.entry({ name: e.name }, e.body ?? "");
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe("names from a registry or from files on disk cannot make Regatta read or write outside its paths", () => {
  let server: Server;
  let reg: RegistryClient;
  let host: string;
  const manifests: Record<string, string> = {
    dots: manifestWith("sha256:../../../../tmp/x"),
    algorithm: manifestWith("blake3:0123456789abcdef"),
    index: JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: "sha256:../../escape",
          size: 10,
          platform: { os: "linux", architecture: "amd64" },
        },
      ],
    }),
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const match = /^\/v2\/evil\/manifests\/(\w+)$/.exec(req.url ?? "");
      if (req.url === "/v2/") {
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      } else if (match && manifests[match[1]!]) {
        const body = manifests[match[1]!]!;
        const type = JSON.parse(body).mediaType;
        res.writeHead(200, { "content-type": type, "docker-content-digest": sha256(body) }).end(body);
      } else {
        res.writeHead(404, { "content-type": "application/json" }).end('{"errors":[{"code":"NOT_FOUND"}]}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    reg = await connect(`http://${host}`, { retry: { attempts: 0 } });
  });

  afterAll(async () => {
    await reg?.close();
    await new Promise((r) => server.close(r));
  });

  it.each(["dots", "algorithm", "index"])(
    "refuses a registry manifest with a hostile digest (%s) before writing anything",
    async (tag) => {
      const parent = temp();
      for (const format of ["oci", "dir", "docker"] as const) {
        const dest = join(parent, format === "docker" ? "x.tar" : format);
        await expect(
          reg.pull(`${host}/evil:${tag}`, dest, {
            format,
            ...(tag === "index" && format !== "docker" ? { platforms: "all" as const } : {}),
          }),
        ).rejects.toThrow(/digest|escape/i);
      }
      expect(readdirSync(parent)).toEqual([]);
    },
  );

  it("refuses an OCI layout whose index.json points outside blobs/", async () => {
    const layout = join(temp(), "layout");
    mkdirSync(layout);
    writeFileSync(join(layout, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(
      join(layout, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            digest: "sha256:../../../etc/passwd",
            size: 10,
          },
        ],
      }),
    );
    await expect(reg.push(layout, `${host}/evil:out`)).rejects.toThrow(/digest/);
  });

  it("refuses a dir layout whose manifest names a blob outside blobs/", async () => {
    const dir = temp();
    writeFileSync(join(dir, "manifest"), manifestWith("sha256:../../../etc/passwd"));
    await expect(reg.push(dir, `${host}/evil:out`)).rejects.toThrow(/digest/);
  });

  it.each([
    [
      "a Config path that climbs out",
      [{ name: "manifest.json", body: '[{"Config":"../../etc/passwd","RepoTags":[],"Layers":[]}]' }],
    ],
    [
      "an absolute layer path",
      [
        { name: "manifest.json", body: '[{"Config":"c.json","RepoTags":[],"Layers":["/etc/passwd"]}]' },
        { name: "c.json", body: CONFIG },
      ],
    ],
    [
      "a symlink that climbs out",
      [
        { name: "manifest.json", body: '[{"Config":"c.json","RepoTags":[],"Layers":["l/layer.tar"]}]' },
        { name: "c.json", body: CONFIG },
        { name: "l/layer.tar", linkname: "../../../etc/passwd" },
      ],
    ],
  ])("refuses a docker archive with %s", async (_what, entries) => {
    const file = join(temp(), "evil.tar");
    writeFileSync(file, await tarball(entries));
    await expect(reg.push(file, `${host}/evil:out`)).rejects.toThrow(/escapes|absolute/);
  });
});
