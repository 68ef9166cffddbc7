import { createHash } from "node:crypto";
import type { StoredRepository } from "../fake-store.js";
import { type GoType, scanGoJson } from "../go-json.js";
import { repoAccess } from "./authorize.js";
import { NAME, REFERENCE, SHA256 } from "./grammar.js";
import type { FakeRegistry } from "./router.js";

/**
 * The manifest types distribution 2.8 accepts in a PUT, with the Go struct they decode into and the JSON type of its
 * top-level fields (for UnmarshalTypeError). Schema 1 is refused: 2.8 no longer stores it by default.
 */
const STRING: GoType = { kind: "string" };
const STRINGS: GoType = { kind: "slice", elem: STRING };
const STRING_MAP: GoType = { kind: "map", elem: STRING };
/** distribution's Go types, as far as json.Unmarshal checks them (field names as the JSON tags spell them). */
const PLATFORM: GoType = {
  kind: "struct",
  name: "Platform",
  fields: { architecture: STRING, os: STRING, "os.version": STRING, "os.features": STRINGS, variant: STRING },
};
const DESCRIPTOR_FIELDS: Record<string, GoType> = {
  mediaType: STRING,
  size: { kind: "int" },
  digest: STRING,
  urls: STRINGS,
  annotations: STRING_MAP,
  artifactType: STRING,
  data: STRING,
};
const DESCRIPTOR: GoType = {
  kind: "struct",
  name: "Descriptor",
  fields: { ...DESCRIPTOR_FIELDS, platform: PLATFORM },
};
const IMAGE: GoType = {
  kind: "struct",
  name: "Manifest",
  fields: {
    schemaVersion: { kind: "int" },
    mediaType: STRING,
    config: DESCRIPTOR,
    layers: { kind: "slice", elem: DESCRIPTOR },
    annotations: STRING_MAP,
  },
};
const INDEX: GoType = {
  kind: "struct",
  name: "ManifestList",
  fields: {
    schemaVersion: { kind: "int" },
    mediaType: STRING,
    manifests: {
      kind: "slice",
      elem: {
        kind: "struct",
        name: "ManifestDescriptor",
        fields: { ...DESCRIPTOR_FIELDS, platform: { ...PLATFORM, name: "PlatformSpec" } },
      },
    },
  },
};
/** The manifest types distribution 2.8 accepts in a PUT. Schema 1 is refused: 2.8 no longer stores it by default. */
const PUSHABLE_MANIFESTS: Record<string, { docker: boolean; type: GoType }> = {
  "application/vnd.oci.image.manifest.v1+json": { docker: false, type: IMAGE },
  "application/vnd.docker.distribution.manifest.v2+json": { docker: true, type: IMAGE },
  "application/vnd.oci.image.index.v1+json": { docker: false, type: INDEX },
  "application/vnd.docker.distribution.manifest.list.v2+json": { docker: true, type: INDEX },
};

/** The manifest a tag or digest names in a repository, and its digest. */
const findManifest = (repo: StoredRepository | undefined, reference: string, digestTags = false) => {
  let digest = SHA256.test(reference) || reference.includes(":") ? reference : repo?.tags?.get(reference);
  // GitLab: `sha256-<hex>`, when no such tag exists, is read as the digest `sha256:<hex>`.
  const asDigest = /^(sha256)-([a-f0-9]{64})$/.exec(reference);
  if (!digest && digestTags && asDigest) digest = `${asDigest[1]}:${asDigest[2]}`;
  const manifest = digest ? repo?.manifests.get(digest) : undefined;
  return { digest, manifest };
};

/**
 * `/v2/<name>/manifests/<reference>`: GET and HEAD with content negotiation, PUT checked as distribution 2.8 checks
 * it, DELETE by digest (and by tag where the flavour allows). https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests
 */
