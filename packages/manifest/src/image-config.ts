import {
  checkOptionalString,
  checkString,
  checkStringArray,
  checkStringMap,
  describe,
  invalid,
  isJsonObject,
  type JsonObject,
  parseJsonObject,
} from "./json-checks.js";

/**
 * The runtime defaults of an image (the `config` object of an image config). Docker writes `null` for empty fields.
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/config.md#properties
 */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object> | null;
  Env?: string[] | null;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  /** Fields this model does not name (`Healthcheck`, `Shell`, `OnBuild`…), kept as received. */
  [key: string]: unknown;
}

/** One step of the build history. `empty_layer` steps (ENV, CMD…) have no layer. */
export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
  [key: string]: unknown;
}

/**
 * An image config (OCI `application/vnd.oci.image.config.v1+json` or Docker
 * `application/vnd.docker.container.image.v1+json`). Unknown fields are kept as received.
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/config.md
 */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  "os.version"?: string;
  "os.features"?: string[];
  /** RFC 3339 creation time. */
  created?: string;
  author?: string;
  config?: ContainerConfig;
  history?: HistoryEntry[];
  /** The uncompressed layer digests, in order (`diff_ids`), which the image ID is built from. */
  rootfs?: { type: string; diff_ids: string[] };
  [key: string]: unknown;
}

const nullable = (value: unknown): boolean => value === undefined || value === null;

/**
 * Parses an image config leniently: it must be a JSON object, and the fields this model names must have their types
 * when present (Docker's `null` accepted for empty ones); nothing is required, since artifacts and old builders leave
 * fields out. The digest is not checked here: verify the blob's bytes (`verifyDigest`) before parsing.
 * @throws InvalidManifestError for bad JSON or a field of the wrong type.
 */
export function parseImageConfig(bytes: Uint8Array): ImageConfig {
  const what = "image config";
  const body = parseJsonObject(bytes, what);
  for (const key of ["architecture", "os", "variant", "os.version", "created", "author"]) {
    checkOptionalString(body, key, "", what);
  }
  if (body["os.features"] !== undefined) checkStringArray(body["os.features"], '["os.features"]', what);
  if (!nullable(body.config)) checkContainerConfig(body.config, what);
  if (!nullable(body.history)) {
    if (!Array.isArray(body.history))
      invalid(what, `history must be an array, got ${describe(body.history)}`);
    body.history.forEach((entry, i) => {
      if (!isJsonObject(entry)) invalid(what, `history[${i}] must be an object`);
      for (const key of ["created", "created_by", "author", "comment"])
        checkOptionalString(entry, key, `history[${i}]`, what);
      if (entry.empty_layer !== undefined && typeof entry.empty_layer !== "boolean") {
        invalid(what, `history[${i}].empty_layer must be a boolean, got ${describe(entry.empty_layer)}`);
      }
    });
  }
  if (!nullable(body.rootfs)) {
    const rootfs = body.rootfs;
    if (!isJsonObject(rootfs)) invalid(what, `rootfs must be an object, got ${describe(rootfs)}`);
    checkString(rootfs.type, "rootfs.type", what);
    checkStringArray(rootfs.diff_ids, "rootfs.diff_ids", what);
  }
  return body as ImageConfig;
}

function checkContainerConfig(config: unknown, what: string): void {
  if (!isJsonObject(config)) invalid(what, `config must be an object, got ${describe(config)}`);
  const c: JsonObject = config;
  for (const key of ["User", "WorkingDir", "StopSignal"]) checkOptionalString(c, key, "config", what);
  for (const key of ["Env", "Entrypoint", "Cmd"])
    if (!nullable(c[key])) checkStringArray(c[key], `config.${key}`, what);
  if (!nullable(c.Labels)) checkStringMap(c.Labels, "config.Labels", what);
  for (const key of ["ExposedPorts", "Volumes"]) {
    if (!nullable(c[key]) && !isJsonObject(c[key]))
      invalid(what, `config.${key} must be an object, got ${describe(c[key])}`);
  }
}
