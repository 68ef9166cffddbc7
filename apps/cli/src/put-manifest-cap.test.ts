/** `put-manifest` reads at most the one manifest cap (@regatta/manifest's MAX_MANIFEST_BYTES), before any request. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { MAX_MANIFEST_BYTES } from "@regatta/client";
import { startServer, type TestServer, tempDirs } from "@regatta/testkit";
import { afterEach, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const temp = tempDirs("regatta-put-manifest-cap-");
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

it.each([
  ["a file one byte over the cap", MAX_MANIFEST_BYTES + 1, "file"],
  ["stdin one byte over the cap", MAX_MANIFEST_BYTES + 1, "stdin"],
] as const)("refuses %s with a usage error and sends nothing", async (_what, size, from) => {
  server = await startServer((_req, res) => void res.end("{}"));
  const body = `{"schemaVersion":2,"pad":"${"x".repeat(size - 28)}"}`;
  expect(body.length).toBe(size);
  const file = join(temp(), "manifest.json");
  writeFileSync(file, body);
  const run = await regatta(
    ["put-manifest", `${server.host}/team/app:1`, from === "file" ? file : "-"],
    from === "stdin" ? { input: body } : {},
  );
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/more than a manifest can be/);
  expect(server.requests).toHaveLength(0);
});
