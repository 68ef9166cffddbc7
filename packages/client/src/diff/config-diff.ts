/**
 * What differs between two image configs, field by field (issue 14, "image diff"): the scalar and list fields that
 * decide how a container runs, and the maps (Env as NAME=value, labels) and sets (exposed ports) entry by entry, so
 * that a report says "PATH changed" rather than "Env differs".
 * https://github.com/opencontainers/image-spec/blob/v1.1.0/config.md#properties
 */
import type { ImageConfig } from "@regatta/manifest";

/** A field whose value differs: `a` and `b` are the two values (absent where that side has none). */
export interface FieldChange {
  field: ConfigField;
  a?: unknown;
  b?: unknown;
}

/** The fields compared whole. */
export type ConfigField =
  | "platform"
  | "created"
  | "author"
  | "user"
  | "workingDir"
  | "entrypoint"
  | "cmd"
  | "stopSignal"
  | "volumes";

/** A map compared key by key. */
export interface MapDiff {
  added: Record<string, string>;
  removed: Record<string, string>;
  changed: Record<string, { a: string; b: string }>;
}

/** The differences of two configs; every part empty when they agree. */
export interface ConfigDiff {
  fields: FieldChange[];
  /** Env by variable name (`PATH`), the value after the first `=`. */
  env: MapDiff;
  labels: MapDiff;
  /** `80/tcp`… */
  exposedPorts: { added: string[]; removed: string[] };
}

/** The fields a config gives, in the order a report lists them. */
function fieldsOf(config: ImageConfig, platform: string | undefined): Record<ConfigField, unknown> {
  const c = config.config ?? {};
  return {
    platform,
    created: config.created,
    author: config.author,
    user: c.User || undefined,
    workingDir: c.WorkingDir || undefined,
    entrypoint: c.Entrypoint ?? undefined,
    cmd: c.Cmd ?? undefined,
    stopSignal: c.StopSignal || undefined,
    volumes: c.Volumes ? Object.keys(c.Volumes).sort() : undefined,
  };
}

/** `NAME=value` lines as a map; a line without `=` is a name with an empty value; a repeated name, the last wins. */
export function envMap(env: readonly string[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of env ?? []) {
    const at = line.indexOf("=");
    out[at < 0 ? line : line.slice(0, at)] = at < 0 ? "" : line.slice(at + 1);
  }
  return out;
}

/** Two maps compared key by key. */
export function mapDiff(a: Record<string, string>, b: Record<string, string>): MapDiff {
  const out: MapDiff = { added: {}, removed: {}, changed: {} };
  for (const [key, value] of Object.entries(a)) {
    if (!Object.hasOwn(b, key)) out.removed[key] = value;
    else if (b[key] !== value) out.changed[key] = { a: value, b: b[key] as string };
  }
  for (const [key, value] of Object.entries(b)) if (!Object.hasOwn(a, key)) out.added[key] = value;
  return out;
}

/** Whether a map diff holds nothing. */
export function mapDiffEmpty(diff: MapDiff): boolean {
  return ![diff.added, diff.removed, diff.changed].some((part) => Object.keys(part).length > 0);
}

/** The differences of config `a` and config `b` (with the platform each names, formatted). */
export function diffConfigs(
  a: ImageConfig,
  b: ImageConfig,
  platforms: { a?: string | undefined; b?: string | undefined } = {},
): ConfigDiff {
  const x = fieldsOf(a, platforms.a);
  const y = fieldsOf(b, platforms.b);
  const fields: FieldChange[] = [];
  for (const field of Object.keys(x) as ConfigField[]) {
    if (JSON.stringify(x[field]) === JSON.stringify(y[field])) continue;
    fields.push({
      field,
      ...(x[field] !== undefined ? { a: x[field] } : {}),
      ...(y[field] !== undefined ? { b: y[field] } : {}),
    });
  }
  const portsA = Object.keys(a.config?.ExposedPorts ?? {});
  const portsB = Object.keys(b.config?.ExposedPorts ?? {});
  return {
    fields,
    env: mapDiff(envMap(a.config?.Env), envMap(b.config?.Env)),
    labels: mapDiff(a.config?.Labels ?? {}, b.config?.Labels ?? {}),
    exposedPorts: {
      added: portsB.filter((p) => !portsA.includes(p)),
      removed: portsA.filter((p) => !portsB.includes(p)),
    },
  };
}
