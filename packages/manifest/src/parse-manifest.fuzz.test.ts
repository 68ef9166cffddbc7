import { createHash } from "node:crypto";
import { FUZZ_RUNS, FUZZ_TEST_TIMEOUT_MS, FuzzFinding, fuzzParse } from "@regatta/testkit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Descriptor,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  DOCKER_SCHEMA1_MANIFEST,
  isValidDescriptorDigest,
  OCI_INDEX,
  OCI_MANIFEST,
  type ParsedManifest,
  parseManifest,
} from "./index.js";
import { MEDIA_TYPE_GRAMMAR } from "./json-checks.js";
import {
  ALPINE_DOCKER_LIST,
  COSIGN_SIGNATURE,
  DOCKER_IMAGE_FOREIGN,
  enc,
  HELM_CHART,
  OCI_ARTIFACT,
  OCI_INDEX_SPEC,
  SCHEMA1_SIGNED,
  SCHEMA1_UNSIGNED,
} from "./test-fixtures.js";

/**
 * Fuzzing of `parseManifest` (issue 10): random bytes, random JSON, manifests built from the spec's shapes with
 * fields drawn from valid and invalid pools, and real manifests with bytes corrupted. Only InvalidManifestError or
 * InvalidDigestError, never a crash or a slow input; and what is accepted really is valid (the oracle below re-checks
 * every descriptor), so a check that goes missing is caught even when nothing throws.
 */

const ALLOWED = new Set(["InvalidManifestError", "InvalidDigestError"]);

