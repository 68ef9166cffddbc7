import { DigestMismatchError, InvalidDigestError, SizeMismatchError, UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import {
  computeDigest,
  computeDigestAsync,
  createVerifier,
  Digester,
  findDigestProblem,
  isValidDescriptorDigest,
  isValidDigest,
  parseDigest,
  shortDigest,
  verifyDigest,
} from "./index.js";
import { enc } from "./test-fixtures.js";

const SHA256_EMPTY = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const SHA512_EMPTY =
  "sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
const SHA256_EMPTY_JSON = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

describe("parseDigest", () => {
  it.each([
    [SHA256_EMPTY, "sha256", SHA256_EMPTY.slice(7)],
    [SHA512_EMPTY, "sha512", SHA512_EMPTY.slice(7)],
  ])("accepts %s", (digest, algorithm, hex) => {
    expect(parseDigest(digest)).toEqual({ algorithm, hex });
  });

  it.each([
    ["", "digest is empty"],
    ["sha256", "the ':' is missing"],
    ["sha256:", "digest hex is empty"],
    [":abc", "digest algorithm is empty"],
    [`sha256:${"A".repeat(64)}`, "digest hex must be lowercase"],
    [`sha256:${"a".repeat(63)}`, "sha256 needs 64 hex characters, this one has 63"],
    [`sha256:${"a".repeat(65)}`, "sha256 needs 64 hex characters, this one has 65"],
    [`sha256:${"g".repeat(64)}`, "digest hex may hold only 0-9 and a-f"],
    [`sha512:${"a".repeat(64)}`, "sha512 needs 128 hex characters, this one has 64"],
    [`SHA256:${"a".repeat(64)}`, "digest algorithm must be lowercase"],
    [`sha384:${"a".repeat(96)}`, "unsupported algorithm"],
    ["multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8", "unsupported algorithm"],
    [` ${SHA256_EMPTY}`, "digest algorithm is malformed"],
    [`${SHA256_EMPTY}\n`, "invalid character in digest"],
  ])("rejects %j (%s)", (digest, message) => {
    expect(() => parseDigest(digest)).toThrow(InvalidDigestError);
    expect(() => parseDigest(digest)).toThrow(message);
    expect(isValidDigest(digest)).toBe(false);
  });

  it("refuses a value that is not a string", () => {
    expect(() => parseDigest(42 as unknown as string)).toThrow("a digest must be a string, got number");
    expect(isValidDigest(42 as unknown as string)).toBe(false);
  });
});

// The grammar check that names the bad part and its column, moved here from @regatta/reference (issue 11), which
// now re-exports parseDigest as parseDigestString.
const H64 = "0123456789abcdef".repeat(4);
const H128 = H64 + H64;

describe("parseDigest names the bad part and its column", () => {
  it.each([
    [`sha256:${H64}`, { algorithm: "sha256", hex: H64 }],
    [`sha512:${H128}`, { algorithm: "sha512", hex: H128 }],
  ])("%s", (input, expected) => {
    expect(parseDigest(input)).toEqual(expected);
    expect(isValidDigest(input)).toBe(true);
    expect(findDigestProblem(input)).toBeUndefined();
  });

  it.each([
    ["", "digest is empty"],
    [H64, "a digest is <algorithm>:<hex>, the ':' is missing"],
    [`:${H64}`, 'digest algorithm is empty (":" at column 1)'],
    [`SHA256:${H64}`, 'digest algorithm must be lowercase ("S" at column 1)'],
    [`sha256+:${H64}`, 'digest algorithm is malformed ("sha256+" at column 1)'],
    ["sha256:", 'digest hex is empty (":" at column 7)'],
    [`sha256:${H64.slice(2)}+/`, 'invalid character in digest ("+" at column 70)'],
    // Other algorithms the OCI grammar allows parse, then are refused as unsupported.
    [`md5:${H64}`, 'unsupported algorithm (Regatta supports sha256 and sha512) ("md5" at column 1)'],
    [`sha384:${H64}`, "unsupported algorithm"],
    [
      `multihash+base58:${H64}`,
      'unsupported algorithm (Regatta supports sha256 and sha512) ("multihash+base58" at column 1)',
    ],
    [`constructor:${H64}`, "unsupported algorithm"],
    [`sha256:${H64.slice(1)}`, "sha256 needs 64 hex characters, this one has 63"],
    [`sha256:${H64}0`, "sha256 needs 64 hex characters, this one has 65"],
    [`sha256:${H128}`, "sha256 needs 64 hex characters, this one has 128"],
    [`sha512:${H64}`, "sha512 needs 128 hex characters, this one has 64"],
    [`sha256:${H64.toUpperCase()}`, 'digest hex must be lowercase ("A" at column 18)'],
    [`sha256:${"g".repeat(64)}`, 'digest hex may hold only 0-9 and a-f ("g" at column 8)'],
  ])("refuses %j", (input, message) => {
    expect(() => parseDigest(input)).toThrow(InvalidDigestError);
    expect(() => parseDigest(input)).toThrow(`invalid digest ${JSON.stringify(input)}: ${message}`);
    expect(isValidDigest(input)).toBe(false);
  });

  it("uses the DIGEST_INVALID code", () => {
    expect(() => parseDigest("x")).toThrow(expect.objectContaining({ code: "DIGEST_INVALID" }));
  });
});

describe("shortDigest", () => {
  it.each([
    [SHA256_EMPTY, "sha256:e3b0c44298fc"],
    [SHA512_EMPTY, "sha512:cf83e1357eef"],
    ["sha512:0123456789abcdef", "sha512:0123456789ab"],
    // 12 characters or fewer: nothing to cut
    ["sha256:0123456789ab", "sha256:0123456789ab"],
    ["sha256:abc", "sha256:abc"],
    ["sha256:", "sha256:"],
    ["no-colon", "no-colon"],
    ["", ""],
  ])("%s is %s", (digest, short) => {
    expect(shortDigest(digest)).toBe(short);
  });

  it("appends the mark only when something was cut", () => {
    expect(shortDigest(SHA256_EMPTY, "…")).toBe("sha256:e3b0c44298fc…");
    expect(shortDigest("sha256:0123456789ab", "…")).toBe("sha256:0123456789ab");
    expect(shortDigest("sha256:0123456789abc", "…")).toBe("sha256:0123456789ab…");
    expect(shortDigest("no-colon-at-all-and-long", "…")).toBe("no-colon-at-all-and-long");
  });
});

describe("isValidDescriptorDigest", () => {
  it.each([
    [SHA256_EMPTY, true],
    [SHA512_EMPTY, true],
    // Unregistered algorithms that follow the grammar SHOULD pass validation (descriptor.md).
    ["multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8", true],
    ["sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564", true],
    [`sha256:${"A".repeat(64)}`, false],
    ["sha256:abc", false],
    ["nope", false],
    ["sha256:abc def", false],
  ])("%s → %s", (digest, valid) => {
    expect(isValidDescriptorDigest(digest)).toBe(valid);
  });
});

describe("computeDigest / verifyDigest", () => {
  it.each([
    ["", "sha256", SHA256_EMPTY],
    ["", "sha512", SHA512_EMPTY],
    ["{}", "sha256", SHA256_EMPTY_JSON],
  ] as const)("digest of %j in %s", (text, algorithm, digest) => {
    expect(computeDigest(enc(text), algorithm)).toBe(digest);
    expect(verifyDigest(enc(text), digest)).toBe(digest);
  });

  it.each([
    ["", "sha256", SHA256_EMPTY],
    ["", "sha512", SHA512_EMPTY],
    ["{}", "sha256", SHA256_EMPTY_JSON],
  ] as const)("computeDigestAsync (Web Crypto) of %j in %s", async (text, algorithm, digest) => {
    await expect(computeDigestAsync(enc(text), algorithm)).resolves.toBe(digest);
  });

  it("computeDigestAsync defaults to sha256 and refuses other algorithms", async () => {
    await expect(computeDigestAsync(enc("{}"))).resolves.toBe(SHA256_EMPTY_JSON);
    await expect(computeDigestAsync(enc("{}"), "md5" as "sha256")).rejects.toThrow(InvalidDigestError);
  });

  it("defaults to sha256", () => {
    expect(computeDigest(enc("{}"))).toBe(SHA256_EMPTY_JSON);
  });

  it.each([
    ["one byte changed", "{ }"],
    ["trailing newline", "{}\n"],
    ["re-indented", "{\n}"],
  ])("detects tampering: %s", (_name, tampered) => {
    expect(JSON.parse(tampered)).toEqual({}); // same JSON, different bytes
    try {
      verifyDigest(enc(tampered), SHA256_EMPTY_JSON);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DigestMismatchError);
      expect((err as DigestMismatchError).expected).toBe(SHA256_EMPTY_JSON);
      expect((err as DigestMismatchError).actual).toBe(computeDigest(enc(tampered)));
    }
  });

  it("rejects a malformed expected digest with InvalidDigestError", () => {
    expect(() => verifyDigest(enc("{}"), "sha256:nope")).toThrow(InvalidDigestError);
  });
});

