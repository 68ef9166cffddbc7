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
  /** A string is sent as text/plain unless headers say otherwise; bytes are sent with no Content-Type at all. */
  body?: string | Uint8Array;
}

async function observe(origin: string, probe: Probe, realm?: string) {
  const res = await fetch(probe.path.startsWith("http") ? probe.path : `${origin}${probe.path}`, {
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
    ...manifestPuts(),
  ];

  it("answers every probe the same way", async () => {
    for (const [name, probe] of probes()) {
      const { real, fake } = await compare(probe);
      expect({ name, ...fake }).toEqual({ name, ...real });
    }
  });
});

/**
 * Manifest PUTs distribution 2.8 refuses and a lenient fake took (issue 10): a Content-Type that is wrong, missing or
 * names another kind than the body; `{}`, `null`, `[]` and other non-manifests; syntax errors (Go's offsets); fields of
 * the wrong type; Docker types without their mediaType; schemaVersion 1; schema 1 itself.
 */
function manifestPuts(): [string, Probe][] {
  const body = JSON.parse(oci.manifest.bytes.toString()) as Record<string, unknown>;
  const ociBytes = oci.manifest.bytes.toString();
  const asDocker = JSON.stringify({ ...body, mediaType: MEDIA_TYPES.docker.manifest });
  const config = body.config as Record<string, unknown>;
  const layer = (body.layers as Record<string, unknown>[])[0]!;
  const put = (tag: string, contentType: string | undefined, text: string | Uint8Array): Probe => ({
    method: "PUT",
    path: `/v2/demo/oci/manifests/${tag}`,
    ...(contentType !== undefined ? { headers: { "content-type": contentType } } : {}),
    body: text,
  });
  const { manifest: OCI, index: OCI_INDEX } = MEDIA_TYPES.oci;
  const { manifest: DOCKER, index: DOCKER_LIST } = MEDIA_TYPES.docker;
  return [
    ["manifest PUT as text/plain", put("p1", "text/plain", ociBytes)],
    ["manifest PUT with no Content-Type", put("p2", undefined, new Uint8Array(oci.manifest.bytes))],
    ["manifest PUT as application/octet-stream", put("p3", "application/octet-stream", ociBytes)],
    [
      "manifest PUT, Content-Type with a parameter and capitals",
      put("p4", `${OCI.toUpperCase()}; charset=utf-8`, ociBytes),
    ],
    ["OCI body under a Docker Content-Type", put("p5", DOCKER, ociBytes)],
    ["Docker body under an OCI Content-Type", put("p6", OCI, asDocker)],
    ["image under an index Content-Type", put("p7", OCI_INDEX, ociBytes)],
    [
      "schema 1 Content-Type",
      put("p8", "application/vnd.docker.distribution.manifest.v1+prettyjws", ociBytes),
    ],
    ["{} as an OCI manifest", put("p9", OCI, "{}")],
    ["{} as a Docker manifest", put("p10", DOCKER, "{}")],
    ["{} as an OCI index", put("p11", OCI_INDEX, "{}")],
    ["{} as a Docker list", put("p12", DOCKER_LIST, "{}")],
    ["null", put("p13", OCI, "null")],
    ["[]", put("p14", OCI, "  []")],
    ["a number", put("p15", OCI, "1")],
    ["a string", put("p16", OCI, ' "x"')],
    ["not JSON", put("p17", OCI, "nope")],
    ["truncated JSON", put("p18", OCI, '{"a":')],
    ["a trailing comma", put("p19", OCI, "[1,]")],
    ["an empty body", put("p20", OCI, "")],
    ["layers as a string", put("p21", OCI, JSON.stringify({ ...body, layers: "x" }))],
    ["config as an array", put("p22", OCI, JSON.stringify({ ...body, config: [] }))],
    ["schemaVersion as a string", put("p23", OCI, JSON.stringify({ ...body, schemaVersion: "2" }))],
    ["schemaVersion 1", put("p24", OCI, JSON.stringify({ ...body, schemaVersion: 1 }))],
    [
      "schemaVersion written 2.0",
      put("p32", OCI, ociBytes.replace(/"schemaVersion":\s*2/, '"schemaVersion":2.0')),
    ],
    [
      "config.size as a string",
      put("p33", OCI, JSON.stringify({ ...body, config: { ...config, size: "x" } })),
    ],
    [
      "config.size written 1.5",
      put("p34", OCI, JSON.stringify({ ...body, config: { ...config, size: 1.5 } })),
    ],
    [
      "config.size beyond int64",
      put("p35", OCI, ociBytes.replace(/"size":\s*\d+/, '"size":99999999999999999999')),
    ],
    [
      "a layer digest as a number",
      put("p36", OCI, JSON.stringify({ ...body, layers: [{ ...layer, digest: 1 }] })),
    ],
    ["a layer as a string", put("p37", OCI, JSON.stringify({ ...body, layers: ["x"] }))],
    ["an annotation value as a number", put("p38", OCI, JSON.stringify({ ...body, annotations: { a: 1 } }))],
    [
      "os.features as a string",
      put(
        "p39",
        OCI,
        JSON.stringify({
          ...body,
          config: { ...config, platform: { os: "linux", architecture: "amd64", "os.features": "x" } },
        }),
      ),
    ],
    [
      "an index entry's platform.os as a number",
      put(
        "p40",
        DOCKER_LIST,
        JSON.stringify({
          schemaVersion: 2,
          mediaType: DOCKER_LIST,
          manifests: [
            {
              mediaType: OCI,
              digest: oci.manifest.digest,
              size: 3,
              platform: { os: 1, architecture: "amd64" },
            },
          ],
        }),
      ),
    ],
    [
      "two mistyped fields: the first is named",
      put("p41", OCI, JSON.stringify({ ...body, config: { ...config, size: "x" }, annotations: { a: 1 } })),
    ],
    [
      "a Docker manifest without mediaType",
      put("p25", DOCKER, JSON.stringify({ ...body, mediaType: undefined })),
    ],
    ["an OCI manifest without mediaType", put("p26", OCI, JSON.stringify({ ...body, mediaType: undefined }))],
    [
      "an OCI manifest naming the index type",
      put("p27", OCI, JSON.stringify({ ...body, mediaType: OCI_INDEX })),
    ],
    [
      "a Docker list without mediaType",
      put("p28", DOCKER_LIST, JSON.stringify({ schemaVersion: 2, manifests: [] })),
    ],
    [
      "an OCI index without mediaType",
      put("p29", OCI_INDEX, JSON.stringify({ schemaVersion: 2, manifests: [] })),
    ],
    [
      "an index naming a manifest the repository lacks",
      put(
        "p30",
        OCI_INDEX,
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: [{ mediaType: OCI, digest: `sha256:${"3".repeat(64)}`, size: 10 }],
        }),
      ),
    ],
    [
      "a manifest by digest that is not its digest",
      { ...put("p31", OCI, ociBytes), path: `/v2/demo/oci/manifests/sha256:${"1".repeat(64)}` },
    ],
  ];
}

