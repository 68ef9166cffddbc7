/**
 * `regatta schema1` against distribution 2.8.2: push to a registry with compatibility.schema1 enabled and read the
 * result back verified; the one clear line (and exit status) for a registry that refuses schema 1, a bad key file, a
 * manifest whose signature does not verify.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateImage, pushImage, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

describe("regatta schema1", () => {
  const legacy = useRegistry({ schema1: true });
  const current = useRegistry("none");
  let work: string;
  let key: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "regatta-schema1-"));
    const image = await generateImage({ layers: [700, 300], mediaTypes: "docker", seed: "cli-schema1" });
    await pushImage(legacy.url, "src/app", "v1", image);
    await pushImage(current.url, "src/app", "v1", image);
    key = join(work, "key.json");
    expect((await regatta(["schema1", "keygen", "-o", key])).code).toBe(0);
  }, 60_000);

  it("keygen -o - prints the key on stdout, not in a file named -", async () => {
    const out = await regatta(["schema1", "keygen", "-o", "-"]);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ kty: "EC", crv: "P-256", kid: expect.any(String) });
  });

  it("pushes an image as signed schema 1, and verify reads it back from the registry (signed by the registry)", async () => {
    const push = await regatta([
      "schema1",
      "push",
      `${legacy.host}/src/app:v1`,
      `${legacy.host}/old/app:v1`,
      "--key",
      key,
    ]);
    expect(push.stderr).toContain(`pushed ${legacy.host}/old/app:v1 as signed schema 1 (key `);
    expect(push.code).toBe(0);
    const digest = push.stdout.trim();
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const verify = await regatta(["schema1", "verify", `${legacy.host}/old/app:v1`, "--json"]);
    expect(verify.code).toBe(0);
    const report = JSON.parse(verify.stdout) as {
      digest: string;
      signatures: { keyId: string; alg: string }[];
    };
    expect(report.digest).toBe(digest);
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0]!.alg).toBe("ES256");
    // The registry signed it again with its own key: not the one of key.json.
    const ours = JSON.parse((await import("node:fs")).readFileSync(key, "utf8")).kid as string;
    expect(report.signatures[0]!.keyId).not.toBe(ours);
  });

  it("push --dry-run writes nothing and says what it would copy; the key may come from a pipe", async () => {
    const { readFileSync } = await import("node:fs");
    const push = await regatta(
      [
        "schema1",
        "push",
        `${current.host}/src/app:v1`,
        `${current.host}/old/app:v1`,
        "--key",
        "-",
        "--dry-run",
      ],
      { input: readFileSync(key, "utf8") },
    );
    expect(push.code).toBe(0);
    expect(push.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(push.stderr).toContain(`dry run: would push ${current.host}/old/app:v1 as signed schema 1 (key `);
    expect(push.stderr).toContain("copying 2 blobs; nothing was written");
    expect((await fetch(`${current.url}/v2/old/app/tags/list`)).status).toBe(404);
  });

  it("a registry that refuses schema 1: one line saying so, exit 1", async () => {
    const push = await regatta([
      "schema1",
      "push",
      `${current.host}/src/app:v1`,
      `${current.host}/old/app:v1`,
      "--key",
      key,
    ]);
    expect(push.code).toBe(1);
    expect(push.stderr.trim().split("\n")).toHaveLength(1);
    expect(push.stderr).toContain(
      `${current.host} refused a Docker schema 1 manifest (500 UNKNOWN): distribution answers so when schema 1 is off`,
    );
  });

  it("a tampered manifest fails verify with the reason; a bad key file is a usage error", async () => {
    const converted = await regatta(["schema1", "convert", `${current.host}/src/app:v1`, "--key", key]);
    expect(converted.code).toBe(0);
    const file = join(work, "tampered.json");
    writeFileSync(file, converted.stdout.replace('"tag": "v1"', '"tag": "v9"'));
    const verify = await regatta(["schema1", "verify", file]);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toMatch(
      /the signature does not verify: key [A-Z2-7:]+, ES256: the signature does not match/,
    );
    expect(verify.stderr.trim().split("\n")).toHaveLength(1);
    const badKey = join(work, "bad-key.json");
    writeFileSync(badKey, '{"kty":"EC","crv":"P-256"}');
    const sign = await regatta(["schema1", "sign", file, "--key", badKey]);
    expect(sign.code).toBe(2);
    expect(sign.stderr).toContain(`--key ${badKey}: the signing key's x is not a base64url string`);
    const unsigned = join(work, "unsigned.json");
    writeFileSync(
      unsigned,
      (await regatta(["schema1", "convert", `${current.host}/src/app:v1`])).stdoutBytes,
    );
    const plain = await regatta(["schema1", "verify", unsigned]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain(`${unsigned} is not signed`);
  });
});
