/**
 * A loopback registry that serves https (distribution with `http.tls`, no client certificates). Loopback registries
 * are spoken to over plain http by default, as docker does; the https port's answer to that (Go's 400 "Client sent an
 * HTTP request to an HTTPS server.") switches the registry to https for the rest of the run, the certificate verified
 * as for any https registry (transport/src/https-port.ts). A scheme the caller chose is never switched.
 */
import { ProtocolError } from "@regatta/errors";
import { type GeneratedImage, generateImage, type MtlsRegistry, startMtlsRegistry } from "@regatta/testkit";
import { HTTPS_PORT } from "@regatta/transport";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ConnectOptions, createClient, type RegistryClient } from "./index.js";

let registry: MtlsRegistry;
let image: GeneratedImage;
const opened: RegistryClient[] = [];

beforeAll(async () => {
  registry = await startMtlsRegistry({ clientCertificates: false });
  image = await generateImage({ layers: [4096] });
}, 60_000);
afterAll(async () => {
  await registry?.stop();
});
afterEach(async () => {
  for (const c of opened.splice(0)) await c.close();
});

function client(options: ConnectOptions, urls: string[] = []): RegistryClient {
  const c = createClient(registry.host, {
    env: {},
    retry: { attempts: 0 },
    logger: (line) => {
      const url = /https?:\/\/\S+/.exec(line)?.[0];
      if (url) urls.push(url);
    },
    ...options,
  });
  opened.push(c);
  return c;
}

describe("a loopback registry serving https", () => {
  it("is switched to https on its first answer, then pushed to and read from there", async () => {
    const urls: string[] = [];
    const reg = client({ hosts: { [registry.host]: { ca: registry.certificates.ca } } }, urls);
    for (const blob of [image.config, ...image.layers]) await reg.pushBlob("tls/app", blob.bytes);
    await reg.putManifest("tls/app:1", image.manifest.bytes);
    expect((await reg.tags("tls/app")).tags).toEqual(["1"]);
    expect((await reg.manifest("tls/app:1")).digest).toBe(image.manifest.digest);
    // The first request (a blob HEAD: its 400 has no body) and the ping over http that heard why; then only https.
    const plain = urls.filter((u) => u.startsWith("http:"));
    expect(plain.map((u) => new URL(u).pathname)).toEqual([expect.stringContaining("/blobs/"), "/v2/"]);
    expect(urls.some((u) => u.startsWith("https:"))).toBe(true);
  });

  it("verifies its certificate once switched: without the CA it is refused, not read over http", async () => {
    const error = await client({})
      .tags("tls/app")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/certificate/i);
  });

  it("is switched with insecure: true too, which allows plain http (docker's insecure-registries) but never pins it", async () => {
    const reg = client({ insecure: true, hosts: { [registry.host]: { ca: registry.certificates.ca } } });
    expect((await reg.tags("tls/app")).tags).toEqual(["1"]);
  });

  it("is not switched when the caller chose plain http: the error says the port speaks https", async () => {
    const error = await client({ hosts: { [registry.host]: { tls: "disabled" } } })
      .tags("tls/app")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(HTTPS_PORT);
    expect((error as ProtocolError).message).toContain(
      `${registry.host} speaks https on this port, not plain http`,
    );
  });
});

describe("insecure (skopeo's tls-verify: false) on a loopback registry", () => {
  it("reaches one serving https with a certificate nobody trusts, unverified", async () => {
    const reg = client({ hosts: { [registry.host]: { tls: "insecure" } } });
    expect((await reg.tags("tls/app")).tags).toEqual(["1"]);
  });
});
