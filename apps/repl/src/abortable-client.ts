import { BlobHandle, type RegistryClient } from "@regatta/client";

/**
 * Where each method takes its options object (the one with `signal`). Every client method accepts a signal
 * there; the REPL adds its own so that Ctrl-C aborts the request in the transport, not just the wait for it.
 */
export const CLIENT_OPTIONS_AT: Record<string, number> = {
  tags: 1,
  allTags: 1,
  tagPages: 1,
  catalog: 0,
  repositories: 0,
  catalogPages: 0,
  search: 1,
  manifest: 1,
  digest: 1,
  head: 1,
  resolve: 2,
  blobSize: 2,
  hasBlob: 2,
  config: 1,
  inspect: 1,
  size: 1,
  ping: 1,
  // the write side
  pushBlob: 2,
  mountBlob: 3,
  putManifest: 2,
  tag: 2,
  copy: 2,
  deleteTag: 1,
  deleteManifest: 1,
  deleteRepository: 1,
  deleteBlob: 2,
  // disk
  pull: 2,
  push: 2,
};

const BLOB_OPTIONS_AT: Record<string, number> = {
  stream: 0,
  toFile: 1,
  bytes: 0,
  text: 0,
  json: 0,
  size: 0,
  exists: 0,
};

/**
 * Wraps a client so that every call carries `signal()`'s current AbortSignal (merged with one the caller passed).
 * Methods not in the table above are passed through untouched: the REPL still stops waiting for them on Ctrl-C,
 * but their requests run on. A new client method that takes options belongs in the table. `blob()` returns a blob handle wrapped the same way.
 */
export function abortableClient(client: RegistryClient, signal: () => AbortSignal): RegistryClient {
  return wrap(client, CLIENT_OPTIONS_AT, signal, (name, result) =>
    name === "blob" && result instanceof BlobHandle ? wrap(result, BLOB_OPTIONS_AT, signal) : result,
  );
}

function wrap<T extends object>(
  target: T,
  table: Record<string, number>,
  signal: () => AbortSignal,
  after: (name: string, result: unknown) => unknown = (_n, r) => r,
): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      // Getters (registry, url) must run against the real object: private fields do not exist on the proxy.
      const value = Reflect.get(obj, prop, obj);
      if (typeof prop !== "string" || typeof value !== "function" || prop === "constructor") return value;
      const at = table[prop];
      return function (this: unknown, ...args: unknown[]) {
        const self = this === receiver ? obj : this;
        if (at !== undefined) args = withSignal(args, at, signal());
        return after(prop, Reflect.apply(value, self, args));
      };
    },
  });
}

function withSignal(args: unknown[], at: number, signal: AbortSignal): unknown[] {
  const given = args[at];
  if (given !== undefined && (typeof given !== "object" || given === null)) return args;
  const options = (given ?? {}) as { signal?: AbortSignal };
  const merged = options.signal ? AbortSignal.any([options.signal, signal]) : signal;
  const out = [...args];
  while (out.length < at) out.push(undefined);
  out[at] = { ...options, signal: merged };
  return out;
}
