// client.with() (issue 11): a derived client shares the transport and token cache and carries its own defaults.
// Every call that sends a request must carry the derived client's signal, the REPL's Ctrl-C depends on it: the
// table below names a call for each method, and a test fails when a new method is missing from it.

import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "./connect.js";
import { RegistryClient } from "./registry-client.js";
import { loadSchema1Key } from "./schema1.js";

const DIGEST = `sha256:${"a".repeat(64)}`;
const SCHEMA1_KEY = loadSchema1Key(
  JSON.stringify(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" })),
);
const sha256 = (bytes: string) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/** A one-layer image, written below as an OCI layout for push. */
const IMAGE = (() => {
  const config = JSON.stringify({
    architecture: "amd64",
    os: "linux",
    rootfs: { type: "layers", diff_ids: [] },
  });
  const layer = "not really a tar, never read";
  const manifest = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: sha256(config),
      size: config.length,
    },
    layers: [
      { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha256(layer), size: layer.length },
    ],
  };
  return { config, layer, manifest };
})();

function writeLayout(root: string): void {
  const manifest = JSON.stringify(IMAGE.manifest);
  mkdirSync(join(root, "blobs/sha256"), { recursive: true });
  for (const blob of [IMAGE.config, IMAGE.layer, manifest])
    writeFileSync(join(root, "blobs/sha256", sha256(blob).slice(7)), blob);
  writeFileSync(join(root, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(root, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: IMAGE.manifest.mediaType, digest: sha256(manifest), size: manifest.length }],
    }),
  );
}

/** One call per method that sends something, as a user would make it. */
const CALLS: Record<string, (reg: RegistryClient, dir: string) => Promise<unknown>> = {
  tags: (r) => r.tags("team/app"),
  allTags: (r) => r.allTags("team/app"),
  tagsWithDigests: (r) => r.tagsWithDigests("team/app"),
  tagPages: async (r) => {
    for await (const page of r.tagPages("team/app")) return page;
  },
  catalog: (r) => r.catalog(),
  repositories: (r) => r.repositories(),
  catalogPages: async (r) => {
    for await (const page of r.catalogPages()) return page;
  },
  search: (r) => r.search("app"),
  manifest: (r) => r.manifest("team/app:1"),
  digest: (r) => r.digest("team/app:1"),
  head: (r) => r.head("team/app:1"),
  resolve: (r) => r.resolve("team/app:1"),
  blobSize: (r) => r.blobSize("team/app", DIGEST),
  hasBlob: (r) => r.hasBlob("team/app", DIGEST),
  config: (r) => r.config("team/app:1"),
  inspect: (r) => r.inspect("team/app:1"),
  size: (r) => r.size("team/app:1"),
  inventory: (r) => r.inventory("team/app"),
  diff: (r) => r.diff("team/app:1", "team/app:1", { files: true }),
  pushBlob: (r) => r.pushBlob("team/app", Buffer.from("x")),
  mountBlob: (r) => r.mountBlob("team/other", "team/app", DIGEST),
  putManifest: (r) => r.putManifest("team/app:1", IMAGE.manifest),
  pushSchema1: (r) => r.pushSchema1("team/app:1", "team/old:1", { key: SCHEMA1_KEY }),
  convertToSchema1: (r) => r.convertToSchema1("team/app:1", "team/old:1"),
  tag: (r) => r.tag("team/app:1", "team/app:2"),
  copy: (r) => r.copy("team/app:1", "team/copy:1"),
  deleteTag: (r) => r.deleteTag("team/app:1"),
  deleteManifest: (r) => r.deleteManifest(`team/app@${DIGEST}`),
  deleteRepository: (r) => r.deleteRepository("team/app"),
  deleteBlob: (r) => r.deleteBlob("team/app", DIGEST),
  pull: (r, dir) => r.pull("team/app:1", join(dir, "out.tar")),
  push: (r, dir) => r.push(join(dir, "layout"), "team/app:1"),
  ping: (r) => r.ping(),
  planSync: (r) => r.planSync({ source: "team/app", target: "team/mirror" }),
  sync: (r) => r.sync({ source: "team/app", target: "team/mirror" }),
  rateLimit: (r) => r.rateLimit("team/app:1"),
  explainAuth: (r) => r.explainAuth("team/app:1", { push: true }),
  explain: (r) => r.explain("team/app:1"),
  file: (r) => r.file("team/app:1", "/etc/os-release"),
  fileStream: (r) => r.fileStream("team/app:1", "/etc/os-release"),
  listFiles: (r) => r.listFiles("team/app:1", "/"),
  exportFilesystem: (r, dir) => r.exportFilesystem("team/app:1", join(dir, "rootfs.tar")),
  referrers: (r) => r.referrers("team/app:1"),
  referrerTree: (r) => r.referrerTree("team/app:1"),
  copyReferrers: (r) => r.copyReferrers("team/app:1", "team/copy:1"),
  pushArtifact: (r) =>
    r.pushArtifact("team/app:art", { artifactType: "application/x", files: [{ bytes: "x", title: "x" }] }),
  pullArtifact: (r, dir) => r.pullArtifact("team/app:art", join(dir, "artifact")),
  createIndex: (r) => r.createIndex("team/app:multi", ["team/app:1"]),
  editIndex: (r) => r.editIndex("team/app:multi", { remove: ["linux/arm64"] }),
  // The blob handle's own calls.
  "blob().stream": (r) => r.blob("team/app", DIGEST).stream(),
  "blob().toFile": (r, dir) => r.blob("team/app", DIGEST).toFile(join(dir, "blob")),
  "blob().bytes": (r) => r.blob("team/app", DIGEST).bytes(),
  "blob().size": (r) => r.blob("team/app", DIGEST).size(),
  "blob().exists": (r) => r.blob("team/app", DIGEST).exists(),
};
/** Methods that send nothing themselves (blob() returns a handle, whose calls are in the table). */
const SEND_NOTHING = ["constructor", "with", "blob", "whoami", "close", "toString", "registry", "url"];

