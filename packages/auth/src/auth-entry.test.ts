import { CredentialsError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { credentialFromAuthEntry } from "./auth-entry.js";

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const read = (entry: unknown) => credentialFromAuthEntry(entry, "/home/u/.docker/config.json", "r.io");

describe("credentialFromAuthEntry: one `auths` entry of a docker config or auth.json", () => {
  it.each<[string, unknown]>([
    ["null", null],
    ["an empty entry (the secret is in a credential store)", {}],
    ["empty strings", { username: "", password: "", auth: "", identitytoken: "", registrytoken: "" }],
    ["null fields", { username: null, auth: null }],
  ])("%s holds no credential", (_, entry) => {
    expect(read(entry)).toBeUndefined();
  });

  // Skipped before: the command went on anonymously with exit 0. docker refuses such a file.
  it.each<[string, unknown, string]>([
    [
      "a string",
      "alice:S3cretPw",
      'the "auths" entry for "r.io" in /home/u/.docker/config.json is not an object',
    ],
    ["a list", ["S3cretPw"], 'the "auths" entry for "r.io" in /home/u/.docker/config.json is not an object'],
    ["auth as a list", { auth: ["S3cretPw"] }, '"auth" of the "auths" entry for "r.io"'],
    [
      "a numeric password",
      { username: "alice", password: 12345678 },
      '"password" of the "auths" entry for "r.io"',
    ],
    [
      "an identity token object",
      { identitytoken: { t: "S3cretPw" } },
      '"identitytoken" of the "auths" entry',
    ],
    ["a registry token list", { registrytoken: ["S3cretPw"] }, '"registrytoken" of the "auths" entry'],
    ["a username number", { username: 7, password: "S3cretPw" }, '"username" of the "auths" entry'],
  ])("refuses %s, naming the key, field and file but not the value", (_, entry, says) => {
    let error: unknown;
    try {
      read(entry);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toContain(says);
    expect(JSON.stringify(error)).not.toMatch(/S3cretPw|12345678/);
  });

  it.each<[string, unknown, Record<string, string>]>([
    ["username and password", { username: "alice", password: "pw" }, { username: "alice", password: "pw" }],
    ["a username alone", { username: "alice" }, { username: "alice" }],
    ["a password alone", { password: "pw" }, { password: "pw" }],
    ["auth, split at the first colon", { auth: b64("alice:p:w") }, { username: "alice", password: "p:w" }],
    ["auth with an empty password", { auth: b64("alice:") }, { username: "alice", password: "" }],
    [
      "auth wins over username/password",
      { username: "bob", password: "x", auth: b64("alice:pw") },
      { username: "alice", password: "pw" },
    ],
    ["auth with spaces around it", { auth: ` ${b64("alice:pw")}\n` }, { username: "alice", password: "pw" }],
    [
      "auth in URL-safe base64",
      { auth: b64("alice:p?>").replace(/\+/g, "-").replace(/\//g, "_") },
      { username: "alice", password: "p?>" },
    ],
    [
      "an identity token",
      { username: "<token>", identitytoken: "idt" },
      { username: "<token>", identityToken: "idt" },
    ],
    ["a registry token", { registrytoken: "rt" }, { registryToken: "rt" }],
  ])("%s", (_, entry, expected) => {
    expect(read(entry)).toEqual(expected);
  });

  it.each([
    ["not base64", "not base64!"],
    ["no colon", b64("alice")],
    ["an empty username", b64(":pw")],
    ["padding in the middle", `${b64("a:b")}=x`],
  ])("refuses auth with %s, naming the key and file but not the value", (_, auth) => {
    let error: unknown;
    try {
      read({ auth });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toContain(
      'invalid "auth" value for "r.io" in /home/u/.docker/config.json',
    );
    expect((error as CredentialsError).hint).toBe(
      'it must be base64 of "username:password"; log in again to rewrite it',
    );
    expect(JSON.stringify(error)).not.toContain(auth);
  });
});
