/** Issue 10, item 5 from the command line: `regatta digest` says where its answer came from and refuses a lie. */
import { generateImage, type HostileRegistry, LIE_DIGEST, startHostileRegistry } from "@regatta/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

let hostile: HostileRegistry | undefined;
afterEach(async () => {
  await hostile?.close();
  hostile = undefined;
});

async function lying(digest?: string | "served" | null) {
  const image = await generateImage({ layers: [100], seed: "cli-lying-digest" });
  hostile = await startHostileRegistry({
    behaviour: "lying-digest",
    manifest: { bytes: image.manifest.bytes, mediaType: image.manifest.mediaType },
    ...(digest !== undefined ? { digest } : {}),
  });
  return { host: hostile.host, truth: image.manifest.digest };
}

describe("regatta digest", () => {
  it("--json says the digest is the registry's header when it was not checked", async () => {
    const { host, truth } = await lying("served");
    const run = await regatta(["digest", `${host}/team/app:1`, "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      reference: `${host}/team/app:1`,
      digest: truth,
      source: "header",
    });
  });

  it("--verify hashes the manifest: verified when it matches", async () => {
    const { host, truth } = await lying("served");
    const run = await regatta(["digest", `${host}/team/app:1`, "--verify", "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ digest: truth, source: "verified" });
  });

  it("--verify refuses a header that names another manifest, naming both digests", async () => {
    const { host, truth } = await lying();
    const run = await regatta(["digest", `${host}/team/app:1`, "--verify"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(LIE_DIGEST);
    expect(run.stderr).toContain(truth);
  });

  it("a reference with a digest that the registry names differently is an error, without --verify", async () => {
    const { host, truth } = await lying();
    const run = await regatta(["digest", `${host}/team/app@${truth}`, "--json"]);
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain(LIE_DIGEST);
    expect(run.stderr).toContain(`asked for ${truth}`);
    expect(run.stderr).toContain(LIE_DIGEST);
  });
});
