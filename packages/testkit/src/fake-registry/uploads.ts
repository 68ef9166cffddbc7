import { createHash, randomUUID } from "node:crypto";
import { repoAccess } from "./authorize.js";
import { GO_DIGEST, NAME } from "./grammar.js";
import type { FakeRegistry, Route } from "./router.js";

/**
 * `/v2/<name>/blobs/uploads/`: POST (with mount and monolithic POST), then GET, PATCH, PUT and DELETE of a session,
 * with distribution 2.8's `_state` and its answers to stale or unknown sessions.
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs
 */
export function uploadRoutes(registry: FakeRegistry): void {
  const { flavour, store, route, errorResponse, empty } = registry;
  const uploadLocation = (url: URL, name: string, uuid: string) => {
    const size = store.uploads.get(uuid)?.size ?? 0;
    const state = Buffer.from(JSON.stringify({ Name: name, UUID: uuid, Offset: size })).toString("base64url");
    return `${url.origin}/v2/${name}/blobs/uploads/${uuid}?_state=${state}`;
  };
  /** The offset a `_state` from {@link uploadLocation} was issued at; undefined when it is not one. */
  const stateOffset = (state: string): number | undefined => {
    try {
      const offset = JSON.parse(Buffer.from(state, "base64url").toString("utf8")).Offset;
      return typeof offset === "number" ? offset : undefined;
    } catch {
      return undefined;
    }
  };
  // distribution reports an empty upload as "0-0".
  const uploadRange = (size: number) => `0-${Math.max(0, size - 1)}`;
  const finishBlob = (request: Request, url: URL, name: string, uuid: string, digest: string | null) => {
    const upload = store.uploads.get(uuid)!;
    store.uploads.delete(uuid);
    const bytes = Buffer.concat(upload.chunks);
    const actual = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    if (!digest || actual !== digest) {
      return errorResponse(request, 400, [
        { code: "DIGEST_INVALID", detail: { Digest: digest ?? "", Reason: {} } },
      ]);
    }
    store.repository(name, true)!.blobs.set(digest, bytes);
    store.finishedUploads.add(uuid);
    return empty(request, 201, {
      Location: `${url.origin}/v2/${name}/blobs/${digest}`,
      "Docker-Content-Digest": digest,
    });
  };
  route(
    "post",
    `(${NAME})/blobs/uploads/`,
    ([name], url) => {
      const from = url.searchParams.get("from");
      return [
        repoAccess(name!, "pull", "push"),
        ...(url.searchParams.get("mount") && from ? [repoAccess(from, "pull")] : []),
      ];
    },
    async (request, [name], url) => {
      const mount = url.searchParams.get("mount");
      const from = url.searchParams.get("from");
      if (mount && from) {
        const blob = store.repository(from)?.blobs.get(mount);
        if (blob) {
          store.repository(name!, true)!.blobs.set(mount, blob);
          return empty(request, 201, {
            Location: `${url.origin}/v2/${name}/blobs/${mount}`,
            "Docker-Content-Digest": mount,
          });
        }
      }
      const uuid = randomUUID();
      const body = Buffer.from(await request.arrayBuffer());
      store.uploads.set(uuid, { repository: name!, chunks: [], size: 0 });
      const digest = url.searchParams.get("digest");
      if (flavour.monolithicPost && digest) {
        store.uploads.get(uuid)!.chunks.push(body);
        return finishBlob(request, url, name!, uuid, digest);
      }
      return empty(request, 202, {
        Location: uploadLocation(url, name!, uuid),
        Range: "0-0",
        "Docker-Upload-UUID": uuid,
      });
    },
  );
  const UPLOAD = `(${NAME})/blobs/uploads/([^/]+)`;
  const withUpload = (
    fn: (request: Request, name: string, uuid: string, url: URL) => Promise<Response> | Response,
  ) =>
    ((request, [name, uuid], url) => {
      const upload = store.uploads.get(uuid!);
      const state = url.searchParams.get("_state");
      if (!upload || upload.repository !== name) {
        // 2.8 answers an unknown session with detail {} when the URL has no `_state`, BLOB_UPLOAD_UNKNOWN when the
        // session ended in a blob, no detail when `_state` is one it issued (a cancelled session), and detail 0 when
        // `_state` does not decode.
        if (state !== null && store.finishedUploads.has(uuid!))
          return errorResponse(request, 404, [{ code: "BLOB_UPLOAD_UNKNOWN", detail: {} }]);
        const detail = state === null ? {} : stateOffset(state) !== undefined ? undefined : 0;
        return errorResponse(request, 404, [
          { code: "BLOB_UPLOAD_INVALID", ...(detail !== undefined ? { detail } : {}) },
        ]);
      }
      // `_state` carries the offset it was issued at; 2.8 refuses one the upload has moved past (a stale Location),
      // and a GET with it leaves the session open (the parity test checks both).
      if (state !== null && stateOffset(state) !== upload.size)
        return errorResponse(request, 404, [{ code: "BLOB_UPLOAD_INVALID" }]);
      return fn(request, name!, uuid!, url);
    }) satisfies Route;
  route(
    "get",
    UPLOAD,
    ([name]) => [repoAccess(name!, "pull")],
    withUpload((request, name, uuid, url) =>
      empty(request, 204, {
        Location: uploadLocation(url, name, uuid),
        Range: uploadRange(store.uploads.get(uuid)!.size),
        "Docker-Upload-UUID": uuid,
      }),
    ),
  );
  route(
    "patch",
    UPLOAD,
    ([name]) => [repoAccess(name!, "pull", "push")],
    withUpload(async (request, name, uuid, url) => {
      const chunk = Buffer.from(await request.arrayBuffer());
      const upload = store.uploads.get(uuid)!;
      // 2.8 takes a chunk only as application/octet-stream (exactly: no parameters, no other case) or with no
      // Content-Type; anything else is a 500 UNKNOWN and the chunk is dropped. It ignores Content-Range altogether
      // (3.0 checks it): a chunk sent for the wrong offset is appended all the same.
      // https://github.com/distribution/distribution/blob/release/2.8/registry/handlers/blobupload.go (PatchBlobData)
      const contentType = request.headers.get("content-type");
      if (contentType !== null && contentType !== "application/octet-stream")
        return errorResponse(request, 500, [{ code: "UNKNOWN", detail: {} }]);
      upload.chunks.push(chunk);
      upload.size += chunk.length;
      return empty(request, 202, {
        Location: uploadLocation(url, name, uuid),
        Range: uploadRange(upload.size),
        "Docker-Upload-UUID": uuid,
      });
    }),
  );
  route(
    "put",
    UPLOAD,
    ([name]) => [repoAccess(name!, "pull", "push")],
    withUpload(async (request, name, uuid, url) => {
      const chunk = Buffer.from(await request.arrayBuffer());
      // The digest is read first (PutBlobUploadComplete): missing or unparsable, the answer is DIGEST_INVALID with a
      // text detail, the body is dropped and the session stays open for a corrected PUT.
      const digest = url.searchParams.get("digest");
      if (!digest) return errorResponse(request, 400, [{ code: "DIGEST_INVALID", detail: "digest missing" }]);
      if (!GO_DIGEST.test(digest))
        return errorResponse(request, 400, [{ code: "DIGEST_INVALID", detail: "digest parsing failed" }]);
      const upload = store.uploads.get(uuid)!;
      upload.chunks.push(chunk);
      upload.size += chunk.length;
      return finishBlob(request, url, name, uuid, digest);
    }),
  );
  route(
    "delete",
    UPLOAD,
    ([name]) => [repoAccess(name!, "pull", "push")],
    withUpload((request, _name, uuid) => {
      store.uploads.delete(uuid);
      return empty(request, 204, { "Docker-Upload-UUID": uuid });
    }),
  );
}
