/**
 * `--cert-file`/`--key-file` against a distribution registry that requires a client certificate
 * (`http.tls.clientcas`), with the https mode of the loopback registry from the Regatta config file.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@regatta/client";
import { generateImage, type MtlsRegistry, startMtlsRegistry } from "@regatta/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

let registry: MtlsRegistry;
let config: string;

beforeAll(async () => {
  registry = await startMtlsRegistry();
  const { ca, clientCert, clientKey } = registry.certificates;
  const reg = createClient(registry.host, {
    env: {},
    hosts: { [registry.host]: { tls: "enabled", ca, clientCert, clientKey } },
  });
  try {
    const image = await generateImage({ layers: [2048] });
    for (const blob of [image.config, ...image.layers]) await reg.pushBlob("mtls/cli", blob.bytes);
    await reg.putManifest("mtls/cli:v1", image.manifest.bytes);
  } finally {
    await reg.close();
  }
  // The registry is on 127.0.0.1, which is spoken to over http unless a host's settings say https.
  config = mkdtempSync(join(tmpdir(), "regatta-cli-mtls-"));
  mkdirSync(join(config, "regatta"));
  writeFileSync(
    join(config, "regatta", "config.json"),
    JSON.stringify({ hosts: { [registry.host]: { tls: "enabled" } } }),
  );
}, 60_000);
afterAll(async () => {
  await registry?.stop();
  if (config) rmSync(config, { recursive: true, force: true });
});

describe("regatta with a client certificate", () => {
  it("lists tags with --cert-file and --key-file, and is refused without them", async () => {
    const { files } = registry.certificates;
    const env = { XDG_CONFIG_HOME: config };
    const args = ["tags", `${registry.host}/mtls/cli`, "--ca-file", files.ca];
    const withCert = await regatta(
      [...args, "--cert-file", files.clientCert, "--key-file", files.clientKey],
      { env },
    );
    expect(withCert).toMatchObject({ code: 0, stdout: "v1\n" });
    const without = await regatta(args, { env });
    expect(without.code).not.toBe(0);
    expect(without.stdout).toBe("");
  });

  it("refuses a certificate without its key", async () => {
    const result = await regatta([
      "tags",
      `${registry.host}/mtls/cli`,
      "--cert-file",
      registry.certificates.files.clientCert,
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--cert-file and --key-file go together/);
  });
});
