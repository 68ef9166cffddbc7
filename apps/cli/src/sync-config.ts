/**
 * `regatta sync --config FILE`: the two YAML formats people already have, read into the client's sync jobs and
 * per-registry settings.
 *
 * 1. skopeo sync's source file (https://github.com/containers/skopeo/blob/main/docs/skopeo-sync.1.md, "YAML file
 *    content"): registries at the top level, each with `images` (repository → list of tags; an empty list is every
 *    tag), `images-by-tag-regex` (repository → a regular expression, unanchored as in skopeo),
 *    `images-by-semver` (repository → a range), `credentials: {username, password}` and `tls-verify`. The target is
 *    the command line's DESTINATION: `DEST/<last path element>`, or `DEST/<registry>/<path>` with `--scoped`, as
 *    skopeo does.
 * 2. A regsync-like file (https://regclient.org/usage/regsync/): `version: 1`, `sync:` a list of `{source, target,
 *    type, tags: {allow, deny, semverRange | semver}, platforms}` (type `repository`, or `image` for one tag),
 *    `defaults: {platforms}` for the entries that set none, and `creds:` a list of `{registry, user, pass, tls}`.
 *    Tag patterns are RE2's (tag-pattern.ts in the client), as in skopeo and regsync.
 *
 * Every mistake is a UsageError naming the file, the line and the key, never a stack.
 */

import type { HostSettings, SyncJob, TagFilter } from "@regatta/client";
import { quotePath, shellWord, UsageError } from "@regatta/errors";
import { isValidDigest, isValidTag } from "@regatta/reference";

/** What a config file asks for. */
export interface SyncConfig {
  jobs: SyncJob[];
  /** Settings per registry (credentials, TLS) from the file. */
  hosts: Record<string, HostSettings>;
  /**
   * Registries skopeo's `tls-verify: false` marks: docker's insecure registries (the client's `insecure` list), https
   * unverified, then plain http where no TLS answers, as skopeo's docker transport falls back.
   */
  insecure?: string[];
  format: "skopeo" | "regsync";
}

type Node = { range?: [number, number, number] };
type Where = (path: string, node?: unknown) => string;

/** Parses the text of `file`; `destination` is the skopeo format's target, `scoped` its --scoped. */
export async function parseSyncConfig(
  text: string,
  file: string,
  options: { destination?: string; scoped?: boolean } = {},
): Promise<SyncConfig> {
  // yaml is CommonJS for Node: bundled by esbuild, a dynamic import gives its exports under `default`.
  const loaded = await import("yaml");
  const { parseDocument, LineCounter, isMap } =
    "LineCounter" in loaded && loaded.LineCounter
      ? loaded
      : (loaded as unknown as { default: typeof loaded }).default;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const pos = e.pos ? lines.linePos(e.pos[0]) : undefined;
    throw new UsageError(
      `${quotePath(file)}${pos ? `:${pos.line}` : ""}: not valid YAML: ${e.message.split("\n")[0]}`,
    );
  }
  const where: Where = (path, node) => {
    const start = (node as Node | undefined)?.range?.[0];
    const line = start !== undefined ? `:${lines.linePos(start).line}` : "";
    return `${quotePath(file)}${line}: ${path}`;
  };
  if (!isMap(doc.contents))
    throw new UsageError(
      `${quotePath(file)}: a sync config is a YAML mapping (skopeo's or regsync's format)`,
    );
  const root = doc.toJS() as Record<string, unknown>;
  const at = (path: (string | number)[]) => doc.getIn(path, true);
  // Tag patterns are checked here, to name their line; the client (and RE2, only if a pattern is given) loads once.
  const { anywhereInTag, syncTagFilter, tagPatternError } = await import("@regatta/client");
  const pattern: CheckPattern = (text, path, node) => {
    const error = tagPatternError(text);
    if (error !== undefined) throw new UsageError(`${where(path, node)}: ${error}`);
    return text;
  };
  // Semver ranges likewise (the client refuses them too, but without the file and line).
  const range: CheckPattern = (text, path, node) => {
    try {
      syncTagFilter({ semver: text });
    } catch (error) {
      throw new UsageError(`${where(path, node)}: ${(error as Error).message}`, { cause: error });
    }
    return text;
  };
  if ("sync" in root || "creds" in root || "version" in root) {
    return { ...regsyncFormat(root, where, at, pattern, range), format: "regsync" };
  }
  return {
    ...skopeoFormat(root, where, at, options, file, pattern, anywhereInTag, range),
    format: "skopeo",
  };
}

