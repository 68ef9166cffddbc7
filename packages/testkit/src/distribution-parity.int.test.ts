/**
 * Contract test of the fake: the same requests go to the real distribution 2.8.2 and to distributionHandlers
 * served on a socket, holding the same content; status, the headers that matter and the bodies must agree.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeRepository } from "./fake-store.js";
import { distributionHandlers } from "./flavours/distribution.js";
import { type GeneratedImage, type GeneratedIndex, generateImage, generateIndex } from "./generate-image.js";
import { MEDIA_TYPES } from "./media-types.js";
import { pushImage } from "./push-image.js";
import { type ServedHandlers, serveHandlers } from "./serve-handlers.js";
import { type RegistryAuth, type RunningRegistry, startRegistry } from "./start-registry.js";

const COMPARED_HEADERS = [
  "content-type",
  "content-length",
  "docker-content-digest",
  "docker-distribution-api-version",
  "etag",
  "www-authenticate",
  "accept-ranges",
  "cache-control",
  "content-range",
  "link",
  "range",
  "location",
  "docker-upload-uuid",
  "x-content-type-options",
];
const ALL = Object.values(MEDIA_TYPES)
  .flatMap((m) => [m.manifest, m.index])
  .join(", ");
const basic = `Basic ${Buffer.from("regatta:regatta-secret").toString("base64")}`;

interface Probe {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

async function observe(origin: string, probe: Probe, realm?: string) {
  const res = await fetch(`${origin}${probe.path}`, {
    method: probe.method ?? "GET",
    headers: probe.headers ?? {},
    ...(probe.body !== undefined ? { body: probe.body } : {}),
    redirect: "manual",
  });
  const scrub = (text: string) => {
    const out = (realm ? text.split(realm).join("REALM") : text).split(origin).join("ORIGIN");
    return (
      out
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "UUID")
        .replace(/_state=[^&"\s]+/g, "_state=STATE")
        // distribution lists a challenge's actions in Go map order (push,pull or pull,push): the order means nothing.
        .replace(
          /(scope="[^"]*:)([a-z*]+(?:,[a-z*]+)+)"/g,
          (_m, head: string, actions: string) => `${head}${actions.split(",").sort().join(",")}"`,
        )
    );
  };
  const headers: Record<string, string> = {};
  for (const name of COMPARED_HEADERS) {
    const value = res.headers.get(name);
    if (value !== null) headers[name] = scrub(value);
  }
  let body = scrub(await res.text());
  // 2.8.2 lists tags in storage-directory order; the fake sorts them. Compare as sets.
  if (/\/tags\/list/.test(probe.path) && res.status === 200) {
    const json = JSON.parse(body) as { name: string; tags: string[] | null };
    body = JSON.stringify({ ...json, tags: json.tags ? [...json.tags].sort() : null });
  }
  return { status: res.status, headers, body };
}

let docker: GeneratedImage;
let oci: GeneratedImage;
let dockerList: GeneratedIndex;
let ociIndex: GeneratedIndex;
beforeAll(async () => {
  docker = await generateImage({ layers: [100, 200], mediaTypes: "docker", seed: "parity-docker" });
  oci = await generateImage({ layers: [300], mediaTypes: "oci", seed: "parity-oci" });
  dockerList = await generateIndex({ mediaTypes: "docker", platforms: ["linux/amd64", "linux/arm64/v8"] });
  ociIndex = await generateIndex({ mediaTypes: "oci", platforms: ["linux/amd64", "linux/arm/v7"] });
});

function pair(auth: RegistryAuth) {
  const state = {} as { real: RunningRegistry; fake: ServedHandlers };
  beforeAll(async () => {
    state.real = await startRegistry({ auth });
    const credentials = { username: "regatta", password: "regatta-secret" };
    await pushImage(state.real.url, "demo/docker", "v1", docker, credentials);
    await pushImage(state.real.url, "demo/docker", "list", dockerList, credentials);
    await pushImage(state.real.url, "demo/oci", "v1", oci, credentials);
    await pushImage(state.real.url, "demo/oci", "multi", ociIndex, credentials);
    state.fake = await serveHandlers(
      distributionHandlers({
        repos: {
          "demo/docker": fakeRepository({ v1: docker, list: dockerList }),
          "demo/oci": fakeRepository({ v1: oci, multi: ociIndex }),
        },
        ...(auth === "basic"
          ? { auth: { type: "basic" } }
          : auth === "token"
            ? { auth: { type: "bearer" } }
            : {}),
      }),
    );
  });
  afterAll(async () => {
    await state.real?.stop();
    await state.fake?.close();
  });
  const compare = async (probe: Probe) => {
    const realRealm = state.real.tokenServer?.realm;
    const real = await observe(state.real.url, probe, realRealm);
    const fake = await observe(state.fake.url, probe, `${state.fake.url}/token`);
    return { real, fake };
  };
  return Object.assign(compare, { urls: () => ({ real: state.real.url, fake: state.fake.url }) });
}

describe("fake distribution matches the real one (anonymous)", () => {
  const compare = pair("none");
  const missing = `sha256:${"0".repeat(64)}`;
  const probes = (): [string, Probe][] => [
    ["ping", { path: "/v2/" }],
    ["catalog", { path: "/v2/_catalog" }],
    ["catalog page 1", { path: "/v2/_catalog?n=1" }],
    ["catalog page 2", { path: "/v2/_catalog?n=1&last=demo%2Fdocker" }],
    ["catalog n=0", { path: "/v2/_catalog?n=0" }],
    ["tags ignore n", { path: "/v2/demo/docker/tags/list?n=1" }],
    ["tags of unknown repo", { path: "/v2/nope/tags/list" }],
    ["invalid name", { path: "/v2/Demo/tags/list" }],
    ["docker manifest", { path: "/v2/demo/docker/manifests/v1", headers: { accept: ALL } }],
    [
      "docker manifest HEAD",
      { method: "HEAD", path: "/v2/demo/docker/manifests/v1", headers: { accept: ALL } },
    ],
    ["docker list", { path: "/v2/demo/docker/manifests/list", headers: { accept: ALL } }],
    [
      "docker list by tag without list accept",
      { path: "/v2/demo/docker/manifests/list", headers: { accept: MEDIA_TYPES.docker.manifest } },
    ],
    ["oci manifest", { path: "/v2/demo/oci/manifests/v1", headers: { accept: MEDIA_TYPES.oci.manifest } }],
    ["oci manifest without accept", { path: "/v2/demo/oci/manifests/v1" }],
    [
      "oci index without accept",
      { path: "/v2/demo/oci/manifests/multi", headers: { accept: MEDIA_TYPES.oci.manifest } },
    ],
    [
      "oci index by digest",
      { path: `/v2/demo/oci/manifests/${ociIndex.index.digest}`, headers: { accept: ALL } },
    ],
    ["unknown tag", { path: "/v2/demo/oci/manifests/nope", headers: { accept: ALL } }],
    ["unknown digest", { path: `/v2/demo/oci/manifests/${missing}`, headers: { accept: ALL } }],
    ["unknown tag HEAD", { method: "HEAD", path: "/v2/demo/oci/manifests/nope", headers: { accept: ALL } }],
    [
      "if-none-match",
      {
        path: "/v2/demo/oci/manifests/v1",
        headers: { accept: ALL, "if-none-match": `"${oci.manifest.digest}"` },
      },
    ],
    ["blob", { path: `/v2/demo/oci/blobs/${oci.layers[0]!.digest}` }],
    ["blob HEAD", { method: "HEAD", path: `/v2/demo/oci/blobs/${oci.config.digest}` }],
    [
      "blob range",
      { path: `/v2/demo/oci/blobs/${oci.layers[0]!.digest}`, headers: { range: "bytes=10-19" } },
    ],
    [
      "blob open range",
      { path: `/v2/demo/oci/blobs/${oci.layers[0]!.digest}`, headers: { range: "bytes=100-" } },
    ],
    ["unknown blob", { path: `/v2/demo/oci/blobs/${missing}` }],
    ["unknown blob HEAD", { method: "HEAD", path: `/v2/demo/oci/blobs/${missing}` }],
    ["invalid digest", { path: "/v2/demo/oci/blobs/sha256:abc" }],
    ["delete by tag", { method: "DELETE", path: "/v2/demo/oci/manifests/v1" }],
    ["delete unknown manifest", { method: "DELETE", path: `/v2/demo/oci/manifests/${missing}` }],
    ["start upload", { method: "POST", path: "/v2/demo/new/blobs/uploads/" }],
    ["upload status of unknown session", { path: "/v2/demo/new/blobs/uploads/nonexistent" }],
    [
      "mount",
      { method: "POST", path: `/v2/demo/new/blobs/uploads/?mount=${oci.config.digest}&from=demo/oci` },
    ],
    [
      "a POST with ?digest= only opens a session",
      {
        method: "POST",
        path: `/v2/demo/new/blobs/uploads/?digest=${oci.config.digest}`,
        headers: { "content-type": "application/octet-stream" },
        body: oci.config.bytes.toString(),
      },
    ],
    [
      "manifest with a missing blob",
      {
        method: "PUT",
        path: "/v2/demo/new/manifests/broken",
        headers: { "content-type": MEDIA_TYPES.oci.manifest },
        body: JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA_TYPES.oci.manifest,
          config: { mediaType: MEDIA_TYPES.oci.config, digest: missing, size: 2 },
          layers: [],
        }),
      },
    ],
  ];

  it("answers every probe the same way", async () => {
    for (const [name, probe] of probes()) {
      const { real, fake } = await compare(probe);
      expect({ name, ...fake }).toEqual({ name, ...real });
    }
  });
});

describe("fake distribution matches the real one (chunked upload)", () => {
  const compare = pair("none");

  it("walks POST, PATCH, PATCH, GET status and PUT the same way", async () => {
    const content = "hello, registry";
    const digest = `sha256:${createHash("sha256").update(content).digest("hex")}`;
    const octets = { "content-type": "application/octet-stream" };
    // Each side follows its own Location headers; status and Range must agree at every step.
    const walk = async (origin: string) => {
      const seen: { status: number; range: string | null }[] = [];
      const step = async (url: string, init: RequestInit) => {
        const res = await fetch(url, init);
        await res.arrayBuffer();
        seen.push({ status: res.status, range: res.headers.get("range") });
        return res.headers.get("location") ?? "";
      };
      let location = await step(`${origin}/v2/demo/chunks/blobs/uploads/`, { method: "POST" });
      location = await step(location, { method: "PATCH", headers: octets, body: content.slice(0, 5) });
      location = await step(location, { method: "PATCH", headers: octets, body: content.slice(5) });
      await step(location, {});
      await step(`${location}&digest=${digest}`, { method: "PUT" });
      return seen;
    };
    const { real, fake } = compare.urls();
    const realSteps = await walk(real);
    expect(realSteps.map((s) => s.status)).toEqual([202, 202, 202, 204, 201]);
    expect(await walk(fake)).toEqual(realSteps);
    const blob = await compare({ path: `/v2/demo/chunks/blobs/${digest}` });
    expect(blob.fake).toEqual(blob.real);
    expect(blob.real.body).toBe(content);
  });
});

describe.each(["basic", "token"] as const)("fake distribution matches the real one (auth %s)", (auth) => {
  const compare = pair(auth);

  it("challenges the same way", async () => {
    const probes: Probe[] = [
      { path: "/v2/" },
      { path: "/v2/demo/oci/tags/list" },
      { method: "POST", path: "/v2/demo/oci/blobs/uploads/" },
      { path: "/v2/_catalog" },
      ...(auth === "basic" ? [{ path: "/v2/", headers: { authorization: basic } }] : []),
      {
        path: "/v2/",
        headers: { authorization: auth === "basic" ? "Basic Zm9vOmJhcg==" : "Bearer not-a-jwt" },
      },
    ];
    for (const probe of probes) {
      const { real, fake } = await compare(probe);
      expect({ probe, ...fake }).toEqual({ probe, ...real });
    }
  });
});
