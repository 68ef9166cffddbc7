import { execFileSync } from "node:child_process";
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSelfSignedCertificate } from "./self-signed-certificate.js";

describe("createSelfSignedCertificate", () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const cert = createSelfSignedCertificate(privateKey, { commonName: "test-signer", days: 2 });

  it("makes a CA certificate that verifies with its own key", () => {
    const x509 = new X509Certificate(cert.pem);
    expect(x509.raw.equals(cert.der)).toBe(true);
    expect(x509.subject).toBe("CN=test-signer");
    expect(x509.issuer).toBe("CN=test-signer");
    expect(x509.ca).toBe(true);
    expect(x509.verify(publicKey)).toBe(true);
    expect(x509.checkIssued(x509)).toBe(true);
    const now = Date.now();
    expect(new Date(x509.validFrom).getTime()).toBeLessThan(now);
    expect(new Date(x509.validTo).getTime()).toBeGreaterThan(now + 86_400_000);
  });

  it.skipIf(!existsSync("/usr/bin/openssl"))("is accepted by openssl verify as its own root", () => {
    const dir = mkdtempSync(join(tmpdir(), "regatta-cert-"));
    try {
      const path = join(dir, "cert.pem");
      writeFileSync(path, cert.pem);
      expect(execFileSync("openssl", ["verify", "-CAfile", path, path]).toString()).toContain("OK");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