/** A registry that accepts connections and never answers: only an abort ends a call. */
let server: Server;
let registry = "";
const sockets = new Set<Socket>();
let dir = "";
beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  registry = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  dir = mkdtempSync(join(tmpdir(), "regatta-with-"));
  writeLayout(join(dir, "layout"));
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe("client.with({ signal })", () => {
  it("has a call in the table for every method that sends a request", () => {
    const methods = Object.getOwnPropertyNames(RegistryClient.prototype).filter(
      (m) => !SEND_NOTHING.includes(m),
    );
    expect(methods.filter((m) => !(m in CALLS))).toEqual([]);
  });

  it.each(Object.keys(CALLS))("%s: aborting the derived client's signal ends the call", async (name) => {
    const reg = createClient(registry, { anonymous: true, retry: { attempts: 0 } });
    const controller = new AbortController();
    const call = CALLS[name] as (r: RegistryClient, d: string) => Promise<unknown>;
    const pending = call(reg.with({ signal: controller.signal }), dir);
    const outcome = pending.then(
      () => "resolved",
      (error: unknown) => error,
    );
    // Left alone, the call waits on a registry that never answers (the request timeout is 60 s).
    const early = await Promise.race([outcome, new Promise((r) => setTimeout(() => r("pending"), 150))]);
    expect(early).toBe("pending");
    controller.abort(new Error("stopped by the test"));
    const settled = await Promise.race([
      outcome,
      new Promise((r) => setTimeout(() => r("still pending"), 5000)),
    ]);
    expect(settled).toBeInstanceOf(Error);
    await reg.close();
  });

  it("joins the call's own signal, the derived client's and the parent's: any of them aborts", async () => {
    const reg = createClient(registry, { anonymous: true, retry: { attempts: 0 } });
    const parent = new AbortController();
    const child = reg.with({ signal: parent.signal }).with({ signal: new AbortController().signal });
    const pending = child.tags("team/app").then(
      () => "resolved",
      (e: unknown) => e,
    );
    parent.abort(new Error("parent"));
    expect(await pending).toBeInstanceOf(Error);
    const own = new AbortController();
    const second = reg
      .with({ signal: new AbortController().signal })
      .tags("team/app", { signal: own.signal })
      .then(
        () => "resolved",
        (e: unknown) => e,
      );
    own.abort(new Error("own"));
    expect(await second).toBeInstanceOf(Error);
    await reg.close();
  });

  it("asks a signal function at each call, so a replaced signal is followed", async () => {
    let current = new AbortController();
    const reg = createClient(registry, { anonymous: true, retry: { attempts: 0 } }).with({
      signal: () => current.signal,
    });
    current.abort(new Error("first"));
    await expect(reg.tags("team/app")).rejects.toThrow();
    current = new AbortController();
    const pending = reg.tags("team/app").then(
      () => "resolved",
      (e: unknown) => e,
    );
    expect(await Promise.race([pending, new Promise((r) => setTimeout(() => r("pending"), 150))])).toBe(
      "pending",
    );
    current.abort(new Error("second"));
    expect(await pending).toBeInstanceOf(Error);
    await reg.close();
  });
});

describe("client.with({ platform, concurrency, pagination })", () => {
  it("changes only the derived client, shares the transport and the authenticator", async () => {
    const reg = createClient("registry.example", { platform: "linux/amd64" });
    const arm = reg.with({ platform: "linux/arm64/v8", concurrency: 3, pagination: { maxPages: 2 } });
    expect(arm.ctx.platform).toBe("linux/arm64/v8");
    expect(arm.ctx.concurrency).toBe(3);
    expect(arm.ctx.pagination).toEqual({ maxPages: 2 });
    expect(reg.ctx.platform).toBe("linux/amd64");
    expect(reg.ctx.pagination).toBeUndefined();
    expect(arm.ctx.transport).toBe(reg.ctx.transport);
    expect(arm.ctx.authenticator).toBe(reg.ctx.authenticator);
    expect(arm.registry).toBe(reg.registry);
    await reg.close();
  });

  it("refuses a platform or a concurrency that means nothing, at once", () => {
    const reg = createClient("registry.example");
    expect(() => reg.with({ platform: "linux//" })).toThrow(/platform/i);
    expect(() => reg.with({ concurrency: 0 })).toThrow(/concurrency/);
    expect(() => reg.with({ concurrency: 1.5 })).toThrow(/concurrency/);
  });
});

describe("connect options: signal", () => {
  it("is the client's signal: every call carries it", async () => {
    const controller = new AbortController();
    const reg = createClient(registry, {
      anonymous: true,
      retry: { attempts: 0 },
      signal: controller.signal,
    });
    const pending = reg.allTags("team/app").then(
      () => "resolved",
      (e: unknown) => e,
    );
    controller.abort(new Error("stop"));
    expect(await pending).toBeInstanceOf(Error);
    await reg.close();
  });
});
