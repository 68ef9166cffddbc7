/**
 * Mutual TLS against a real distribution registry configured with `http.tls.clientcas`: the registry refuses a
 * client without a certificate from its CA, and serves one that has it, given in `hosts` or in the config file.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type GeneratedImage, generateImage, type MtlsRegistry, startMtlsRegistry } from "@regatta/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ConnectOptions, connect, createClient, type RegistryClient } from "./index.js";

let registry: MtlsRegistry;
let image: GeneratedImage;
const opened: RegistryClient[] = [];
let home: string;

beforeAll(async () => {
  registry = await startMtlsRegistry();
  image = await generateImage({ layers: [4096, 10_000] });
  home = mkdtempSync(join(tmpdir(), "regatta-mtls-home-"));
}, 60_000);
afterAll(async () => {
  await registry?.stop();
  rmSync(home, { recursive: true, force: true });
});
afterEach(async () => {
  for (const c of opened.splice(0)) await c.close();
});

function client(options: ConnectOptions): RegistryClient {
  const c = createClient(registry.host, { env: {}, retry: { attempts: 0 }, ...options });
  opened.push(c);
  return c;
}

async function push(reg: RegistryClient, reference: string): Promise<void> {
  const repository = reference.split(":")[0]!;
  for (const blob of [image.config, ...image.layers]) await reg.pushBlob(repository, blob.bytes);
  await reg.putManifest(reference, image.manifest.bytes);
}

describe("mutual TLS with a distribution registry (http.tls.clientcas)", () => {
  it("refuses a client that trusts the registry but shows no certificate", async () => {
    const { ca } = registry.certificates;
    const reg = client({ hosts: { [registry.host]: { tls: "enabled", ca } } });
    const error = await reg.tags("mtls/app").catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    // The registry's certificate verified (the CA is trusted); the handshake failed on the client's side of it.
    expect(String(error)).not.toMatch(/self.signed|unable to verify|UNABLE_TO_GET_ISSUER/i);
  });

  it("pushes, lists tags and reads the manifest with hosts[registry].clientCert and clientKey", async () => {
    const { ca, clientCert, clientKey } = registry.certificates;
    const reg = client({ hosts: { [registry.host]: { tls: "enabled", ca, clientCert, clientKey } } });
    await push(reg, "mtls/app:v1");
    expect((await reg.tags("mtls/app")).tags).toEqual(["v1"]);
    const manifest = await reg.manifest("mtls/app:v1");
    expect(manifest.digest).toBe(image.manifest.digest);
  });

  it("takes the certificate from the Regatta config file (caFile, certFile, keyFile)", async () => {
    const { files } = registry.certificates;
    mkdirSync(join(home, ".config", "regatta"), { recursive: true });
    writeFileSync(
      join(home, ".config", "regatta", "config.json"),
      JSON.stringify({
        hosts: {
          [registry.host]: {
            tls: "enabled",
            caFile: files.ca,
            certFile: files.clientCert,
            keyFile: files.clientKey,
          },
        },
      }),
    );
    // connect() pings the registry: it fails at once without the certificate.
    const reg = await connect(registry.host, { env: { HOME: home }, retry: { attempts: 0 } });
    opened.push(reg);
    await push(reg, "mtls/file:v1");
    expect((await reg.tags("mtls/file")).tags).toEqual(["v1"]);
    expect((await reg.manifest("mtls/file:v1")).digest).toBe(image.manifest.digest);
  });
});
