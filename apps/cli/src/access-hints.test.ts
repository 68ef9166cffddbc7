/**
 * Issue 10, item 16: the hint of a refused request fits what was sent, the operation and the side of a copy. The
 * CLI runs as a process against hostile registries that refuse (echo-secrets) or serve an image (escapes).
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HostileRegistry, startHostileRegistry } from "@regatta/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const started: HostileRegistry[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((r) => r.close()));
});

async function refusing(status?: number): Promise<HostileRegistry> {
  const registry = await startHostileRegistry({
    behaviour: "echo-secrets",
    scheme: "basic",
    ...(status ? { status } : {}),
  });
  started.push(registry);
  return registry;
}

const CREDS = ["-u", "alice", "-p", "pw-Sekr1t/4242"];

describe("hints that fit", () => {
  it("an anonymous pull says no credentials were sent, and names -u/-p", async () => {
    const r = await refusing();
    const { code, stderr } = await regatta(["tags", `${r.host}/team/app`]);
    expect(code).toBe(4);
    expect(stderr).toContain(`no credentials were sent to ${r.host}: to pull from team/app, pass -u/-p`);
    expect(stderr).not.toMatch(/these credentials/);
  });

  it("an anonymous catalog says the catalog needs an account", async () => {
    const r = await refusing();
    const { stderr } = await regatta(["catalog", r.host]);
    expect(stderr).toContain(`no credentials were sent to ${r.host}, whose catalog needs an account`);
  });

  it("a refused pull with -u names the flags and the user", async () => {
    const r = await refusing();
    const { stderr } = await regatta(["tags", `${r.host}/team/app`, ...CREDS]);
    expect(stderr).toContain("the credentials of alice given with -u/-p may not pull from team/app");
  });

  it("a refused push says push", async () => {
    const r = await refusing();
    const dir = mkdtempSync(join(tmpdir(), "regatta-hint-"));
    writeFileSync(join(dir, "blob"), "hello");
    const { stderr } = await regatta(["put-blob", `${r.host}/team/app`, join(dir, "blob"), ...CREDS]);
    expect(stderr).toContain("may not push to team/app");
  });

  it("a refused catalog with credentials says administrators", async () => {
    const r = await refusing();
    const { stderr } = await regatta(["catalog", r.host, ...CREDS]);
    expect(stderr).toContain("may not list the catalog");
    expect(stderr).toContain("administrators");
  });

  it("credentials rejected outright (401) are to be checked", async () => {
    const r = await refusing(401);
    const { stderr } = await regatta(["tags", `${r.host}/team/app`, ...CREDS]);
    expect(stderr).toContain(`${r.host} refused the credentials of alice given with -u/-p: check them`);
  });

  it("a password from REGATTA_PASSWORD is named as such, not as -p", async () => {
    const r = await refusing(401);
    const { stderr } = await regatta(["tags", `${r.host}/team/app`, "-u", "alice"], {
      env: { REGATTA_PASSWORD: "Env-Secret-9" },
    });
    expect(stderr).toContain(
      `${r.host} refused the credentials of alice given with -u and REGATTA_PASSWORD: check them`,
    );
    expect(stderr).not.toContain("Env-Secret-9");
  });

  it("credentials from a credential helper are named as such, with the flag that overrides them", async () => {
    const r = await refusing();
    const home = mkdtempSync(join(tmpdir(), "regatta-hint-home-"));
    mkdirSync(join(home, ".docker"));
    mkdirSync(join(home, "bin"));
    writeFileSync(
      join(home, ".docker", "config.json"),
      JSON.stringify({ credHelpers: { [r.host]: "hint" } }),
    );
    const helper = join(home, "bin", "docker-credential-hint");
    writeFileSync(
      helper,
      `#!/bin/sh\ncat >/dev/null\nprintf '{"Username":"bob","Secret":"s3cret-Helper-1"}'\n`,
    );
    chmodSync(helper, 0o755);
    const { stderr } = await regatta(["tags", `${r.host}/team/app`], {
      env: {
        HOME: home,
        DOCKER_CONFIG: join(home, ".docker"),
        PATH: `${join(home, "bin")}:${process.env.PATH ?? ""}`,
      },
    });
    expect(stderr).toContain(
      `the stored credentials of bob for ${r.host} (regatta auth explain says where from)`,
    );
    expect(stderr).toContain("-u/-p gives others");
  });

  it("a copy whose source needs credentials names --src-username, not regatta login for -u", async () => {
    const source = await refusing();
    const target = await startHostileRegistry({ behaviour: "escapes" });
    started.push(target);
    const { code, stderr } = await regatta([
      "copy",
      `${source.host}/team/app:1`,
      `${target.host}/mirror/app:1`,
      ...CREDS,
    ]);
    expect(code).toBe(4);
    expect(stderr).toContain(`no credentials were sent to ${source.host}`);
    expect(stderr).toContain("--src-username/--src-password");
  });

  it("a copy whose target refuses -u names the target's flags", async () => {
    const source = await startHostileRegistry({ behaviour: "escapes" });
    started.push(source);
    const target = await refusing();
    const { code, stderr } = await regatta([
      "copy",
      `${source.host}/team/app:1`,
      `${target.host}/mirror/app:1`,
      ...CREDS,
    ]);
    expect(code).toBe(4);
    expect(stderr).toContain("given with --dest-username/--dest-password or -u/-p may not");
  });
});
