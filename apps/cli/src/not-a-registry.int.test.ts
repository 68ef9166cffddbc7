/**
 * Issue 12 through the built CLI: a host that is not a registry says so, in one line, with exit status 1 — not
 * "404 Not Found" and exit 3, which would send the user looking for a missing tag.
 */
import { startServer, type TestServer } from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

let web: TestServer;
beforeAll(async () => {
  web = await startServer((_req, res) => {
    res.writeHead(404, { "content-type": "text/html; charset=utf-8" });
    res.end("<!DOCTYPE html><html><body><h1>Not Found</h1></body></html>");
  });
});
afterAll(async () => {
  await web.close();
});

describe("a web server named as a registry", () => {
  it.each([
    [["manifest", "team/app:1"], "get manifest HOST/team/app:1", "/v2/team/app/manifests/1"],
    [["tags", "team/app"], "list tags of HOST/team/app", "/v2/team/app/tags/list"],
    [["inspect", "team/app:1"], "get manifest HOST/team/app:1", "/v2/team/app/manifests/1"],
  ])("%j", async ([command, name], context, path) => {
    const got = await regatta([command as string, `${web.host}/${name}`]);
    expect([got.code, got.stdout]).toEqual([1, ""]);
    expect(got.stderr).toBe(
      `regatta: ${context.replace("HOST", web.host)}: ${web.host} does not look like a container registry (GET ${path} answered 404 text/html)\n`,
    );
  });

  it("-v adds the code", async () => {
    const got = await regatta(["manifest", `${web.host}/team/app:1`, "-v"]);
    expect(got.code).toBe(1);
    expect(got.stderr).toContain("NOT_A_REGISTRY");
  });
});
