#!/usr/bin/env node
/**
 * The floor of `bench/sync.mjs`: the requests `regatta sync` makes (docs/sync.md, "Requests per image"), made by the
 * least a client can do, so the benchmark can say how far Regatta is from what the registries on this machine allow.
 * No checks at all: no digest verified, no manifest parsed beyond its JSON, no error typed, no redaction, no
 * credentials, no retries; undici's `request` straight, one keep-alive pool per registry, `--jobs` images at once
 * (default 8) across every repository and every blob of an image at once.
 *
 *   node bench/sync-floor.mjs SOURCE_HOST/REPO TARGET_HOST/REPO [SOURCE_HOST/REPO TARGET_HOST/REPO …] [--jobs 8]
 *
 * Per repository pair: both tag lists. Per tag the target lacks: the manifest GET, then per blob a GET at the source,
 * a POST and a PUT (the body streamed from the GET) at the target, then the manifest PUT. Per tag the target has: a
 * HEAD at each side, and the copy above when the digests differ. Prints `copied N, skipped M` on stderr.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "./lib.mjs";

const { Pool } = createRequire(join(ROOT, "packages/transport/package.json"))("undici");

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { jobs: { type: "string", default: "8" } },
});
if (positionals.length === 0 || positionals.length % 2)
  throw new Error("usage: sync-floor.mjs SOURCE_HOST/REPO TARGET_HOST/REPO [… pairs] [--jobs N]");

const pools = new Map();
const side = (ref) => {
  const slash = ref.indexOf("/");
  const host = ref.slice(0, slash);
  if (!pools.has(host)) pools.set(host, new Pool(`http://${host}`, { connections: 16 }));
  return { pool: pools.get(host), repo: ref.slice(slash + 1) };
};
const pairs = [];
for (let i = 0; i < positionals.length; i += 2)
  pairs.push({ source: side(positionals[i]), target: side(positionals[i + 1]) });

const MANIFEST_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");

const call = (at, method, path, options = {}) => at.pool.request({ method, path, ...options });
async function json(at, path) {
  const response = await call(at, "GET", path);
  if (response.statusCode === 200) return response.body.json();
  await response.body.dump();
  return undefined;
}
async function digestOf(at, tag) {
  const response = await call(at, "HEAD", `/v2/${at.repo}/manifests/${tag}`, {
    headers: { accept: MANIFEST_TYPES },
  });
  await response.body.dump();
  return response.statusCode === 200 ? response.headers["docker-content-digest"] : undefined;
}

async function copyBlob({ source, target }, descriptor) {
  const get = await call(source, "GET", `/v2/${source.repo}/blobs/${descriptor.digest}`);
  const post = await call(target, "POST", `/v2/${target.repo}/blobs/uploads/`);
  await post.body.dump();
  // distribution answers with an absolute Location; a relative one resolves against any origin for its path.
  const location = new URL(post.headers.location, "http://registry.invalid");
  location.searchParams.set("digest", descriptor.digest);
  const put = await call(target, "PUT", `${location.pathname}${location.search}`, {
    body: get.body,
    headers: { "content-length": String(descriptor.size), "content-type": "application/octet-stream" },
  });
  await put.body.dump();
  if (put.statusCode !== 201) throw new Error(`blob PUT ${put.statusCode}`);
}

async function copyTag(pair, tag) {
  const { source, target } = pair;
  const get = await call(source, "GET", `/v2/${source.repo}/manifests/${tag}`, {
    headers: { accept: MANIFEST_TYPES },
  });
  const mediaType = get.headers["content-type"];
  const bytes = Buffer.from(await get.body.arrayBuffer());
  const manifest = JSON.parse(bytes.toString("utf8"));
  await Promise.all([manifest.config, ...manifest.layers].map((descriptor) => copyBlob(pair, descriptor)));
  const put = await call(target, "PUT", `/v2/${target.repo}/manifests/${tag}`, {
    body: bytes,
    headers: { "content-type": mediaType },
  });
  await put.body.dump();
  if (put.statusCode !== 201) throw new Error(`manifest PUT ${put.statusCode}`);
}

// Every repository's two tag lists first (as Regatta's plan lists them), then the images, `jobs` at a time.
const queue = (
  await Promise.all(
    pairs.map(async (pair) => {
      const [sourceTags, targetTags] = await Promise.all([
        json(pair.source, `/v2/${pair.source.repo}/tags/list`),
        json(pair.target, `/v2/${pair.target.repo}/tags/list`),
      ]);
      const present = new Set(targetTags?.tags ?? []);
      return (sourceTags?.tags ?? []).map((tag) => ({ pair, tag, present: present.has(tag) }));
    }),
  )
).flat();
let copied = 0;
let skipped = 0;
async function worker() {
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
    if (item.present) {
      const [from, to] = await Promise.all([
        digestOf(item.pair.source, item.tag),
        digestOf(item.pair.target, item.tag),
      ]);
      if (from === to) {
        skipped++;
        continue;
      }
    }
    await copyTag(item.pair, item.tag);
    copied++;
  }
}
await Promise.all(Array.from({ length: Number(values.jobs) }, worker));
await Promise.all([...pools.values()].map((pool) => pool.close()));
console.error(`copied ${copied}, skipped ${skipped}`);
