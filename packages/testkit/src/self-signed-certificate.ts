import { createPublicKey, type KeyObject, randomBytes, sign } from "node:crypto";

/** A certificate made by {@link createSelfSignedCertificate}. */
export interface SelfSignedCertificate {
  /** PEM text, as written into distribution's `auth.token.rootcertbundle`. */
  pem: string;
  /** DER bytes; base64 of these is what a JWT `x5c` header carries. */
  der: Buffer;
}

/** Options of {@link createSelfSignedCertificate}. */
export interface SelfSignedCertificateOptions {
  /** Subject and issuer common name. */
  commonName?: string;
  /** Validity in days from one hour ago (the hour absorbs clock skew). Default 7. */
  days?: number;
}

/**
 * Makes a self-signed X.509 v3 certificate (sha256WithRSAEncryption, CA:TRUE) for an RSA key pair.
 *
 * Node's crypto parses certificates but cannot make them, and forking `openssl` per test run costs more than
 * this ~50-line DER writer. Go's `x509.Verify` (which distribution uses on a token's `x5c` chain) accepts a
 * certificate that is byte-equal to one in the root pool, so no separate CA is needed.
 */
export function createSelfSignedCertificate(
  privateKey: KeyObject,
  options: SelfSignedCertificateOptions = {},
): SelfSignedCertificate {
  const name = seq(set(seq(oid("2.5.4.3"), tlv(0x0c, Buffer.from(options.commonName ?? "regatta-testkit")))));
  const notBefore = new Date(Date.now() - 3_600_000);
  const notAfter = new Date(notBefore.getTime() + (options.days ?? 7) * 86_400_000 + 3_600_000);
  const sha256WithRsa = seq(oid("1.2.840.113549.1.1.11"), tlv(0x05, Buffer.alloc(0)));
  const spki = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive and non-zero
  const extensions = tlv(
    0xa3,
    seq(
      // basicConstraints: critical, CA:TRUE
      seq(oid("2.5.29.19"), tlv(0x01, Buffer.from([0xff])), octets(seq(tlv(0x01, Buffer.from([0xff]))))),
      // keyUsage: critical, digitalSignature | keyCertSign
      seq(oid("2.5.29.15"), tlv(0x01, Buffer.from([0xff])), octets(tlv(0x03, Buffer.from([0x02, 0x84])))),
    ),
  );
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    sha256WithRsa,
    name,
    seq(utcTime(notBefore), utcTime(notAfter)),
    name,
    spki,
    extensions,
  );
  const signature = sign("sha256", tbs, privateKey);
  const der = seq(tbs, sha256WithRsa, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const b64 = der.toString("base64").replace(/.{64}/g, "$&\n");
  return { der, pem: `-----BEGIN CERTIFICATE-----\n${b64.trimEnd()}\n-----END CERTIFICATE-----\n` };
}

function tlv(tag: number, content: Buffer): Buffer {
  const len = content.length;
  let header: Buffer;
  if (len < 0x80) header = Buffer.from([tag, len]);
  else {
    const bytes: number[] = [];
    for (let n = len; n > 0; n >>= 8) bytes.unshift(n & 0xff);
    header = Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([header, content]);
}

function seq(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

function set(...items: Buffer[]): Buffer {
  return tlv(0x31, Buffer.concat(items));
}

function octets(content: Buffer): Buffer {
  return tlv(0x04, content);
}

function integer(bytes: Buffer): Buffer {
  return tlv(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split(".").map(Number) as [number, number, ...number[]];
  const out = [a * 40 + b];
  for (const n of rest) {
    const chunk: number[] = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-01-02T03:04:05.678Z
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return tlv(0x17, Buffer.from(text));
}
