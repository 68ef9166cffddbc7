import { describe, expect, it } from "vitest";
import { copyCredentials, parseSize } from "./write.js";

describe("parseSize", () => {
  it.each([
    ["1048576", 1048576],
    ["512KiB", 512 * 1024],
    ["8M", 8 * 1024 * 1024],
    ["16MiB", 16 * 1024 * 1024],
    ["1g", 1024 ** 3],
    ["64kb", 64 * 1024],
  ])("%s is %d bytes", (text, bytes) => {
    expect(parseSize(text, "--chunk-size")).toBe(bytes);
  });

  it.each(["", "0", "-1", "8 MB/s", "1.5M", "lots"])("refuses %j, naming the flag", (text) => {
    expect(() => parseSize(text, "--chunk-size")).toThrow(/--chunk-size/);
  });
});

describe("copyCredentials", () => {
  const me = { username: "me", password: "pw" };

  it("gives each end its own credentials, by host", () => {
    expect(
      copyCredentials(
        { srcUsername: "me", srcPassword: "pw", destUsername: "ci", destPassword: "token" },
        "ghcr.io",
        "localhost:5000",
      ),
    ).toEqual({
      hosts: { "ghcr.io": me, "localhost:5000": { username: "ci", password: "token" } },
    });
    expect(copyCredentials({}, "a.example", "b.example")).toEqual({});
  });

  it("takes the password from the environment, and refuses half a pair", () => {
    process.env.REGATTA_SRC_PASSWORD = "from-env";
    try {
      expect(copyCredentials({ srcUsername: "me" }, "a.example", "b.example")).toEqual({
        hosts: { "a.example": { username: "me", password: "from-env" } },
      });
    } finally {
      delete process.env.REGATTA_SRC_PASSWORD;
    }
    expect(() => copyCredentials({ destUsername: "me" }, "a", "b")).toThrow(/REGATTA_DEST_PASSWORD/);
    expect(() => copyCredentials({ srcPassword: "pw" }, "a", "b")).toThrow(
      /--src-password needs --src-username/,
    );
  });

  it("refuses two different sets for one registry", () => {
    expect(() =>
      copyCredentials(
        { srcUsername: "a", srcPassword: "1", destUsername: "b", destPassword: "2" },
        "same.example",
        "same.example",
      ),
    ).toThrow(/one set of credentials/);
  });
});