type At = (path: (string | number)[]) => unknown;
/** `text` when it is a tag pattern in RE2's syntax, else a UsageError naming the file, line and key. */
type CheckPattern = (text: string, path: string, node: unknown) => string;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * `value` as a string; `node` is its own scalar (not the mapping around it), whose source text is kept. A plain
 * scalar YAML reads as a number or a boolean (`1.0`, `010`, `0x1F`, `1e3`, `.inf`, `true`) is taken as written, as
 * skopeo's Go decoder (yaml.v3) keeps a string field's text: String(1.0) would be the tag `1`, another image, and a
 * password `0777` would be sent as `777`.
 */
function str(value: unknown, path: string, where: Where, node: unknown): string {
  const source = (node as { source?: unknown } | undefined)?.source;
  if (typeof value === "number" || typeof value === "boolean") {
    if (typeof source === "string" && source !== "") return source;
    throw new UsageError(`${where(path, node)} must be a string (quote it)`);
  }
  if (typeof value !== "string" || value === "")
    throw new UsageError(`${where(path, node)} must be a string`);
  return value;
}

/** A string or a list of strings (numbers, as YAML reads `3.20` or `1.0`, are taken as written: see str). */
function strList(value: unknown, path: string, where: Where, at: At, keys: (string | number)[]): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item, i) =>
    str(
      item,
      Array.isArray(value) ? `${path}[${i}]` : path,
      where,
      at(Array.isArray(value) ? [...keys, i] : keys),
    ),
  );
}

function unknownKeys(
  value: Record<string, unknown>,
  allowed: string[],
  path: string,
  where: Where,
  node: unknown,
) {
  const extra = Object.keys(value).filter((k) => !allowed.includes(k));
  if (extra.length) {
    throw new UsageError(
      `${where(path, node)}: unknown key${extra.length > 1 ? "s" : ""} ${extra.join(", ")} (known: ${allowed.join(", ")})`,
    );
  }
}

