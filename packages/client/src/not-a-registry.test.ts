/**
 * A host that is not a registry, through the library (issue 12): every verb says so (ProtocolError NOT_A_REGISTRY)
 * instead of "404 Not Found", whichever endpoint it reached first.
 */
import { NOT_A_REGISTRY, NotFoundError, ProtocolError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { answeringRegistry, rejection } from "./test-answering-registry.js";

const HTML = "<!DOCTYPE html>\n<html><body><h1>404 Not Found</h1><hr>nginx</body></html>\n";

describe("a web server that is not a registry", () => {
  it("manifest, tags, config and blob reads each say the host is not a registry", async () => {
    const web = await answeringRegistry(() => ({
      status: 404,
      headers: { "content-type": "text/html" },
      body: HTML,
    }));
    try {
      const calls: [string, () => Promise<unknown>][] = [
        ["/v2/team/app/manifests/1", () => web.reg.manifest(`${web.host}/team/app:1`)],
        ["/v2/team/app/tags/list", () => web.reg.tags(`${web.host}/team/app`)],
        ["/v2/team/app/manifests/1", () => web.reg.config(`${web.host}/team/app:1`)],
        [
          `/v2/team/app/blobs/sha256:${"a".repeat(64)}`,
          () => web.reg.blob(`${web.host}/team/app`, `sha256:${"a".repeat(64)}`).bytes(),
        ],
      ];
      for (const [path, call] of calls) {
        const error = await rejection(call(), ProtocolError);
        expect(error).not.toBeInstanceOf(NotFoundError);
        expect(error.code).toBe(NOT_A_REGISTRY);
        expect(error.message).toContain(
          `${web.host} does not look like a container registry (GET ${path} answered 404 text/html)`,
        );
      }
    } finally {
      await web.close();
    }
  });
});
