import { describe, expect, it } from "vitest";
import { copyCredentials } from "./copy.js";

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