export function manifestRoutes(registry: FakeRegistry): void {
  const { flavour, store, deleteEnabled, route, respond, errorResponse, empty } = registry;
  for (const method of ["get", "head"] as const) {
    route(
      method,
      `(${NAME})/manifests/(${REFERENCE})`,
      ([name]) => [repoAccess(name!, "pull")],
      (request, [name, reference]) => {
        const repo = store.repository(name!);
        const byTag = !reference!.includes(":");
        const { digest, manifest } = findManifest(repo, reference!, flavour.digestTagsResolve);
        if (!digest || !manifest) {
          const detail = byTag ? { Tag: reference } : { Name: name, Revision: reference };
          return errorResponse(request, 404, [{ code: "MANIFEST_UNKNOWN", detail }]);
        }
        const inm = request.headers.get("if-none-match");
        if (inm && (inm === digest || inm === `"${digest}"`)) return respond(request, 304, null);
        const accept = new Set(
          (request.headers.get("accept") ?? "")
            .split(",")
            .map((s) => s.split(";")[0]!.trim().toLowerCase())
            .filter(Boolean),
        );
        const chosen = flavour.negotiateManifest({
          digest,
          manifest,
          accept,
          byTag,
          reference: reference!,
          repository: name!,
          lookup: (d) => repo!.manifests.get(d),
        });
        if ("error" in chosen) return errorResponse(request, chosen.status, [chosen.error]);
        const sendDigest =
          (request.method === "HEAD" ? flavour.digestHeader?.head : flavour.digestHeader?.get) !== false;
        return respond(request, 200, chosen.manifest.bytes, {
          "Content-Type": chosen.manifest.mediaType,
          ...(sendDigest ? { "Docker-Content-Digest": chosen.digest } : {}),
          Etag: `"${chosen.digest}"`,
        });
      },
    );
  }
  route(
    "put",
    `(${NAME})/manifests/(${REFERENCE})`,
    ([name]) => [repoAccess(name!, "pull", "push")],
    async (request, [name, reference], url) => {
      const bytes = Buffer.from(await request.arrayBuffer());
      // distribution 2.8 decodes the body with the unmarshaller its Content-Type names (mime.ParseMediaType: case and
      // parameters do not matter); a type it has none for, or none at all, is MANIFEST_INVALID even for a valid
      // manifest. https://github.com/distribution/distribution/blob/release/2.8/manifests.go (UnmarshalManifest)
      const mediaType = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      const kind = PUSHABLE_MANIFESTS[mediaType];
      const scan = scanGoJson(bytes, kind?.type);
      if (scan.syntaxError !== undefined)
        return errorResponse(request, 400, [
          { code: "MANIFEST_INVALID", detail: { Offset: scan.syntaxError } },
        ]);
      if (!kind) return errorResponse(request, 400, [{ code: "MANIFEST_INVALID", detail: {} }]);
      // json.Unmarshal into the manifest struct: null decodes to an empty one (which fails later, as a 500); the
      // first value of the wrong type (top-level or nested: `config.size`, `layers.digest`) is an UnmarshalTypeError.
      if (scan.top.kind === "null") return errorResponse(request, 500, [{ code: "UNKNOWN", detail: {} }]);
      if (scan.typeError)
        return errorResponse(request, 400, [{ code: "MANIFEST_INVALID", detail: scan.typeError }]);
      const parsed = JSON.parse(bytes.toString("utf8")) as {
        schemaVersion?: number;
        mediaType?: string;
        config?: { digest?: string };
        layers?: { digest?: string }[] | null;
        manifests?: { digest?: string }[] | null;
        subject?: { digest?: string };
      };
      // Docker's types must name themselves in the body; OCI's may leave mediaType out, but not name another.
      if (kind.docker ? parsed.mediaType !== mediaType : parsed.mediaType && parsed.mediaType !== mediaType)
        return errorResponse(request, 400, [{ code: "MANIFEST_INVALID", detail: {} }]);
      const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
      const byTag = !reference!.includes(":");
      if (!byTag && reference !== digest) return errorResponse(request, 400, [{ code: "DIGEST_INVALID" }]);
      // verifyManifest: any schemaVersion but 2 (`{}` has 0) is an error distribution does not map: 500 UNKNOWN.
      if (parsed.schemaVersion !== 2) return errorResponse(request, 500, [{ code: "UNKNOWN", detail: {} }]);
      const repo = store.repository(name!, true)!;
      const missing = [
        ...(parsed.config?.digest ? [parsed.config.digest] : []),
        ...(parsed.layers ?? []).map((l) => l?.digest ?? ""),
      ].filter((d) => !repo.blobs.has(d));
      const missingManifests = (parsed.manifests ?? [])
        .map((m) => m?.digest ?? "")
        .filter((d) => !repo.manifests.has(d));
      if (missing.length + missingManifests.length > 0) {
        return errorResponse(
          request,
          400,
          [...missing, ...missingManifests].map((d) => ({ code: "MANIFEST_BLOB_UNKNOWN", detail: d })),
        );
      }
      repo.manifests.set(digest, { bytes, mediaType });
      if (byTag) {
        repo.tags ??= new Map();
        repo.tags.set(reference!, digest);
      }
      // A registry with the referrers API says it indexed the subject; clients then leave the fallback tag alone.
      // https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-manifests-with-subject
      const subject =
        flavour.referrers && parsed.subject?.digest
          ? { "OCI-Subject": flavour.referrers.subjectHeader === "true" ? "true" : parsed.subject.digest }
          : {};
      return empty(request, 201, {
        Location: `${url.origin}/v2/${name}/manifests/${digest}`,
        "Docker-Content-Digest": digest,
        ...subject,
      });
    },
  );
  route(
    "delete",
    `(${NAME})/manifests/(${REFERENCE})`,
    ([name]) => [repoAccess(name!, "delete")],
    (request, [name, reference]) => {
      if (!deleteEnabled) return errorResponse(request, 405, [{ code: "UNSUPPORTED" }]);
      const repo = store.repository(name!);
      if (!reference!.includes(":")) {
        if (flavour.deleteByTag !== "untag") {
          return errorResponse(request, flavour.deleteByTag.status, [flavour.deleteByTag.error]);
        }
        if (!repo?.tags?.delete(reference!)) {
          return errorResponse(request, 404, [{ code: "MANIFEST_UNKNOWN", detail: { Tag: reference } }]);
        }
        return empty(request, 202);
      }
      if (!repo?.manifests.delete(reference!))
        return errorResponse(request, 404, [{ code: "MANIFEST_UNKNOWN" }]);
      for (const [tag, digest] of repo.tags ?? []) if (digest === reference) repo.tags!.delete(tag);
      return empty(request, 202);
    },
  );
}