describe("Digester", () => {
  it.each([
    ["one chunk", ["hello world"]],
    ["many chunks", ["he", "llo", " ", "wor", "ld"]],
    ["with empty chunks", ["", "hello", "", " world", ""]],
  ])("hashes %s like computeDigest", (_name, chunks) => {
    for (const algorithm of ["sha256", "sha512"] as const) {
      const d = new Digester(algorithm);
      for (const chunk of chunks) d.update(enc(chunk));
      expect(d.bytes).toBe(11);
      expect(d.digest()).toBe(computeDigest(enc("hello world"), algorithm));
      expect(d.digest()).toBe(d.digest());
    }
  });

  it("refuses update after digest", () => {
    const d = new Digester();
    d.digest();
    expect(() => d.update(enc("x"))).toThrow(UsageError);
  });
});

describe("createVerifier", () => {
  const body = enc("a blob of twenty-six bytes");
  const digest = computeDigest(body);

  it.each([
    ["digest only", undefined],
    ["digest and size", body.byteLength],
  ])("passes good content (%s)", (_name, size) => {
    const v = createVerifier(digest, size);
    for (let i = 0; i < body.byteLength; i += 5) v.update(body.subarray(i, i + 5));
    expect(v.bytes).toBe(body.byteLength);
    expect(v.finish()).toBe(digest);
  });

  it("throws DigestMismatchError for tampered content of the right size", () => {
    const tampered = body.slice();
    tampered[3] = (tampered[3]! + 1) & 0xff;
    const v = createVerifier(digest, body.byteLength);
    v.update(tampered);
    expect(() => v.finish()).toThrow(DigestMismatchError);
  });

  it("throws SizeMismatchError for truncated content, before comparing digests", () => {
    const v = createVerifier(digest, body.byteLength);
    v.update(body.subarray(0, 10));
    try {
      v.finish();
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SizeMismatchError);
      expect(err).toMatchObject({ expected: 26, actual: 10 });
    }
  });

  it("throws SizeMismatchError in update() as soon as content overruns the size", () => {
    const v = createVerifier(digest, 12);
    v.update(body.subarray(0, 12));
    expect(() => v.update(body.subarray(12, 13))).toThrow(SizeMismatchError);
    expect(v.bytes).toBe(13);
  });

  it("without a size, only the digest decides", () => {
    const v = createVerifier(digest);
    v.update(body.subarray(0, 10));
    expect(() => v.finish()).toThrow(DigestMismatchError);
  });

  it.each([
    ["sha256:abc", InvalidDigestError],
    [`md5:${"a".repeat(32)}`, InvalidDigestError],
  ])("refuses a bad expected digest %s up front", (bad, type) => {
    expect(() => createVerifier(bad)).toThrow(type);
  });

  it.each([-1, 1.5, Number.NaN])("refuses expected size %s", (size) => {
    expect(() => createVerifier(digest, size)).toThrow(UsageError);
  });

  it("verifies sha512 digests", () => {
    const v = createVerifier(computeDigest(body, "sha512"), body.byteLength);
    v.update(body);
    expect(v.finish()).toMatch(/^sha512:/);
  });

  it("refuses update after finish", () => {
    const v = createVerifier(SHA256_EMPTY, 0);
    v.finish();
    expect(() => v.update(enc("x"))).toThrow(UsageError);
  });
});