function skopeoFormat(
  root: Record<string, unknown>,
  where: Where,
  at: At,
  options: { destination?: string; scoped?: boolean },
  file: string,
  pattern: CheckPattern,
  anywhereInTag: (pattern: string) => string,
  range: CheckPattern,
): Omit<SyncConfig, "format"> {
  const destination = options.destination?.replace(/\/+$/, "") || "DESTINATION";
  const jobs: SyncJob[] = [];
  const hosts: Record<string, HostSettings> = {};
  const insecure: string[] = [];
  for (const [registry, value] of Object.entries(root)) {
    const node = at([registry]);
    if (!isRecord(value))
      throw new UsageError(`${where(registry, node)} must be a mapping (images, images-by-tag-regex, …)`);
    unknownKeys(
      value,
      ["images", "images-by-tag-regex", "images-by-semver", "credentials", "tls-verify", "cert-dir"],
      registry,
      where,
      node,
    );
    if (value["cert-dir"] !== undefined) {
      throw new UsageError(
        `${where(`${registry}.cert-dir`, at([registry, "cert-dir"]))}: not supported; use --ca-file, --cert-file and --key-file`,
      );
    }
    const settings: HostSettings = {};
    if (value.credentials !== undefined) {
      const c = value.credentials;
      const cNode = at([registry, "credentials"]);
      if (!isRecord(c))
        throw new UsageError(
          `${where(`${registry}.credentials`, cNode)} must be a mapping of username and password`,
        );
      unknownKeys(c, ["username", "password"], `${registry}.credentials`, where, cNode);
      settings.username = str(
        c.username,
        `${registry}.credentials.username`,
        where,
        at([registry, "credentials", "username"]) ?? cNode,
      );
      settings.password = str(
        c.password,
        `${registry}.credentials.password`,
        where,
        at([registry, "credentials", "password"]) ?? cNode,
      );
    }
    if (value["tls-verify"] !== undefined) {
      if (typeof value["tls-verify"] !== "boolean")
        throw new UsageError(
          `${where(`${registry}.tls-verify`, at([registry, "tls-verify"]))} must be true or false`,
        );
      // skopeo's tls-verify: false is an unverified certificate, or plain http (its docker transport falls back to
      // http where no TLS answers): docker's insecure registries, the client's `insecure` list, which on a loopback
      // registry starts at http (then https unverified if its port serves https). A host's `tls: "insecure"` would
      // pin https elsewhere: an internal plain-http registry would fail. true is https verified, loopback
      // registries included, as skopeo's: never plain http where TLS was asked for.
      if (value["tls-verify"]) settings.tls = "enabled";
      else insecure.push(registry);
    }
    if (Object.keys(settings).length) hosts[registry] = settings;
    const add = (image: string, tags: TagFilter | undefined) => {
      // `repo` (its tags), or `repo@sha256:…` (that image): the target is the repository either way.
      const repository = image.split("@")[0] as string;
      const last = repository.split("/").pop() as string;
      const target = `${destination}/${options.scoped ? `${registry}/${repository}` : last}`;
      jobs.push({ source: `${registry}/${image}`, target, ...(tags ? { tags } : {}) });
    };
    const section = (key: string, each: (repository: string, v: unknown, node: unknown) => void) => {
      const items = value[key];
      if (items === undefined || items === null) return;
      if (!isRecord(items))
        throw new UsageError(
          `${where(`${registry}.${key}`, at([registry, key]))} must be a mapping of repository to tags`,
        );
      for (const [repository, v] of Object.entries(items))
        each(repository, v, at([registry, key, repository]));
    };
    section("images", (repository, v, node) => {
      if (v !== null && !Array.isArray(v))
        throw new UsageError(
          `${where(`${registry}.images.${repository}`, node)} must be a list of tags ([] for all)`,
        );
      const list = strList(v, `${registry}.images.${repository}`, where, at, [
        registry,
        "images",
        repository,
      ]);
      // skopeo reads each entry as a digest first (`sha256:…`), else as a tag: an image by digest is copied by
      // digest, untagged at the target (skopeo's DEST/name@sha256:…).
      const digests = list.filter((t) => t.includes(":"));
      for (const digest of digests) {
        if (!isValidDigest(digest))
          throw new UsageError(
            `${where(`${registry}.images.${repository}`, node)}: ${JSON.stringify(digest)} is not a digest (algorithm:hex, as sha256:…${digest.startsWith("@") ? "; without the @" : ""})`,
          );
        add(`${repository}@${digest}`, undefined);
      }
      const tags = list.filter((t) => !t.includes(":"));
      // A word no registry takes as a tag (`.5`, YAML's `0.5` written short) is this file's mistake, said here.
      const bad = tags.find((t) => !isValidTag(t));
      if (bad !== undefined)
        throw new UsageError(
          `${where(`${registry}.images.${repository}`, node)}: ${JSON.stringify(bad)} is not a tag (letters, digits, _ . -; not starting with . or -)`,
        );
      if (tags.length || !digests.length) add(repository, tags.length ? { list: tags } : undefined);
    });
    section("images-by-tag-regex", (repository, v, node) => {
      const path = `${registry}.images-by-tag-regex.${repository}`;
      // Unanchored, as skopeo's Go MatchString: `v1` keeps `v10`.
      add(repository, { include: [anywhereInTag(pattern(str(v, path, where, node), path, node))] });
    });
    section("images-by-semver", (repository, v, node) => {
      const path = `${registry}.images-by-semver.${repository}`;
      add(repository, { semver: range(str(v, path, where, node), path, node) });
    });
  }
  if (!options.destination?.replace(/\/+$/, "")) {
    throw new UsageError(
      `${quotePath(file)} is in skopeo sync's format, which names no target: give it, as in regatta sync --config ${shellWord(file)} DESTINATION`,
    );
  }
  return { jobs, hosts, ...(insecure.length ? { insecure } : {}) };
}

const TLS = { enabled: "enabled", insecure: "insecure", disabled: "disabled" } as const;

