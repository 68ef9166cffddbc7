import { X509Certificate } from "node:crypto";
import { UsageError } from "@regatta/errors";

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Refuses an extra CA bundle that holds no certificate, or one that does not parse. Node's TLS takes any bytes as
 * `ca` and silently keeps nothing of what is not PEM, so a wrong file (a key, `/etc/passwd`, DER) would only show
 * later as "self-signed certificate: trust the registry's CA with --ca-file" — the flag the user already gave. curl
 * refuses such a `--cacert` at once ("error setting certificate file"). `what` names the bundle in the message: the
 * file it was read from when there is one (`caName`), so that the user sees which of their files is wrong.
 */
export function checkCaBundle(pem: string | Buffer, what: string): void {
  const text = typeof pem === "string" ? pem : pem.toString("latin1");
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (!blocks.length) {
    throw new UsageError(
      `${what} holds no PEM certificate (a "-----BEGIN CERTIFICATE-----" block): give the CA's certificate, not its key or a DER file`,
      { code: "BAD_CA_BUNDLE" },
    );
  }
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch {
      throw new UsageError(`${what}: certificate ${i + 1} of ${blocks.length} does not parse`, {
        code: "BAD_CA_BUNDLE",
      });
    }
  });
}
