import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type FaultProxy,
  generateImage,
  generateIndex,
  pushImage,
  startFaultProxy,
  useRegistry,
} from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthenticationError,
  connect,
  DigestMismatchError,
  NotFoundError,
  ProtocolError,
  RegistryUnreachableError,
} from "./index.js";

const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

describe("reading from a real registry (anonymous)", () => {
  const registry = useRegistry("none");
  let index: Awaited<ReturnType<typeof generateIndex>>;
  let docker: Awaited<ReturnType<typeof generateImage>>;

  beforeAll(async () => {
    index = await generateIndex({
      platforms: ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"],
      mediaTypes: "oci",
    });
    docker = await generateImage({
      layers: [2048, 4096],
      mediaTypes: "docker",
      labels: { "org.example": "yes" },
    });
    await pushImage(registry.url, "team/app", "1.0", index);
    await pushImage(registry.url, "team/docker", "v1", docker);
    // 300 tags on one repository: distribution answers them all in one page, whatever n says.
    for (let i = 0; i < 300; i++)
      await pushImage(registry.url, "team/many", `t${String(i).padStart(3, "0")}`, docker);
    for (const name of ["a/one", "b/two", "c/three", "d/four"])
      await pushImage(registry.url, name, "x", docker);
  }, 120_000);

  it("connects, pings, and lists 300 tags", async () => {
    const reg = await connect(registry.url);
    const all = await reg.allTags("team/many");
    expect(all).toHaveLength(300);
    // distribution 2.8 lists tags in storage order, not sorted.
    expect([...all].sort()).toEqual(Array.from({ length: 300 }, (_, i) => `t${String(i).padStart(3, "0")}`));
    const page = await reg.tags("team/many");
    expect(page.name).toBe("team/many");
    await reg.close();
  });

  it("lists tags with digests, as the Ruby gem's withHashes", async () => {
    const reg = await connect(registry.url);
    const page = await reg.tags("team/app", { withDigests: true });
    expect(page).toEqual({ name: "team/app", tags: ["1.0"], digests: { "1.0": index.index.digest } });
    await reg.close();
  });

  it("pages through the catalog with n and Link", async () => {
    const reg = await connect(registry.url);
    const first = await reg.catalog({ n: 2 });
    expect(first.repositories).toHaveLength(2);
    expect(first.next).toMatch(/last=/);
    const pages = [];
    for await (const page of reg.catalogPages({ n: 2 })) pages.push(page.repositories);
    expect(pages.length).toBeGreaterThanOrEqual(4);
    expect(pages.flat()).toEqual([
      "a/one",
      "b/two",
      "c/three",
      "d/four",
      "team/app",
      "team/docker",
      "team/many",
    ]);
    expect(await reg.search("team/")).toEqual(["team/app", "team/docker", "team/many"]);
    await reg.close();
  });

  it("gets an index with its exact bytes and digest, and resolves linux/arm64/v8", async () => {
    const reg = await connect(registry.url);
    const got = await reg.manifest("team/app:1.0");
    expect(got.kind).toBe("index");
    expect(got.digest).toBe(index.index.digest);
    expect(Buffer.from(got.bytes).equals(index.index.bytes)).toBe(true);
    expect(got.headers["docker-content-digest"]).toBe(index.index.digest);

    const arm = await reg.resolve("team/app:1.0", "linux/arm64/v8");
    const child = index.children.find((c) => c.platform.architecture === "arm64");
    expect(arm.digest).toBe(child?.manifest.digest);
    expect(arm.index?.digest).toBe(index.index.digest);
    expect(arm.platform).toBe("linux/arm64/v8");
    // arm64 without a variant is v8, as containerd matches it.
    expect((await reg.manifest("team/app:1.0", { platform: "linux/arm64" })).digest).toBe(
      child?.manifest.digest,
    );
    await expect(reg.manifest("team/app:1.0", { platform: "linux/s390x" })).rejects.toThrow(
      /linux\/amd64, linux\/arm64\/v8, linux\/arm\/v7/,
    );
    expect(await reg.digest("team/app:1.0")).toBe(index.index.digest);
    expect(await reg.digest("team/app:1.0", { platform: "linux/arm/v7" })).toBe(
      index.children.find((c) => c.platform.architecture === "arm")?.manifest.digest,
    );
    await reg.close();
  });

  it("gets a Docker schema 2 manifest by digest, its config, and sizes", async () => {
    const reg = await connect(registry.url);
    const got = await reg.manifest(`team/docker@${docker.manifest.digest}`);
    expect(got.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    const config = await reg.config("team/docker:v1");
    expect(config.config.config?.Labels).toEqual({ "org.example": "yes" });
    const expected = docker.config.bytes.length + docker.layers.reduce((s, l) => s + l.bytes.length, 0);
    expect(await reg.size("team/docker:v1")).toBe(expected);
    const summary = await reg.inspect("team/docker:v1");
    expect(summary.layers?.map((l) => l.digest)).toEqual(docker.layers.map((l) => l.digest));
    expect(summary.labels).toEqual({ "org.example": "yes" });
    await reg.close();
  });

  it("downloads a blob verified, to a file atomically, and by HEAD reports its size", async () => {
    const reg = await connect(registry.url);
    const layer = docker.layers[1]!;
    const dir = mkdtempSync(join(tmpdir(), "regatta-blob-"));
    const saved = await reg.blob("team/docker", layer.digest).toFile(join(dir, "layer.tgz"));
    expect(saved.size).toBe(layer.bytes.length);
    expect(sha256(readFileSync(join(dir, "layer.tgz")))).toBe(layer.digest);
    expect(readdirSync(dir)).toEqual(["layer.tgz"]);
    expect(await reg.blobSize("team/docker", layer.digest)).toBe(layer.bytes.length);
    expect(await reg.hasBlob("team/docker", sha256(Buffer.from("nope")))).toBe(false);
    expect((await reg.blob(`team/docker@${docker.config.digest}`).json<{ os: string }>()).os).toBe("linux");
    await reg.close();
  });

  it("reports unknown repositories, tags and blobs as NotFoundError with the registry's code", async () => {
    const reg = await connect(registry.url);
    await expect(reg.tags("team/nope")).rejects.toMatchObject({
      name: "NotFoundError",
      code: "NAME_UNKNOWN",
      status: 404,
    });
    const err = await reg.manifest("team/app:nope").catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.code).toBe("MANIFEST_UNKNOWN");
    expect(err.request).toEqual({ method: "GET", url: `${registry.url}/v2/team/app/manifests/nope` });
    await expect(reg.blob("team/app", sha256(Buffer.from("x"))).bytes()).rejects.toMatchObject({
      code: "BLOB_UNKNOWN",
    });
    await reg.close();
  });

  describe("through a proxy that tampers with content", () => {
    let proxy: FaultProxy;
    let proxyUrl: string;
    beforeAll(async () => {
      // Every blob and manifest by digest served with its last byte flipped.
      proxy = await startFaultProxy(registry.url, [
        {
          method: "GET",
          path: /\/(blobs|manifests)\/sha256:/,
          times: Number.POSITIVE_INFINITY,
          fault: { type: "corrupt", at: -1 },
        },
      ]);
      proxyUrl = proxy.url;
    });
    afterAll(() => proxy.close());

    it("refuses a tampered blob with DigestMismatchError and leaves no file behind", async () => {
      const reg = await connect(proxyUrl);
      const dir = mkdtempSync(join(tmpdir(), "regatta-tamper-"));
      const target = join(dir, "layer.tgz");
      const err = await reg
        .blob("team/docker", docker.layers[0]!.digest)
        .toFile(target)
        .catch((e) => e);
      expect(err).toBeInstanceOf(DigestMismatchError);
      expect(err.expected).toBe(docker.layers[0]!.digest);
      expect(existsSync(target)).toBe(false);
      expect(readdirSync(dir)).toEqual([]);
      await reg.close();
    });

    it("refuses a manifest that does not match the digest asked for", async () => {
      const reg = await connect(proxyUrl);
      const err = await reg.manifest(`team/docker@${docker.manifest.digest}`).catch((e) => e);
      // A flipped last byte breaks the JSON or the digest: either way it is refused with a typed error.
      expect(err?.name).toMatch(/DigestMismatchError|InvalidManifestError/);
      await reg.close();
    });
  });
});

