/**
 * An extra CA bundle that holds no certificate is refused when the transport is made, before any request: Node's TLS
 * would keep nothing of it silently, and the run would fail later as if no --ca-file had been given.
 */
import { UsageError } from "@regatta/errors";
import { TEST_CERT, TEST_KEY } from "@regatta/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { Transport } from "./transport.js";

const made: Transport[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((t) => t.close()));
});
const make = (options: ConstructorParameters<typeof Transport>[0]) => {
  const t = new Transport({ env: {}, ...options });
  made.push(t);
  return t;
};
const refusal = (options: ConstructorParameters<typeof Transport>[0]) => {
  try {
    make(options);
  } catch (error) {
    return error;
  }
  return undefined;
};

describe("an extra CA bundle", () => {
  it.each([
    ["a passwd file", "root:x:0:0:root:/root:/bin/bash\n"],
    ["a private key", TEST_KEY],
    ["DER bytes", Buffer.from([0x30, 0x82, 0x01, 0x0a, 0x02, 0x82])],
    ["an empty file", ""],
  ])("holding no certificate (%s) is a usage error naming the flag", (_what, ca) => {
    const error = refusal({ ca });
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe("BAD_CA_BUNDLE");
    expect((error as UsageError).message).toMatch(
      /^the extra CA bundle \(--ca-file, ca\) holds no PEM certificate/,
    );
  });

  it("with a block that does not parse is refused, naming which", () => {
    const broken = `${TEST_CERT}\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`;
    expect((refusal({ ca: broken }) as UsageError).message).toBe(
      "the extra CA bundle (--ca-file, ca): certificate 2 of 2 does not parse",
    );
  });

  it("of one registry (hosts) is checked the same, naming its origin", () => {
    const error = refusal({ hosts: { "reg.example": { ca: "not a certificate" } } });
    expect((error as UsageError).message).toMatch(
      /^the CA bundle of https:\/\/reg\.example \(hosts caFile, ca\) holds no PEM certificate/,
    );
  });

  it("is named as the caller names it (caName: the file it was read from), here and per registry", () => {
    const broken = `${TEST_CERT}\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`;
    expect((refusal({ ca: "root:x:0:0", caName: "--ca-file /etc/passwd" }) as UsageError).message).toMatch(
      /^--ca-file \/etc\/passwd holds no PEM certificate/,
    );
    expect((refusal({ ca: broken, caName: "--ca-file ca.pem" }) as UsageError).message).toBe(
      "--ca-file ca.pem: certificate 2 of 2 does not parse",
    );
    const perHost = refusal({
      hosts: { "reg.example": { ca: "not a certificate", caName: "caFile /x/ca.pem" } },
    });
    expect((perHost as UsageError).code).toBe("BAD_CA_BUNDLE");
    expect((perHost as UsageError).message).toMatch(/^caFile \/x\/ca\.pem holds no PEM certificate/);
  });

  it("with certificates (and text around them, as bundles have) is taken", () => {
    expect(refusal({ ca: `# my CA\n${TEST_CERT}\n` })).toBeUndefined();
    expect(
      refusal({ ca: Buffer.from(TEST_CERT), hosts: { "reg.example": { ca: TEST_CERT } } }),
    ).toBeUndefined();
  });
});
