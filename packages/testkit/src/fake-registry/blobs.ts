import { repoAccess } from "./authorize.js";
import { DIGEST, NAME, SHA256 } from "./grammar.js";
import type { FakeRegistry } from "./router.js";

/** `/v2/<name>/blobs/<digest>`: GET and HEAD with ranges, DELETE. https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-blobs */
export function blobRoutes(registry: FakeRegistry): void {
  const { store, deleteEnabled, route, respond, errorResponse, empty } = registry;
  for (const method of ["get", "head"] as const) {
    route(
      method,
      `(${NAME})/blobs/(${DIGEST})`,
      ([name]) => [repoAccess(name!, "pull")],
      (request, [name, digest]) => {
        if (!SHA256.test(digest!))
          return errorResponse(request, 400, [{ code: "DIGEST_INVALID", detail: {} }]);
        const blob = store.repository(name!)?.blobs.get(digest!);
        if (!blob) return errorResponse(request, 404, [{ code: "BLOB_UNKNOWN", detail: digest }]);
        const headers: Record<string, string> = {
          "Accept-Ranges": "bytes",
          "Cache-Control": "max-age=31536000",
          "Content-Type": "application/octet-stream",
          "Docker-Content-Digest": digest!,
          Etag: `"${digest}"`,
        };
        const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.get("range") ?? "");
        if (range && (range[1] || range[2])) {
          const size = blob.length;
          // bytes=a-b, bytes=a- (to the end), bytes=-n (the last n bytes)
          const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
          const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
          if (start >= size || end < start) {
            const { "Accept-Ranges": _ranges, ...rest } = headers;
            return respond(request, 416, "invalid range: failed to overlap\n", {
              ...rest,
              "Content-Type": "text/plain; charset=utf-8",
              "X-Content-Type-Options": "nosniff",
              "Content-Range": `bytes */${size}`,
            });
          }
          return respond(request, 206, blob.subarray(start, end + 1), {
            ...headers,
            "Content-Range": `bytes ${start}-${end}/${size}`,
          });
        }
        return respond(request, 200, blob, headers);
      },
    );
  }
  route(
    "delete",
    `(${NAME})/blobs/(${DIGEST})`,
    ([name]) => [repoAccess(name!, "delete")],
    (request, [name, digest]) => {
      if (!deleteEnabled) return errorResponse(request, 405, [{ code: "UNSUPPORTED" }]);
      if (!store.repository(name!)?.blobs.delete(digest!)) {
        return errorResponse(request, 404, [{ code: "BLOB_UNKNOWN", detail: digest }]);
      }
      return empty(request, 202);
    },
  );
}