/** Every descriptor of an accepted manifest must follow the spec, whatever path it came through. */
function assertValid(parsed: ParsedManifest, input: unknown): void {
  const descriptors: [string, Descriptor][] = [];
  if (parsed.kind === "image") {
    descriptors.push(["config", parsed.manifest.config]);
    for (const [i, l] of parsed.manifest.layers.entries()) descriptors.push([`layers[${i}]`, l]);
  } else if (parsed.kind === "index") {
    for (const [i, m] of parsed.manifest.manifests.entries()) descriptors.push([`manifests[${i}]`, m]);
  }
  if (parsed.kind !== "schema1" && parsed.manifest.subject)
    descriptors.push(["subject", parsed.manifest.subject]);
  for (const [path, d] of descriptors) {
    const bad = (why: string) => new FuzzFinding(`accepted ${path} with ${why}: ${JSON.stringify(input)}`);
    if (!MEDIA_TYPE_GRAMMAR.test(d.mediaType)) throw bad(`mediaType ${d.mediaType}`);
    if (d.artifactType !== undefined && !MEDIA_TYPE_GRAMMAR.test(d.artifactType))
      throw bad("a bad artifactType");
    if (!isValidDescriptorDigest(d.digest)) throw bad(`digest ${d.digest}`);
    if (!Number.isSafeInteger(d.size) || d.size < 0) throw bad(`size ${d.size}`);
    for (const url of d.urls ?? []) if (!/^https?:\/\/[^/?#\s]/i.test(url)) throw bad(`url ${url}`);
    for (const v of Object.values(d.annotations ?? {}))
      if (typeof v !== "string") throw bad("a non-string annotation");
  }
}

let runs = 0;
let accepted = 0;
function check(bytes: Uint8Array, contentType?: string): void {
  runs++;
  const outcome = fuzzParse(bytes, () => parseManifest(bytes, contentType));
  if (!outcome.ok) {
    if (!ALLOWED.has(outcome.error.name))
      throw new FuzzFinding(`${outcome.error.name}: ${outcome.error.message}`);
    return;
  }
  accepted++;
  assertValid(outcome.value, new TextDecoder().decode(bytes));
}

// A real sha256 of a random number: as varied as needed, far cheaper than drawing 64 hex characters one by one.
const HEX64 = fc.nat().map((n) => createHash("sha256").update(String(n)).digest("hex"));
const MEDIA_TYPES = [
  "application/vnd.oci.image.layer.v1.tar+gzip",
  "application/vnd.docker.image.rootfs.diff.tar.gzip",
  "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
  "application/vnd.oci.empty.v1+json",
  "text/plain",
];
const url = fc
  .tuple(
    fc.constantFrom("http", "https", "HTTPS"),
    fc.constantFrom("example.com", "mcr.microsoft.com:443", "[::1]", "10.0.0.1", "a.b-c.d"),
    fc.string({ unit: fc.constantFrom(..."/abc%20?=&#~.-_".split("")), maxLength: 12 }),
  )
  .map(([scheme, host, path]) => `${scheme}://${host}/${path}`);
const word = fc.string({ unit: fc.constantFrom(..."abcz.-/:".split("")), maxLength: 8 });
const descriptor = fc.record(
  {
    mediaType: fc.constantFrom(...MEDIA_TYPES),
    digest: HEX64.map((h) => `sha256:${h}`),
    size: fc.nat(),
    urls: fc.array(url, { maxLength: 2 }),
    annotations: fc.dictionary(word, word, { maxKeys: 2 }),
    artifactType: fc.constantFrom(...MEDIA_TYPES),
    platform: fc.record(
      {
        architecture: fc.constantFrom("amd64", "arm64"),
        os: fc.constantFrom("linux", "windows"),
        variant: word,
      },
      { requiredKeys: ["architecture", "os"] },
    ),
  },
  { requiredKeys: ["mediaType", "digest", "size"] },
);
const imageManifest = fc.record(
  {
    schemaVersion: fc.constant(2),
    mediaType: fc.constantFrom(OCI_MANIFEST, DOCKER_MANIFEST),
    artifactType: fc.constantFrom(...MEDIA_TYPES),
    config: descriptor,
    layers: fc.array(descriptor, { maxLength: 3 }),
    subject: descriptor,
    annotations: fc.dictionary(word, word, { maxKeys: 2 }),
  },
  { requiredKeys: ["schemaVersion", "config", "layers"] },
);
const imageIndex = fc.record(
  {
    schemaVersion: fc.constant(2),
    mediaType: fc.constantFrom(OCI_INDEX, DOCKER_MANIFEST_LIST),
    manifests: fc.array(descriptor, { maxLength: 3 }),
    subject: descriptor,
  },
  { requiredKeys: ["schemaVersion", "manifests"] },
);
/** What a hostile or broken registry might put in any field: other types, and strings the spec forbids there. */
const BAD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  -0.5,
  2 ** 53,
  1e300,
  "",
  "x",
  [],
  {},
  [1],
  { a: 1 },
  ["x", 1],
  "a/b c",
  "a/b; x=y",
  "é/b",
  "a//b",
  "application/",
  "sha256:abc",
  "SHA256:",
  ":",
  "md5:d41d8cd98f00b204e9800998ecf8427e",
  "file:///etc/passwd",
  "https://",
  "https://a b",
  "/relative",
  "javascript:x",
  "\u0000",
  "a".repeat(300),
];
/** The JSON paths of every value in `v`, so one can be replaced or removed. */
function paths(
  v: unknown,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  if (prefix.length) out.push(prefix);
  if (v && typeof v === "object")
    for (const [k, child] of Object.entries(v))
      paths(child, [...prefix, Array.isArray(v) ? Number(k) : k], out);
  return out;
}
/** A valid manifest or index, with no fault or one: a value replaced by a bad one, or a key removed. */
const oneFault = fc
  .tuple(
    fc.oneof(imageManifest, imageIndex),
    // One document in two gets a fault (fast-check builds the nil value with probability 1/freq).
    fc.option(fc.tuple(fc.nat(), fc.nat(BAD_VALUES.length)), { freq: 2 }),
  )
  .map(([m, fault]) => {
    if (!fault) return m;
    const all = paths(m);
    const path = all[fault[0] % all.length]!;
    // biome-ignore lint/suspicious/noExplicitAny: walking a generated document.
    let parent: any = m;
    for (const key of path.slice(0, -1)) parent = parent[key];
    const last = path[path.length - 1]!;
    if (fault[1] === BAD_VALUES.length) delete parent[last];
    else parent[last] = BAD_VALUES[fault[1]];
    return m;
  });
/** Numbers written the ways JSON allows and Go's int64 does not: `1.0`, `1e3`, `-0`. */
const numberSpelling = fc.constantFrom(
  (n: number) => `${n}`,
  (n: number) => `${n}.0`,
  (n: number) => `${n}e0`,
  (n: number) => `${n}E+0`,
);
const contentType = fc.constantFrom(
  undefined,
  OCI_MANIFEST,
  OCI_INDEX,
  DOCKER_MANIFEST,
  DOCKER_SCHEMA1_MANIFEST,
  "text/plain",
  `${OCI_MANIFEST}; charset=utf-8`,
);
const FIXTURES = [
  ALPINE_DOCKER_LIST,
  COSIGN_SIGNATURE,
  DOCKER_IMAGE_FOREIGN,
  HELM_CHART,
  OCI_ARTIFACT,
  OCI_INDEX_SPEC,
  SCHEMA1_SIGNED,
  SCHEMA1_UNSIGNED,
].map(enc);

describe("parseManifest fuzz", () => {
  it(`answers ${FUZZ_RUNS} inputs with a manifest that is valid or a typed error`, {
    timeout: FUZZ_TEST_TIMEOUT_MS,
  }, () => {
    runs = 0;
    accepted = 0;
    // Shares of FUZZ_RUNS: cheap random inputs get more, built documents (~200 µs each to make and parse) fewer.
    const share = Math.ceil(FUZZ_RUNS / 10);
    // FUZZ_TIMING=1 prints the CPU time of each generator (wall time on a shared machine says little).
    const cpu = process.cpuUsage();
    const t = (label: string) =>
      process.env.FUZZ_TIMING &&
      console.log(`fuzz cpu ${label}: ${(process.cpuUsage(cpu).user / 1e6).toFixed(2)} s`);
    // Random bytes, and random JSON documents.
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), contentType, check), { numRuns: share * 3 });
    t("bytes");
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), contentType, (v, ct) =>
        check(enc(JSON.stringify(v) ?? "null"), ct),
      ),
      { numRuns: share * 2 },
    );
    t("json");
    // Manifests and indexes built from the spec's shapes, sizes spelled every way JSON allows.
    fc.assert(
      fc.property(oneFault, contentType, numberSpelling, (m, ct, spell) => {
        const text = JSON.stringify(m).replace(
          /"size":(\d+)/g,
          (_all, n: string) => `"size":${spell(Number(n))}`,
        );
        check(enc(text), ct);
      }),
      { numRuns: share * 3 },
    );
    t("built");
    // Real manifests with a few bytes changed, inserted or removed.
    fc.assert(
      fc.property(
        fc.constantFrom(...FIXTURES),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: -1, max: 255 }), fc.boolean()), {
          minLength: 1,
          maxLength: 3,
        }),
        (fixture, edits) => {
          const bytes = Array.from(fixture);
          for (const [at, byte, insert] of edits) {
            const i = at % (bytes.length + 1);
            if (byte === -1) bytes.splice(i, 1);
            else bytes.splice(i, insert ? 0 : 1, byte);
          }
          check(Uint8Array.from(bytes));
        },
      ),
      { numRuns: share * 2 },
    );
    t("corrupted");
    expect(runs).toBe(share * 10);
    expect(accepted).toBeGreaterThan(share / 10);
  });

  it("deep nesting is a typed error, not a stack overflow", () => {
    for (const depth of [10_000, 100_000]) {
      const deep = enc(`{"schemaVersion":2,"config":${"[".repeat(depth)}${"]".repeat(depth)},"layers":[]}`);
      const outcome = fuzzParse("deep", () => parseManifest(deep, OCI_MANIFEST), 1000);
      expect(outcome.ok).toBe(false);
    }
  });
});
