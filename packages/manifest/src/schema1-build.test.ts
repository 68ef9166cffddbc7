import { InvalidManifestError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { goMarshalIndent } from "./go-json.js";
import {
  buildSchema1,
  computeDigest,
  GZIPPED_EMPTY_TAR,
  GZIPPED_EMPTY_TAR_DIGEST,
  schema1FromImage,
  schema1Payload,
} from "./index.js";
import { ALPINE_CONFIG, enc, SCHEMA1_SIGNED } from "./test-fixtures.js";
import {
  HTTPD_CONFIG,
  HTTPD_CONFIG_DIGEST,
  HTTPD_DOCKER_PAYLOAD_DIGEST,
  HTTPD_DOCKER_PAYLOAD_LENGTH,
  HTTPD_DOCKER_V1_IDS,
  HTTPD_LAYERS,
} from "./test-schema1-fixtures.js";

const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const v1 = (payload: Uint8Array) =>
  (JSON.parse(dec(payload)).history as { v1Compatibility: string }[]).map((h) =>
    JSON.parse(h.v1Compatibility),
  );

describe("schema1FromImage (distribution's schema1 config builder)", () => {
  it("makes, byte for byte, the payload docker 1.12 signed for a schema-1-only registry", async () => {
    const config = enc(HTTPD_CONFIG);
    expect(computeDigest(config)).toBe(HTTPD_CONFIG_DIGEST);
    const built = await schema1FromImage({
      name: "library/httpd-copy",
      tag: "latest",
      config,
      layers: HTTPD_LAYERS,
    });
    expect(built.payload.byteLength).toBe(HTTPD_DOCKER_PAYLOAD_LENGTH);
    expect(computeDigest(built.payload)).toBe(HTTPD_DOCKER_PAYLOAD_DIGEST);
    expect(v1(built.payload).map((entry) => entry.id)).toEqual(HTTPD_DOCKER_V1_IDS);
    expect(built.usesEmptyLayer).toBe(true);
    // Newest first: the five layers in reverse, the ten empty history entries as the gzipped empty tar.
    const blobSums = built.manifest.fsLayers.map((l) => l.blobSum);
    expect(blobSums.filter((d) => d !== GZIPPED_EMPTY_TAR_DIGEST)).toEqual(
      HTTPD_LAYERS.map((l) => l.digest).reverse(),
    );
    expect(blobSums.filter((d) => d === GZIPPED_EMPTY_TAR_DIGEST)).toHaveLength(10);
  });

  it("writes the top entry as the config without rootfs and history, its keys sorted, Go-escaped", async () => {
    const built = await schema1FromImage({
      name: "library/httpd-copy",
      tag: "latest",
      config: enc(HTTPD_CONFIG),
      layers: HTTPD_LAYERS,
    });
    const top = (JSON.parse(dec(built.payload)).history as { v1Compatibility: string }[])[0]!.v1Compatibility;
    const keys = Object.keys(JSON.parse(top));
    expect(keys).toEqual([...keys].sort());
    expect(keys).not.toContain("rootfs");
    expect(keys).not.toContain("history");
    expect(JSON.parse(top)).toMatchObject({ parent: HTTPD_DOCKER_V1_IDS[1], throwaway: true });
    // The config's `\u0026` is kept as written (a RawMessage is compacted, not re-encoded).
    expect(top).toContain("action=download\\u0026filename");
  });

  it("gives every history entry its blob: layers in order, the empty tar for empty_layer", async () => {
    const built = await schema1FromImage({
      name: "library/alpine",
      tag: "3.23",
      config: enc(ALPINE_CONFIG),
      layers: [{ digest: `sha256:${"1".repeat(64)}` }],
    });
    expect(built.manifest.fsLayers.map((l) => l.blobSum)).toEqual([
      GZIPPED_EMPTY_TAR_DIGEST,
      `sha256:${"1".repeat(64)}`,
    ]);
    const [top, base] = v1(built.payload);
    expect(base).toEqual({
      id: computeDigest(enc(`${"1".repeat(64)} `)).slice(7),
      comment: "buildkit.dockerfile.v0",
      // `2025-12-18T00:12:12Z` as Go re-marshals a time.Time.
      created: "2025-12-18T00:12:12Z",
      container_config: { Cmd: ["ADD alpine-minirootfs-3.23.2-x86_64.tar.gz / # buildkit"] },
    });
    expect(top).toMatchObject({ parent: base.id, throwaway: true, architecture: "amd64", os: "linux" });
    expect(built.manifest).toMatchObject({ name: "library/alpine", tag: "3.23", architecture: "amd64" });
  });

  it("writes times as Go re-marshals them: trailing zeros dropped, +00:00 as Z, absent as the zero time", async () => {
    const config = (created: string | undefined) =>
      enc(
        JSON.stringify({
          architecture: "arm64",
          history: [{ ...(created === undefined ? {} : { created }), created_by: "a" }, { created_by: "b" }],
          rootfs: { type: "layers", diff_ids: ["sha256:x", "sha256:y"] },
        }),
      );
    const layers = [{ digest: `sha256:${"a".repeat(64)}` }, { digest: `sha256:${"b".repeat(64)}` }];
    const created = async (value: string | undefined) =>
      v1((await schema1FromImage({ name: "n", tag: "t", config: config(value), layers })).payload)[1].created;
    expect(await created("2024-01-02T03:04:05.120000Z")).toBe("2024-01-02T03:04:05.12Z");
    expect(await created("2024-01-02T03:04:05.000Z")).toBe("2024-01-02T03:04:05Z");
    expect(await created("2024-01-02T03:04:05+00:00")).toBe("2024-01-02T03:04:05Z");
    expect(await created("2024-01-02T03:04:05.5+02:00")).toBe("2024-01-02T03:04:05.5+02:00");
    expect(await created(undefined)).toBe("0001-01-01T00:00:00Z");
    await expect(created("yesterday")).rejects.toThrow(
      "cannot convert to schema 1: the image config's history[0].created is not an RFC 3339 time",
    );
  });

  it("refuses configs it cannot convert, saying why", async () => {
    const convert = (config: object, layers = 1) =>
      schema1FromImage({
        name: "n",
        tag: "t",
        config: enc(JSON.stringify(config)),
        layers: Array.from({ length: layers }, () => ({ digest: `sha256:${"c".repeat(64)}` })),
      });
    await expect(convert({ rootfs: { diff_ids: ["x"] } })).rejects.toThrow(
      "cannot convert to schema 1: the image config has no history, and schema 1 needs one entry per layer",
    );
    await expect(convert({ history: [{}], rootfs: { diff_ids: ["x", "y"] } })).rejects.toThrow(
      "the image config lists 2 layers (rootfs.diff_ids) but the manifest has 1",
    );
    await expect(convert({ history: [{}, {}], rootfs: { diff_ids: ["x"] } })).rejects.toThrow(
      "the image config's history has more non-empty entries than there are layers",
    );
    await expect(convert({ history: [{}], rootfs: { diff_ids: ["x"] } })).resolves.toMatchObject({
      usesEmptyLayer: false,
    });
  });

  it("gives a Windows image's first layer the base layer as parent", async () => {
    const config = enc(
      JSON.stringify({
        architecture: "amd64",
        os: "windows",
        history: [{ created_by: "base" }, { created_by: "top" }],
        rootfs: { type: "layers", diff_ids: ["sha256:x", "sha256:y"], base_layer: "C:\\base" },
      }),
    );
    const layers = [{ digest: `sha256:${"d".repeat(64)}` }, { digest: `sha256:${"e".repeat(64)}` }];
    const [top, first] = v1((await schema1FromImage({ name: "n", tag: "t", config, layers })).payload);
    const { createHash } = await import("node:crypto");
    const base = createHash("sha384").update("C:\\base").digest("hex").slice(0, 64);
    expect(first.parent).toBe(base);
    expect(first.id).toBe(computeDigest(enc(`${"d".repeat(64)} `)).slice(7));
    expect(top.parent).toBe(first.id);
  });
});

describe("buildSchema1 (json.MarshalIndent with three spaces)", () => {
  it("writes as Go's json.MarshalIndent wrote the payload of a real signed busybox manifest", () => {
    // That fixture pairs 2 fsLayers with 1 history entry (a test of short histories), which buildSchema1 refuses as
    // distribution does; Go's writer itself is checked against it.
    const payload = dec(schema1Payload(enc(SCHEMA1_SIGNED)));
    expect(goMarshalIndent(JSON.parse(payload), "", "   ")).toBe(payload);
    const doc = JSON.parse(payload);
    const built = buildSchema1({
      name: doc.name,
      tag: doc.tag,
      architecture: doc.architecture,
      fsLayers: doc.fsLayers.slice(0, 1).map((l: { blobSum: string }) => l.blobSum),
      history: doc.history.map((h: { v1Compatibility: string }) => h.v1Compatibility),
    });
    expect(dec(built)).toBe(goMarshalIndent({ ...doc, fsLayers: doc.fsLayers.slice(0, 1) }, "", "   "));
  });

  it("escapes as Go does: <, >, &, U+2028 and control characters as \\u, not as JSON.stringify", () => {
    const built = dec(
      buildSchema1({
        name: "a<b>&c",
        tag: "t\u2028\u0001",
        architecture: "amd64",
        fsLayers: [GZIPPED_EMPTY_TAR_DIGEST],
        history: ['{"cmd":"a && b"}'],
      }),
    );
    expect(built).toContain('"name": "a\\u003cb\\u003e\\u0026c"');
    expect(built).toContain('"tag": "t\\u2028\\u0001"');
    expect(built).toContain('"v1Compatibility": "{\\"cmd\\":\\"a \\u0026\\u0026 b\\"}"');
    expect(JSON.parse(built).name).toBe("a<b>&c");
  });

  it("refuses parts distribution would refuse", () => {
    const parts = {
      name: "n",
      tag: "t",
      architecture: "amd64",
      fsLayers: [GZIPPED_EMPTY_TAR_DIGEST],
      history: ["{}"],
    };
    expect(() => buildSchema1({ ...parts, history: [] })).toThrow(
      "invalid schema 1 manifest: 1 fsLayers but 0 history entries; schema 1 pairs them one to one",
    );
    expect(() => buildSchema1({ ...parts, fsLayers: [], history: [] })).toThrow(
      "it needs at least one layer",
    );
    expect(() => buildSchema1({ ...parts, fsLayers: ["sha256:nope"] })).toThrow(InvalidManifestError);
    expect(() => buildSchema1({ ...parts, history: ["[]"] })).toThrow(
      "history[0].v1Compatibility is not a JSON object",
    );
  });

  it("names the gzipped empty tar by its digest", () => {
    expect(computeDigest(GZIPPED_EMPTY_TAR)).toBe(GZIPPED_EMPTY_TAR_DIGEST);
  });
});