describe("fake distribution matches the real one (uploads that go wrong)", () => {
  const compare = pair("none");
  const sha = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;
  const octets = { "content-type": "application/octet-stream" };
  /** The request under test, sent to an open session's Location (with `query` appended) after `before` was PATCHed. */
  interface UploadCase {
    before?: string;
    method: string;
    query?: string;
    headers?: Record<string, string>;
    body?: string | Uint8Array;
  }
  const cases: [string, UploadCase][] = [
    [
      "a chunk PATCHed as text/plain",
      { method: "PATCH", headers: { "content-type": "text/plain" }, body: "hello" },
    ],
    [
      "a chunk PATCHed with a Content-Type parameter",
      { method: "PATCH", headers: { "content-type": "application/octet-stream; x=y" }, body: "hello" },
    ],
    [
      "a chunk PATCHed with capitals",
      { method: "PATCH", headers: { "content-type": "Application/Octet-Stream" }, body: "hello" },
    ],
    ["a chunk PATCHed with no Content-Type", { method: "PATCH", body: new TextEncoder().encode("hello") }],
    [
      "a Content-Range that starts past the end",
      { method: "PATCH", headers: { ...octets, "content-range": "5-9" }, body: "hello" },
    ],
    [
      "a Content-Range that starts before the end",
      { before: "abc", method: "PATCH", headers: { ...octets, "content-range": "0-4" }, body: "hello" },
    ],
    [
      "a Content-Range of the wrong length",
      { method: "PATCH", headers: { ...octets, "content-range": "0-2" }, body: "hello" },
    ],
    [
      "a malformed Content-Range",
      { method: "PATCH", headers: { ...octets, "content-range": "bytes=0-4" }, body: "hello" },
    ],
    ["a closing PUT without digest", { before: "abc", method: "PUT", headers: octets, body: "de" }],
    [
      "a closing PUT with an empty digest",
      { before: "abc", method: "PUT", query: "&digest=", headers: octets, body: "de" },
    ],
    [
      "a closing PUT with a malformed digest",
      { before: "abc", method: "PUT", query: "&digest=sha256:abc", headers: octets, body: "de" },
    ],
    [
      "a closing PUT with an upper-case digest",
      {
        before: "abc",
        method: "PUT",
        query: `&digest=${sha("abcde").toUpperCase()}`,
        headers: octets,
        body: "de",
      },
    ],
    [
      "a closing PUT with an md5 digest",
      {
        before: "abc",
        method: "PUT",
        query: "&digest=md5:d41d8cd98f00b204e9800998ecf8427e",
        headers: octets,
        body: "de",
      },
    ],
    [
      "a closing PUT with a sha384 digest",
      {
        before: "abc",
        method: "PUT",
        query: `&digest=sha384:${"a".repeat(96)}`,
        headers: octets,
        body: "de",
      },
    ],
    [
      "a closing PUT with another blob's digest",
      { before: "abc", method: "PUT", query: `&digest=${sha("other")}`, headers: octets, body: "de" },
    ],
    [
      "a closing PUT as text/plain",
      {
        before: "abc",
        method: "PUT",
        query: `&digest=${sha("abcde")}`,
        headers: { "content-type": "text/plain" },
        body: "de",
      },
    ],
  ];

  it.each(cases)("%s: the answer, then the session's state", async (_name, c) => {
    const walk = async (origin: string) => {
      const steps: unknown[] = [];
      const send = async (url: string, init: RequestInit) => {
        const res = await fetch(url, init);
        const text = (await res.text()).replace(
          /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
          "UUID",
        );
        steps.push({
          status: res.status,
          range: res.headers.get("range"),
          body: text.split(origin).join("ORIGIN"),
        });
        return res.headers.get("location") ?? url;
      };
      let location = await send(`${origin}/v2/demo/bad-uploads/blobs/uploads/`, { method: "POST" });
      if (c.before) location = await send(location, { method: "PATCH", headers: octets, body: c.before });
      const stale = location;
      location = await send(`${location}${c.query ?? ""}`, {
        method: c.method,
        ...(c.headers ? { headers: c.headers } : {}),
        ...(c.body !== undefined ? { body: c.body } : {}),
      });
      // Where the session stands afterwards: open and how long, or gone; and whether the Location before the request
      // still works (distribution signs the offset into `_state`: an older one is refused once the upload moved on).
      await send(location, {});
      await send(stale, {});
      // And whether a stale Location cancelled the session.
      await send(location, {});
      return steps;
    };
    const { real, fake } = compare.urls();
    expect(await walk(fake)).toEqual(await walk(real));
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