function regsyncFormat(
  root: Record<string, unknown>,
  where: Where,
  at: At,
  pattern: CheckPattern,
  range: CheckPattern,
): Omit<SyncConfig, "format"> {
  unknownKeys(root, ["version", "creds", "defaults", "sync"], "the top level", where, at([]));
  // regsync refuses a version it does not know (ErrUnsupportedConfigVersion): a later format may mean more.
  if (root.version !== undefined && root.version !== null && root.version !== 1)
    throw new UsageError(`${where("version", at(["version"]))} must be 1 (regsync's config version)`);
  // regsync's defaults apply to every entry that does not set the key itself (its syncSetDefaults). Of its keys,
  // entries here take platforms only: any other (referrers, digestTags, ratelimit, …) is refused as on an entry,
  // never dropped silently.
  const defaults = root.defaults ?? {};
  if (!isRecord(defaults))
    throw new UsageError(`${where("defaults", at(["defaults"]))} must be a mapping of platforms`);
  unknownKeys(defaults, ["platforms"], "defaults", where, at(["defaults"]));
  const defaultPlatforms =
    defaults.platforms === undefined
      ? undefined
      : strList(defaults.platforms, "defaults.platforms", where, at, ["defaults", "platforms"]);
  const hosts: Record<string, HostSettings> = {};
  const creds = root.creds ?? [];
  if (!Array.isArray(creds)) throw new UsageError(`${where("creds", at(["creds"]))} must be a list`);
  creds.forEach((c, i) => {
    const node = at(["creds", i]);
    if (!isRecord(c)) throw new UsageError(`${where(`creds[${i}]`, node)} must be a mapping`);
    unknownKeys(c, ["registry", "user", "pass", "tls"], `creds[${i}]`, where, node);
    const registry = str(c.registry, `creds[${i}].registry`, where, at(["creds", i, "registry"]) ?? node);
    const settings: HostSettings = {};
    if (c.user !== undefined)
      settings.username = str(c.user, `creds[${i}].user`, where, at(["creds", i, "user"]) ?? node);
    if (c.pass !== undefined)
      settings.password = str(c.pass, `creds[${i}].pass`, where, at(["creds", i, "pass"]) ?? node);
    if (c.tls !== undefined) {
      const tls = TLS[c.tls as keyof typeof TLS];
      if (!tls)
        throw new UsageError(`${where(`creds[${i}].tls`, node)} must be enabled, insecure or disabled`);
      settings.tls = tls;
    }
    hosts[registry] = settings;
  });
  const list = root.sync;
  if (!Array.isArray(list) || list.length === 0)
    throw new UsageError(`${where("sync", at(["sync"]))} must be a list of {source, target}`);
  const jobs = list.map((entry, i): SyncJob => {
    const path = `sync[${i}]`;
    const node = at(["sync", i]);
    if (!isRecord(entry))
      throw new UsageError(`${where(path, node)} must be a mapping of source, target, type, tags`);
    unknownKeys(entry, ["source", "target", "type", "tags", "platforms"], path, where, node);
    const source = str(entry.source, `${path}.source`, where, at(["sync", i, "source"]) ?? node);
    let target = str(entry.target, `${path}.target`, where, at(["sync", i, "target"]) ?? node);
    const type = entry.type ?? "repository";
    if (type !== "repository" && type !== "image")
      throw new UsageError(`${where(`${path}.type`, node)} must be repository or image`);
    const tags: TagFilter = {};
    if (entry.tags !== undefined) {
      const t = entry.tags;
      const tNode = at(["sync", i, "tags"]);
      if (!isRecord(t))
        throw new UsageError(`${where(`${path}.tags`, tNode)} must be a mapping of allow, deny, semverRange`);
      unknownKeys(t, ["allow", "deny", "semverRange", "semver"], `${path}.tags`, where, tNode);
      const patterns = (key: "allow" | "deny") =>
        strList(t[key], `${path}.tags.${key}`, where, at, ["sync", i, "tags", key]).map((text, k) =>
          pattern(text, `${path}.tags.${key}[${k}]`, at(["sync", i, "tags", key, k]) ?? tNode),
        );
      const allow = patterns("allow");
      const deny = patterns("deny");
      const ranges = (["semverRange", "semver"] as const).flatMap((key) =>
        strList(t[key], `${path}.tags.${key}`, where, at, ["sync", i, "tags", key]).map((text, k) =>
          range(text, `${path}.tags.${key}[${k}]`, at(["sync", i, "tags", key, k]) ?? tNode),
        ),
      );
      if (allow.length) tags.include = allow;
      if (deny.length) tags.exclude = deny;
      if (ranges.length) tags.semver = ranges.join(" || ");
    }
    if (type === "image") {
      // One tag: the source's (`repo:tag`, which the client reads as that tag only); the target may repeat it.
      const [, tag] = splitTag(source);
      if (tag === undefined)
        throw new UsageError(`${where(`${path}.source`, node)}: type image needs a source with a tag`);
      const [repository, targetTag] = splitTag(target);
      if (targetTag !== undefined && targetTag !== tag) {
        throw new UsageError(
          `${where(`${path}.target`, node)}: sync keeps tag names; ${tag} cannot become ${targetTag}`,
        );
      }
      target = repository;
    }
    const platforms =
      entry.platforms === undefined
        ? defaultPlatforms
        : strList(entry.platforms, `${path}.platforms`, where, at, ["sync", i, "platforms"]);
    return {
      source,
      target,
      ...(Object.keys(tags).length ? { tags } : {}),
      ...(platforms?.length ? { platforms } : {}),
    };
  });
  return { jobs, hosts };
}

/** `registry/repo:tag` → [`registry/repo`, `tag`]; a colon before the last slash is a port, not a tag. */
function splitTag(name: string): [string, string | undefined] {
  const colon = name.lastIndexOf(":");
  if (colon <= name.lastIndexOf("/")) return [name, undefined];
  return [name.slice(0, colon), name.slice(colon + 1)];
}
