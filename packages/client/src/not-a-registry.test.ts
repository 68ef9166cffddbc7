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

describe("a host answering 200 to every path", () => {
  it("a web page where a tag list or a manifest belongs says the host is not a registry", async () => {
    const web = await answeringRegistry(() => ({
      headers: { "content-type": "text/html" },
      body: "<html><body><h1>Welcome to nginx!</h1></body></html>\n",
    }));
    try {
      for (const [path, call] of [
        ["/v2/team/app/tags/list", () => web.reg.tags(`${web.host}/team/app`)],
        ["/v2/team/app/manifests/1", () => web.reg.manifest(`${web.host}/team/app:1`)],
      ] as const) {
        const error = await rejection(call(), ProtocolError);
        expect(error.code).toBe(NOT_A_REGISTRY);
        expect(error.message).toContain(
          `${web.host} does not look like a container registry (GET ${path} answered 200 text/html)`,
        );
      }
    } finally {
      await web.close();
    }
  });

  it("JSON of another API where a tag list belongs is no empty repository", async () => {
    for (const announced of [false, true]) {
      const api = await answeringRegistry(() => ({
        headers: {
          "content-type": "application/json",
          ...(announced ? { "docker-distribution-api-version": "registry/2.0" } : {}),
        },
        body: '{"hello":"world"}',
      }));
      try {
        const error = await rejection(api.reg.tags(`${api.host}/team/app`), ProtocolError);
        // A host announcing the registry API is a broken registry, not a foreign host.
        expect(error.code).toBe(announced ? "PROTOCOL" : NOT_A_REGISTRY);
        expect(error.message).toContain(
          announced ? "neither name nor tags, not a tag list" : "does not look like a container registry",
        );
      } finally {
        await api.close();
      }
    }
  });
});
