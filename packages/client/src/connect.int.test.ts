/**
 * `connect()` checks the credentials it is given at once, against the real registry (distribution 2.8.2) in its
 * three auth modes: a wrong password rejects with a typed AuthenticationError before any call (issue 10, item 15),
 * the right one connects, and no credentials or an open registry never trip the check.
 */
import { DEFAULT_USERS, type RegistryAuth, useRegistry } from "@regatta/testkit";
import { describe, expect, it } from "vitest";
import { AuthenticationError, checkCredentials, connect, createClient } from "./index.js";

const [[USERNAME, PASSWORD]] = Object.entries(DEFAULT_USERS) as [[string, string]];
const WRONG = "wrong-password-4711";

describe.each<RegistryAuth>(["basic", "token"])("connect() to a %s registry", (auth) => {
  const registry = useRegistry(auth);

  it("rejects a wrong password at once with an AuthenticationError that names the registry, not the secret", async () => {
    const log: string[] = [];
    const error = await connect(registry.url, {
      username: USERNAME,
      password: WRONG,
      logger: (line) => log.push(line),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    const e = error as AuthenticationError;
    expect(e.status).toBe(401);
    expect(e.code).toBe("UNAUTHORIZED");
    expect(e.message).toContain(`${registry.host} refused the credentials of ${USERNAME}`);
    expect(e.message).toContain("check the username and password");
    expect(e.request?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    const everything = `${e.message} ${JSON.stringify(e)} ${String(e.cause)} ${log.join("\n")}`;
    expect(everything).not.toContain(WRONG);
    expect(everything).not.toContain(Buffer.from(`${USERNAME}:${WRONG}`).toString("base64"));
  });

  it("rejects a bearer token the registry refuses, without printing it", async () => {
    const token = "not-a-token-but-a-secret-4711";
    const error = await connect(registry.url, { registryToken: token }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).message).toContain(`${registry.host} refused the credentials`);
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain(token);
  });

  it("connects with the right password, and whoami names the user", async () => {
    const reg = await connect(registry.url, { username: USERNAME, password: PASSWORD });
    try {
      expect(reg.whoami().username).toBe(USERNAME);
    } finally {
      await reg.close();
    }
  });

  it("connects without credentials (they are asked for on the first call that needs them)", async () => {
    const reg = await connect(registry.url, { anonymous: true });
    await reg.close();
    expect(reg.whoami().username).toBeUndefined();
  });

  it("checkCredentials() tells a client built without contact whether its credentials are good", async () => {
    const bad = createClient(registry.url, { username: USERNAME, password: WRONG });
    const good = createClient(registry.url, { username: USERNAME, password: PASSWORD });
    try {
      await expect(checkCredentials(bad)).rejects.toBeInstanceOf(AuthenticationError);
      await expect(checkCredentials(good)).resolves.toMatchObject({ username: USERNAME });
    } finally {
      await Promise.all([bad.close(), good.close()]);
    }
  });
});

describe("connect() to an open registry", () => {
  const registry = useRegistry("none");

  it("accepts credentials it never asks for (nothing to check, nothing sent)", async () => {
    const log: string[] = [];
    const reg = await connect(registry.url, {
      username: USERNAME,
      password: WRONG,
      logger: (line) => log.push(line),
    });
    await reg.close();
    expect(log.filter((l) => /^\[#\d+\] > GET /.test(l)).length).toBeGreaterThan(0);
    expect(log.join("\n")).not.toMatch(/< 401/);
  });
});
