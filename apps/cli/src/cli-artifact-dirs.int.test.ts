/**
 * Directories and path titles in artifacts through the built CLI against the REAL distribution 2.8 (issue 13):
 * `regatta artifact push REF dir/ conf/app.yaml` titles them as oras does (`dir`, `conf/app.yaml`), the directory
 * is one tar+gzip layer with oras's annotations, and `regatta artifact pull` unpacks it, writes the path title under
 * the output directory, and refuses a hostile layer (an entry climbing out) with one line, writing nothing.
 */
import { execFile } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const exec = promisify(execFile);
const BIN = fileURLToPath(new URL("../dist/bin.cjs", import.meta.url));

/** The built CLI run in `cwd` (titles come from the paths as given, relative to it). */
function regattaIn(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { PATH: process.env.PATH ?? "", HOME: cwd, DOCKER_CONFIG: join(cwd, ".docker") } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("regatta artifact push/pull with directories against distribution 2.8", () => {
  const open = useRegistry("none");
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "regatta-artifact-dirs-"));
    mkdirSync(join(work, "site", "css"), { recursive: true });
    writeFileSync(join(work, "site", "index.html"), "<p>hi</p>");
    writeFileSync(join(work, "site", "css", "a.css"), "p{}");
    symlinkSync("index.html", join(work, "site", "home.html"));
    mkdirSync(join(work, "conf"));
    writeFileSync(join(work, "conf", "app.yaml"), "a: 1");
  });

  it("pushes a directory and a file by relative path with oras's titles and annotations, and pulls them back", async () => {
    const ref = `${open.host}/sc/site:1`;
    const pushed = await regattaIn(work, [
      "artifact",
      "push",
      ref,
      "site/",
      "conf/app.yaml:application/yaml",
      "--artifact-type",
      "application/vnd.example.site",
    ]);
    expect(pushed.stderr).toBe("");
    expect(pushed.code).toBe(0);
    const fetched = await fetch(`${open.url}/v2/sc/site/manifests/1`, {
      headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
    });
    const manifest = (await fetched.json()) as {
      layers: { mediaType: string; annotations: Record<string, string> }[];
    };
    expect(
      manifest.layers.map((l) => [l.mediaType, l.annotations["org.opencontainers.image.title"]]),
    ).toEqual([
      ["application/vnd.oci.image.layer.v1.tar+gzip", "site"],
      ["application/yaml", "conf/app.yaml"],
    ]);
    expect(manifest.layers[0]?.annotations["io.deis.oras.content.unpack"]).toBe("true");
    expect(manifest.layers[0]?.annotations["io.deis.oras.content.digest"]).toMatch(/^sha256:[a-f0-9]{64}$/);

    const out = join(work, "out");
    const pulled = await regatta(["artifact", "pull", ref, "-o", out]);
    expect(pulled.stderr).toBe("");
    expect(pulled.code).toBe(0);
    expect(pulled.stdout).toBe(`${join(out, "site")}/\n${join(out, "conf", "app.yaml")}\n`);
    expect(readdirSync(join(out, "site")).sort()).toEqual(["css", "home.html", "index.html"]);
    expect(readFileSync(join(out, "site", "css", "a.css"), "utf8")).toBe("p{}");
    expect(readlinkSync(join(out, "site", "home.html"))).toBe("index.html");
    expect(readFileSync(join(out, "conf", "app.yaml"), "utf8")).toBe("a: 1");
  });

  it("refuses a directory layer whose tar is not the digest its annotation says, and a title climbing out, in one line each, writing nothing", async () => {
    // An oras-shaped layer made with GNU tar, pushed with a wrong io.deis.oras.content.digest, and a title "../x".
    mkdirSync(join(work, "bad", "a"), { recursive: true });
    writeFileSync(join(work, "bad", "a", "f.txt"), "f");
    const layerFile = join(work, "bad.tgz");
    await exec("tar", ["-czf", layerFile, "-C", join(work, "bad"), "a"]);
    const { createClient } = await import("@regatta/client");
    const reg = createClient(open.host, { retry: { attempts: 0 } });
    const wrong = `sha256:${"0".repeat(64)}`;
    try {
      await reg.pushArtifact(`${open.host}/sc/bad:digest`, {
        artifactType: "application/x",
        files: [
          {
            path: layerFile,
            title: "a",
            annotations: { "io.deis.oras.content.unpack": "true", "io.deis.oras.content.digest": wrong },
          },
        ],
      });
      await reg.putManifest(`${open.host}/sc/bad:title`, {
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        artifactType: "application/x",
        config: {
          mediaType: "application/vnd.oci.empty.v1+json",
          digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
          size: 2,
        },
        layers: [
          {
            mediaType: "application/octet-stream",
            digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            size: 2,
            annotations: { "org.opencontainers.image.title": "../x" },
          },
        ],
      });
    } finally {
      await reg.close();
    }
    for (const [tag, says] of [
      ["digest", wrong],
      ["title", "not a safe relative path"],
    ] as const) {
      const out = join(work, `out-${tag}`);
      mkdirSync(out);
      const result = await regatta(["artifact", "pull", `${open.host}/sc/bad:${tag}`, "-o", out]);
      expect(result.code).not.toBe(0);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toContain(says);
      expect(readdirSync(out)).toEqual([]);
    }
  });
});
