import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { type HostileRegistry, LIE_DIGEST, startHostileRegistry } from "./index.js";

const sha256 = (b: Uint8Array | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const manifest = {
  bytes: Buffer.from('{"schemaVersion":2}'),
  mediaType: "application/vnd.oci.image.manifest.v1+json",
};

let registry: HostileRegistry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

const head = (path: string) => fetch(`${registry!.url}${path}`, { method: "HEAD" });

describe("lying-digest", () => {
  it("answers any manifest reference with its manifest and a digest that is not its own", async () => {
    registry = await startHostileRegistry({ behaviour: "lying-digest", manifest });
    for (const ref of ["v1", sha256("anything")]) {
      const got = await fetch(`${registry.url}/v2/a/b/manifests/${ref}`);
      expect(Buffer.from(await got.arrayBuffer()).equals(manifest.bytes)).toBe(true);
      expect(got.headers.get("docker-content-digest")).toBe(LIE_DIGEST);
    }
    expect((await fetch(`${registry.url}/v2/a/blobs/${sha256("x")}`)).status).toBe(404);
  });

  it("tells the truth about what it serves with digest 'served', none with null, and lies on HEAD only with headOnly", async () => {
    registry = await startHostileRegistry({ behaviour: "lying-digest", manifest, digest: "served" });
    expect((await head("/v2/a/manifests/v1")).headers.get("docker-content-digest")).toBe(
      sha256(manifest.bytes),
    );
    await registry.close();
    registry = await startHostileRegistry({ behaviour: "lying-digest", manifest, digest: null });
    expect((await head("/v2/a/manifests/v1")).headers.get("docker-content-digest")).toBeNull();
    await registry.close();
    registry = await startHostileRegistry({ behaviour: "lying-digest", manifest, headOnly: true });
    expect((await head("/v2/a/manifests/v1")).headers.get("docker-content-digest")).toBe(LIE_DIGEST);
    const got = await fetch(`${registry.url}/v2/a/manifests/v1`);
    await got.arrayBuffer();
    expect(got.headers.get("docker-content-digest")).toBe(sha256(manifest.bytes));
  });
});
