import { createMswDispatcher, distributionHandlers } from "@regatta/testkit";
import { describe, expect, it } from "vitest";
import { createClient, UsageError } from "../index.js";

describe("pushArtifact's files", () => {
  it("a path that is not there is a UsageError naming it (bad input, as put-blob's), before any request", async () => {
    const handlers = distributionHandlers({ host: "localhost:5000" });
    const dispatcher = createMswDispatcher(handlers);
    const reg = createClient("localhost:5000", { dispatcher });
    try {
      const pushing = reg.pushArtifact("team/site:1.0", {
        artifactType: "application/vnd.example.site",
        files: [{ path: "./no-such-dir-here" }],
      });
      await expect(pushing).rejects.toBeInstanceOf(UsageError);
      await expect(pushing).rejects.toThrow("cannot read ./no-such-dir-here: no such file");
      expect(dispatcher.requests.filter((r) => /\/blobs\/|\/manifests\//.test(String(r.url)))).toEqual([]);
    } finally {
      await reg.close();
    }
  });
});
