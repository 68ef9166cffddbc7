import type { ImageSummary, LayerSummary, PlatformSummary } from "@regatta/client";
import type { Shape } from "@regatta/present/template";

/**
 * The declared fields of each `--format` document (issue: a misspelt `{{.Digset}}` printed an empty line and exit 0):
 * a field a template reads that is neither declared here nor in the document is a usage error naming the fields
 * there are, as Go's "can't evaluate field X in type T" is in skopeo, crane and regctl. A declared field the image
 * leaves out (no Labels, no Env) still prints nothing. The keys of an {@link ImageSummary} are checked against its
 * type, so a field added to the summary must be declared here too (the compiler says so). A declared field the image
 * leaves out prints as skopeo's typed one does: a list `[]`, a map `map[]`, a time `<nil>`, a text nothing.
 * `Created` (skopeo's name, a *time.Time) is a `time`: Go's time.Time String (`2024-01-02 03:04:05 +0000 UTC`), where
 * the exact key `created` (the --json field, the config's as stored) keeps the RFC 3339 text.
 */
const value = "any" as const;
const strings: Shape = { list: value };
const stringMap: Shape = { map: value };

const layer: Shape = {
  object: "a layer",
  fields: { digest: value, mediaType: value, size: value } satisfies Record<keyof LayerSummary, Shape>,
};
const platform: Shape = {
  object: "a platform",
  fields: { platform: value, digest: value, mediaType: value, size: value } satisfies Record<
    keyof PlatformSummary,
    Shape
  >,
};

/** `config` of an image config (OCI's, with docker's container fields): https://github.com/moby/docker-image-spec */
const containerConfig: Shape = {
  object: "the image's config.config",
  fields: {
    User: value,
    ExposedPorts: { map: value },
    Env: strings,
    Entrypoint: strings,
    Cmd: strings,
    Volumes: { map: value },
    WorkingDir: value,
    Labels: stringMap,
    StopSignal: value,
    ArgsEscaped: "bool",
    Memory: value,
    MemorySwap: value,
    CpuShares: value,
    Healthcheck: {
      object: "a Healthcheck",
      fields: {
        Test: strings,
        Interval: value,
        Timeout: value,
        StartPeriod: value,
        StartInterval: value,
        Retries: value,
      },
    },
    OnBuild: strings,
    Shell: strings,
    Hostname: value,
    Domainname: value,
    AttachStdin: "bool",
    AttachStdout: "bool",
    AttachStderr: "bool",
    Tty: "bool",
    OpenStdin: "bool",
    StdinOnce: "bool",
    Image: value,
    NetworkDisabled: "bool",
    MacAddress: value,
  },
};

/** `regatta config --format`: the image config as stored (OCI's fields, and docker's beside them). */
export const CONFIG_SHAPE: Shape = {
  object: "the image config",
  fields: {
    architecture: value,
    os: value,
    variant: value,
    created: value,
    // skopeo inspect --config's (Go's v1.Image): a *time.Time.
    Created: "time",
    author: value,
    config: containerConfig,
    // skopeo inspect --config's Go names (v1.Image's OSVersion, OSFeatures) read the OCI keys.
    OSVersion: value,
    OSFeatures: strings,
    "os.version": value,
    "os.features": strings,
    rootfs: {
      object: "rootfs",
      fields: { type: value, diff_ids: strings, DiffIDs: strings },
      aliases: { DiffIDs: "diff_ids" },
    },
    history: {
      list: {
        object: "a history entry",
        fields: {
          created: value,
          Created: "time",
          created_by: value,
          CreatedBy: value,
          author: value,
          comment: value,
          empty_layer: value,
          EmptyLayer: "bool",
        },
        aliases: { CreatedBy: "created_by", EmptyLayer: "empty_layer" },
      },
    },
    // docker's (v1 image JSON): https://github.com/moby/docker-image-spec/blob/main/spec.md
    container: value,
    container_config: containerConfig,
    docker_version: value,
    id: value,
    parent: value,
    comment: value,
  },
  aliases: { OSVersion: "os.version", OSFeatures: "os.features" },
};

/** The --json document's fields. */
const summaryFields = {
  reference: value,
  digest: value,
  mediaType: value,
  kind: value,
  platforms: { list: platform },
  platform: value,
  index: value,
  config: {
    object: "inspect's Config",
    fields: {
      digest: value,
      size: value,
      Entrypoint: strings,
      Cmd: strings,
      Env: strings,
      User: value,
      WorkingDir: value,
      ExposedPorts: { map: value },
      Volumes: { map: value },
      StopSignal: value,
      Labels: stringMap,
    },
  },
  layers: { list: layer },
  size: value,
  created: value,
  dockerVersion: value,
  labels: stringMap,
  artifactType: value,
  subject: value,
  entrypoint: strings,
  cmd: strings,
  env: strings,
  user: value,
  workingDir: value,
  exposedPorts: strings,
  volumes: strings,
  stopSignal: value,
  historyLength: value,
  referrers: value,
} satisfies Record<keyof ImageSummary, Shape>;

/**
 * `regatta inspect --format`: the --json document, skopeo inspect's names beside it (every field of its output,
 * containers/skopeo cmd/skopeo/inspect/output.go: Name, Tag, Digest, RepoTags, Created, DockerVersion, Labels,
 * Architecture, Variant, Os, Layers as digests, LayersData, Env; Created, DockerVersion, Labels and Env are the
 * --json names, found in any case), and the index's platforms. template-shapes.test.ts holds the list.
 */
export const INSPECT_SHAPE: Shape = {
  object: "inspect's document",
  fields: {
    ...summaryFields,
    Name: value,
    // A *time.Time in skopeo's output: Go's time.Time String. The --json `created` (exact key) stays RFC 3339.
    Created: "time",
    // skopeo declares it and leaves it empty (the tag is in Name): an empty line, as skopeo prints.
    Tag: value,
    Digest: value,
    RepoTags: strings,
    Architecture: value,
    Os: value,
    Variant: value,
    Layers: strings,
    LayersData: {
      list: { object: "a LayersData entry", fields: { MIMEType: value, Digest: value, Size: value } },
    },
    Platforms: { list: platform },
  },
};
