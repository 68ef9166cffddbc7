import { describe, expect, it } from "vitest";
import { InvalidReferenceError, UsageError } from "./regatta-error.js";
import { scrubText } from "./secret-set.js";
import { maskUserinfo, userinfoPasswords } from "./userinfo.js";

describe("userinfo passwords", () => {
  it.each([
    ["//alice:Kq7topSecretValue7@127.0.0.1:18531", "//alice:***@127.0.0.1:18531"],
    ["alice:Kq7top/SecretValueG@127.0.0.1:18531/r", "alice:***@127.0.0.1:18531/r"],
    ["http://u:Kq7top/SecretValueP@127.0.0.1:1", "http://u:***@127.0.0.1:1"],
    ["https://u:a//b?c#d@proxy:3128/", "https://u:***@proxy:3128/"],
    ["bob:PW@host", "bob:***@host"],
    ['"/alice:PW@127.0.0.1:1" is not a namespace', '"/alice:***@127.0.0.1:1" is not a namespace'],
    ['connect("bob:p@ss@host")', 'connect("bob:***@host")'],
    [
      `docker://alice:pw@reg/app@sha256:${"a".repeat(64)}`,
      `docker://alice:***@reg/app@sha256:${"a".repeat(64)}`,
    ],
  ])("masks the password of %s, with or without a scheme, whatever it holds", (text, masked) => {
    expect(maskUserinfo(text)).toBe(masked);
  });

  it.each([
    `reg:5000/app@sha256:${"0".repeat(64)}`,
    `reg.example/app:v1@sha512:${"F".repeat(128)}`,
    "contact: bob@example.com",
    "bob@example.com",
    "manifest unknown: app:v1",
  ])("leaves %s alone (a digest, an address, no userinfo)", (text) => {
    expect(maskUserinfo(text)).toBe(text);
    expect(userinfoPasswords(text)).toEqual([]);
  });

  it("masks the pieces of a password a parser quotes on their own", () => {
    const text =
      'invalid repository "alice:Kq7top/SecretValueG@127.0.0.1:18531/r": port must be digits ("Kq7top" at column 7) ("/SecretValueG@127.0.0.1" at column 13)';
    const masked = maskUserinfo(text);
    expect(masked).not.toMatch(/Kq7top|SecretValue/);
    expect(masked).toContain("alice:***@127.0.0.1:18531/r");
  });

  it("is what every error's message and hint are scrubbed with", () => {
    const err = new InvalidReferenceError('invalid registry "//alice:Kq7top/x?y@h:1"', {
      hint: "not alice:Kq7top/x?y@h:1",
    });
    expect(err.message).not.toContain("Kq7top");
    expect(
      new UsageError("invalid proxy URL in HTTPS_PROXY: http://u:Kq7top/SecretValueP@127.0.0.1:1").message,
    ).toBe("invalid proxy URL in HTTPS_PROXY: http://u:REDACTED@127.0.0.1:1");
    expect(scrubText("postgres://admin:pw/1@db")).toBe("postgres://admin:REDACTED@db");
  });
});

describe("userinfo passwords in linear time", () => {
  // Every error's text is masked, and a registry chooses up to 64 KiB of it: a word with a start (`=`, `,`…) before
  // every few characters made each start scan to the word's end (a 96 KiB platform `FOO=y_FOO=y_…` took 17 s).
  it.each([
    ["starts with no colon", `linux(+CONFIG_${"FOO=y_".repeat(16 * 1024)}BAR)/amd64`],
    ["starts with a colon and no @", "=a:".repeat(30_000)],
    ["starts with a colon and only a digest's @", `${"=a:".repeat(30_000)}@sha256:${"a".repeat(64)}`],
    ["a password of many pieces", `u:${"/abcd".repeat(12_000)}@h ${"abcd/".repeat(2000)}`],
  ])("%s: masked within a CPU second", (_, text) => {
    const before = process.cpuUsage();
    maskUserinfo(text);
    const used = process.cpuUsage(before);
    expect((used.user + used.system) / 1000).toBeLessThan(1000);
  });

  it("masks the same as the one regular expression on ordinary text", () => {
    expect(maskUserinfo("x a=b:pw@h c:d")).toBe("x a=b:***@h c:d");
    expect(maskUserinfo("x>b:pw@h")).toBe("x>b:pw@h");
    expect(maskUserinfo(`u:p@h@sha256:${"a".repeat(64)}`)).toBe(`u:***@h@sha256:${"a".repeat(64)}`);
  });
});
