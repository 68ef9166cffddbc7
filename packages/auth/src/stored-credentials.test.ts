import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { storedCredentials } from "./stored-credentials.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "regatta-stored-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
const base64 = (text: string) => Buffer.from(text).toString("base64");

describe("storedCredentials", () => {
  it("reads every auths entry of the auth.json files and docker's config.json, for every host", () => {
    const dir = scratch({
      "config.json": JSON.stringify({
        auths: {
          "a.example": { auth: base64("ann:pw-a:with-colon") },
          "https://index.docker.io/v1/": { identitytoken: "id-tok" },
          "c.example": {},
        },
        credsStore: "nosuchhelper",
      }),
      "auth.json": JSON.stringify({ auths: { "q.example/team/app": { username: "u", password: "pw-q" } } }),
    });
    const found = storedCredentials({
      env: { DOCKER_CONFIG: dir, REGISTRY_AUTH_FILE: join(dir, "auth.json"), HOME: dir },
    });
    expect(found).toEqual([
      { username: "u", password: "pw-q" },
      { username: "ann", password: "pw-a:with-colon" },
      { identityToken: "id-tok" },
    ]);
  });

  it("gives nothing for missing, malformed or odd files and entries, without throwing (the lookup reports them)", () => {
    const dir = scratch({
      "config.json": JSON.stringify({
        auths: { bad: { auth: "!!not base64!!" }, list: [1], good: { registrytoken: "rt" } },
      }),
      "auth.json": "{ not json",
    });
    expect(
      storedCredentials({
        env: { DOCKER_CONFIG: dir, REGISTRY_AUTH_FILE: join(dir, "auth.json"), HOME: dir },
      }),
    ).toEqual([{ registryToken: "rt" }]);
    expect(storedCredentials({ env: { DOCKER_CONFIG: join(dir, "none"), HOME: join(dir, "none") } })).toEqual(
      [],
    );
  });
});
