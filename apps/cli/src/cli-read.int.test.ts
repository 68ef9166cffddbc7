import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateImage, generateIndex, pushImage, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

describe("regatta read commands against a real registry", () => {
  const registry = useRegistry("none");
  const basic = useRegistry("basic");
  let index: Awaited<ReturnType<typeof generateIndex>>;
  let docker: Awaited<ReturnType<typeof generateImage>>;
  let host: string;

  beforeAll(async () => {
    host = registry.host;
    index = await generateIndex({ platforms: ["linux/amd64", "linux/arm64/v8"], mediaTypes: "oci" });
    docker = await generateImage({ layers: [1024, 3000], mediaTypes: "docker" });
    await pushImage(registry.url, "cli/app", "1.0", index);
    await pushImage(registry.url, "cli/app", "2.0", index);
    await pushImage(registry.url, "cli/docker", "v1", docker);
    await pushImage(basic.url, "cli/private", "1", docker, {
      username: "regatta",
      password: "regatta-secret",
    });
  }, 60_000);

  it("tags: one per line, and --json in the registry's shape", async () => {
    const plain = await regatta(["tags", `${host}/cli/app`]);
    expect(plain).toMatchObject({ code: 0, stderr: "" });
    expect(plain.stdout.split("\n").filter(Boolean).sort()).toEqual(["1.0", "2.0"]);
    const json = await regatta(["tags", `${host}/cli/app`, "--json"]);
    expect(JSON.parse(json.stdout)).toEqual({
      name: "cli/app",
      tags: expect.arrayContaining(["1.0", "2.0"]),
    });
  });

  it("catalog and its --filter", async () => {
    const all = await regatta(["catalog", host]);
    expect(all.stdout).toBe("cli/app\ncli/docker\n");
    const filtered = await regatta(["catalog", host, "--filter", "dock"]);
    expect(filtered.stdout).toBe("cli/docker\n");
  });

  it("manifest prints the exact bytes; --platform resolves the index; get-manifest is boater's alias", async () => {
    const m = await regatta(["manifest", `${host}/cli/app:1.0`]);
    expect(m.code).toBe(0);
    expect(m.stdoutBytes.equals(index.index.bytes)).toBe(true);
    const arm = await regatta(["get-manifest", `${host}/cli/app:1.0`, "--platform", "linux/arm64"]);
    const child = index.children.find((c) => c.platform.architecture === "arm64")!;
    expect(arm.stdoutBytes.equals(child.manifest.bytes)).toBe(true);
    expect(arm.stderr).toContain(index.index.digest);
    const json = await regatta(["manifest", `${host}/cli/docker:v1`, "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      digest: docker.manifest.digest,
      mediaType: docker.manifest.mediaType,
    });
  });

  it("manifest --platform of a single image of that platform says so, reading its config once", async () => {
    const har = join(mkdtempSync(join(tmpdir(), "regatta-har-")), "run.har");
    const got = await regatta([
      "manifest",
      `${host}/cli/docker:v1`,
      "--platform",
      "linux/amd64",
      "--har",
      har,
    ]);
    expect(got.code).toBe(0);
    expect(got.stdoutBytes.equals(docker.manifest.bytes)).toBe(true);
    expect(got.stderr).toContain("--platform linux/amd64 ignored: ");
    expect(got.stderr).toContain("is a single image (linux/amd64)");
    const { log } = JSON.parse(readFileSync(har, "utf8")) as {
      log: { entries: { request: { url: string } }[] };
    };
    const configReads = log.entries.filter((e) => e.request.url.endsWith(`/blobs/${docker.config.digest}`));
    expect(configReads).toHaveLength(1);
  });

  it("manifest --accept-schema2 mimics a schema-2-only client (distribution answers 404 for an OCI index)", async () => {
    const docker2 = await regatta(["manifest", `${host}/cli/docker:v1`, "--accept-schema2"]);
    expect(docker2.code).toBe(0);
    const oci = await regatta(["manifest", `${host}/cli/app:1.0`, "--accept-schema2"]);
    expect(oci.code).not.toBe(0);
    expect(oci.stderr).toMatch(/^regatta: /);
  });

  it("digest prints the digest alone", async () => {
    expect((await regatta(["digest", `${host}/cli/app:1.0`])).stdout).toBe(`${index.index.digest}\n`);
  });

  it("blob to stdout (two-argument boater form too) and to a file", async () => {
    const layer = docker.layers[0]!;
    const out = await regatta(["blob", `${host}/cli/docker@${layer.digest}`]);
    expect(out.code).toBe(0);
    expect(out.stdoutBytes.equals(layer.bytes)).toBe(true);
    const two = await regatta(["get-blob", `${host}/cli/docker`, docker.config.digest]);
    expect(two.stdoutBytes.equals(docker.config.bytes)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), "regatta-cli-blob-"));
    const file = await regatta(["blob", `${host}/cli/docker@${layer.digest}`, "-o", join(dir, "l.tgz")]);
    expect(file.code).toBe(0);
    expect(readdirSync(dir)).toEqual(["l.tgz"]);
  });

  it("blob -o - writes to stdout, as export -o - does, not to a file named -", async () => {
    const layer = docker.layers[0]!;
    const out = await regatta(["blob", `${host}/cli/docker@${layer.digest}`, "-o", "-"]);
    expect(out.code).toBe(0);
    expect(out.stdoutBytes.equals(layer.bytes)).toBe(true);
  });

  it("config, inspect and size", async () => {
    const config = await regatta(["config", `${host}/cli/docker:v1`]);
    expect(config.stdoutBytes.equals(docker.config.bytes)).toBe(true);
    // --json changes nothing: the exact bytes, as crane config and regctl image config print them (docs/security.md).
    const json = await regatta(["config", `${host}/cli/docker:v1`, "--json"]);
    expect(json.stdoutBytes.equals(docker.config.bytes)).toBe(true);
    const inspect = await regatta(["inspect", `${host}/cli/app:1.0`]);
    expect(inspect.stdout).toContain("linux/arm64/v8");
    expect(inspect.stdout).toContain(index.index.digest);
    const size = await regatta(["size", `${host}/cli/docker:v1`]);
    const expected = docker.config.bytes.length + docker.layers.reduce((s, l) => s + l.bytes.length, 0);
    expect(size.stdout).toBe(`${expected}\n`);
  });

  it("size reads the manifests only (a config of any size costs nothing); with --platform, the config names it", async () => {
    const out = await regatta(["size", `${host}/cli/docker:v1`, "-v"]);
    expect(out.code).toBe(0);
    expect(out.stderr).toContain("/manifests/v1");
    expect(out.stderr).not.toContain("/blobs/");
    const noted = await regatta(["size", `${host}/cli/docker:v1`, "--platform", "linux/amd64", "-v"]);
    expect(noted.code).toBe(0);
    expect(noted.stderr).toContain(`/blobs/${docker.config.digest}`);
    expect(noted.stderr).toContain("--platform linux/amd64 ignored: ");
  });

  it("credentials: -u/-p and --password-stdin work, and -v never shows the password", async () => {
    const ref = `${basic.host}/cli/private`;
    const withFlags = await regatta(["tags", ref, "-u", "regatta", "-p", "regatta-secret", "-v"]);
    expect(withFlags).toMatchObject({ code: 0, stdout: "1\n" });
    expect(withFlags.stderr).toContain("> GET");
    expect(withFlags.stderr).not.toContain("regatta-secret");
    expect(withFlags.stderr).not.toMatch(/authorization/i);
    const stdin = await regatta(["tags", ref, "-u", "regatta", "--password-stdin"], {
      input: "regatta-secret\n",
    });
    expect(stdin).toMatchObject({ code: 0, stdout: "1\n" });
  });

  describe("bad input and failures: one line on stderr, a distinct exit status, nothing on stdout", () => {
    it.each([
      ["malformed reference", ["manifest", "Bad:Ref:x"], 2, /invalid reference/],
      ["bad digest", ["blob", "localhost:5000/a@sha256:abc"], 2, /sha256 needs 64 hex characters/],
      ["unknown flag", ["tags", "x", "--nope"], 2, /unknown option/],
      [
        "missing copy --from-file",
        ["copy", "--from-file", "/no/list"],
        2,
        /^regatta: --from-file \/no\/list: cannot read it \(no such file\)\n$/,
      ],
      [
        "missing sync --config",
        ["sync", "--config", "/no/sync.yaml"],
        2,
        /^regatta: --config \/no\/sync.yaml: cannot read it \(no such file\)\n$/,
      ],
      [
        "put-manifest of a file that is no manifest",
        ["put-manifest", "127.0.0.1:1/a:x", "/etc/passwd"],
        2,
        /^regatta: \/etc\/passwd: invalid manifest: not JSON/,
      ],
      [
        "put-manifest of empty stdin",
        ["put-manifest", "127.0.0.1:1/a:x", "-"],
        2,
        /^regatta: stdin: invalid manifest: not JSON/,
      ],
      [
        "missing --ca-file",
        ["tags", "x", "--ca-file", "/nonexistent"],
        2,
        /^regatta: --ca-file \/nonexistent: cannot read it \(no such file\)\n$/,
      ],
      [
        "directory --ca-file",
        ["tags", "x", "--ca-file", "/"],
        2,
        /^regatta: --ca-file \/: cannot read it \(it is a directory\)\n$/,
      ],
      [
        "--ca-file that holds no certificate: named by its path",
        ["--ca-file", "/etc/passwd", "manifest", "127.0.0.1:1/x:y"],
        2,
        /^regatta: --ca-file \/etc\/passwd holds no PEM certificate \(a "-----BEGIN CERTIFICATE-----" block\)[^\n]*\n$/,
      ],
      [
        "missing --cert-file",
        ["tags", "x", "--cert-file", "/no/c.pem", "--key-file", "/no/k.pem"],
        2,
        /--cert-file \/no\/c.pem: cannot read it/,
      ],
    ])("%s", async (_what, args, code, message) => {
      const r = await regatta(args as string[]);
      expect(r.code).toBe(code);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(message as RegExp);
    });

    it("unknown tag → exit 3 with the registry's code", async () => {
      const r = await regatta(["manifest", `${host}/cli/app:nope`]);
      expect(r).toMatchObject({ code: 3, stdout: "" });
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain("MANIFEST_UNKNOWN");
    });

    it("wrong password → exit 4, password not repeated", async () => {
      const r = await regatta(["tags", `${basic.host}/cli/private`, "-u", "regatta", "-p", "hunter2-wrong"]);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain("401");
      expect(r.stderr).not.toContain("hunter2-wrong");
    });

    it("unreachable host → exit 5", async () => {
      const r = await regatta(["tags", "127.0.0.1:1/x/y"]);
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/cannot reach|refused/);
    });

    it("-v adds the code and the request to the error", async () => {
      const r = await regatta(["-v", "manifest", `${host}/cli/app:nope`]);
      expect(r.stderr).toContain("code: MANIFEST_UNKNOWN, status: 404");
      expect(r.stderr).toContain(`request: GET http://${host}/v2/cli/app/manifests/nope`);
    });

    it("a blob written with -o that fails leaves nothing behind", async () => {
      const dir = mkdtempSync(join(tmpdir(), "regatta-cli-fail-"));
      const r = await regatta(["blob", `${host}/cli/docker@sha256:${"0".repeat(64)}`, "-o", join(dir, "x")]);
      expect(r.code).toBe(3);
      expect(existsSync(join(dir, "x"))).toBe(false);
      expect(readdirSync(dir)).toEqual([]);
    });
  });

  it("--help lists examples", async () => {
    const r = await regatta(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Examples:");
    expect((await regatta(["tags", "--help"])).stdout).toContain("Examples:");
  });
});