describe("authenticated registries", () => {
  const basic = useRegistry("basic");
  const token = useRegistry("token");

  beforeAll(async () => {
    const image = await generateImage({ layers: 1 });
    await pushImage(basic.url, "private/app", "1", image, {
      username: "regatta",
      password: "regatta-secret",
    });
    await pushImage(token.url, "private/app", "1", image, {
      username: "regatta",
      password: "regatta-secret",
    });
  }, 60_000);

  for (const [name, registry] of [
    ["basic", basic],
    ["token", token],
  ] as const) {
    it(`${name}: reads with the right password and never logs it`, async () => {
      const lines: string[] = [];
      const reg = await connect(registry.url, {
        username: "regatta",
        password: "regatta-secret",
        logger: (l) => lines.push(l),
      });
      expect((await reg.tags("private/app")).tags).toEqual(["1"]);
      expect(reg.whoami().scheme).toBe(name === "basic" ? "basic" : "bearer");
      expect(JSON.stringify(reg.whoami())).not.toContain("regatta-secret");
      await reg.close();
      expect(lines.length).toBeGreaterThan(1);
      for (const line of lines) {
        expect(line).not.toContain("regatta-secret");
        expect(line).not.toMatch(/Basic [A-Za-z0-9+/=]{8,}|Bearer [A-Za-z0-9._-]{8,}/);
      }
    });

    it(`${name}: a wrong password is an AuthenticationError that does not repeat it`, async () => {
      // connect() checks the credentials it is given, so the refusal comes at once, not at the first call.
      const err = await connect(registry.url, { username: "regatta", password: "wrong-password-123" }).catch(
        (e) => e,
      );
      expect(err).toBeInstanceOf(AuthenticationError);
      expect(err.status).toBe(401);
      expect(`${err.message} ${JSON.stringify(err)}`).not.toContain("wrong-password-123");
    });

    it(`${name}: anonymous access gets what the registry grants anonymously`, async () => {
      const reg = await connect(registry.url, { anonymous: true });
      if (name === "basic") {
        // htpasswd registries have no anonymous access at all.
        await expect(reg.tags("private/app")).rejects.toBeInstanceOf(AuthenticationError);
      } else {
        // The test kit's token server grants anonymous pull (like Docker Hub's public repositories) but not catalog.
        expect((await reg.tags("private/app")).tags).toEqual(["1"]);
        await expect(reg.catalog()).rejects.toMatchObject({ status: 401 });
      }
      await reg.close();
    });
  }
});

describe("connect fails fast", () => {
  it("on a host that is not a registry", async () => {
    const server = createServer((_req, res) => res.writeHead(404).end("not here"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    await expect(connect(url)).rejects.toBeInstanceOf(ProtocolError);
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("on a port nobody listens on", async () => {
    const err = await connect("http://127.0.0.1:1", { retry: { attempts: 0 } }).catch((e) => e);
    expect(err).toBeInstanceOf(RegistryUnreachableError);
    expect(err.message).toContain("127.0.0.1:1");
  });
});
