/**
 * `regatta login` / `logout` (issue 12) against the real registries of the test kit, Basic and token, through the
 * built CLI: a good login writes the docker config and the next command needs no -u/-p; a refused one exits 4 and
 * leaves the file as it was, the password printed nowhere; after logout the same command is refused again. Each test
 * has a HOME and DOCKER_CONFIG of its own.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { quotePath } from "@regatta/errors";
import { DEFAULT_USERS, generateImage, pushImage, type RegistryAuth, useRegistry } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { regatta } from "./test-cli.js";

const [[USERNAME, PASSWORD]] = Object.entries(DEFAULT_USERS) as [[string, string]];
const WRONG = "wrong-password-4711";
const b64 = (text: string) => Buffer.from(text).toString("base64");

/** A fresh home whose docker config is where the CLI will look, and the environment that says so. */
function home() {
  const dir = mkdtempSync(join(tmpdir(), "regatta-login-"));
  const config = join(dir, ".docker", "config.json");
  return { dir, config, env: { HOME: dir, DOCKER_CONFIG: join(dir, ".docker") } };
}

describe.each<RegistryAuth>(["basic", "token"])("regatta login against a %s registry", (auth) => {
  const registry = useRegistry(auth);
  // A token registry lets anyone pull; pushing a tag needs an account. A Basic one refuses everything anonymous.
  const needsAccount = (h: string) =>
    auth === "basic" ? ["tags", `${h}/team/app`] : ["tag", `${h}/team/app:1.0`, "1.1"];

  beforeAll(async () => {
    await pushImage(registry.url, "team/app", "1.0", await generateImage({ layers: [100] }), {
      username: USERNAME,
      password: PASSWORD,
    });
  }, 60_000);

  it("good credentials are saved (0600, base64 user:password) and the next command needs no -u/-p; logout undoes it", async () => {
    const { env, config } = home();
    const before = await regatta(needsAccount(registry.host), { env });
    expect(before.code).toBe(4);
    // On the token registry an anonymous token went, which is no credential: the hint says to log in all the same.
    expect(before.stderr).toContain(`no credentials were sent to ${registry.host}`);
    expect(before.stderr).toContain(`run "regatta login ${registry.host}"`);

    const login = await regatta(["login", registry.host, "-u", USERNAME, "--password-stdin"], {
      env,
      input: `${PASSWORD}\n`,
    });
    expect(login.stdout).toBe(`Login Succeeded: ${USERNAME} for ${registry.host}, saved in ${config}\n`);
    expect(login.stderr).toContain("WARNING! Your password will be stored unencrypted");
    expect(login.code).toBe(0);
    expect(JSON.parse(readFileSync(config, "utf8"))).toEqual({
      auths: { [registry.host]: { auth: b64(`${USERNAME}:${PASSWORD}`) } },
    });
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(login.stdout + login.stderr).not.toContain(PASSWORD);

    const after = await regatta(needsAccount(registry.host), { env });
    expect(after.stderr).toBe(
      auth === "basic" ? "" : `tagged ${registry.host}/team/app:1.0 as ${registry.host}/team/app:1.1\n`,
    );
    expect(after.code).toBe(0);

    // As docker login with nothing given: the saved credentials the registry still takes are the login, nothing
    // asked or written (no terminal here, which would otherwise be an error).
    const mtime = statSync(config).mtimeMs;
    const existing = await regatta(["login", registry.host], { env });
    expect([existing.code, existing.stdout, existing.stderr]).toEqual([
      0,
      `Login Succeeded: ${USERNAME} for ${registry.host}, with the saved credentials\n`,
      "",
    ]);
    expect(statSync(config).mtimeMs).toBe(mtime);

    const logout = await regatta(["logout", registry.host], { env });
    expect(logout.code).toBe(0);
    expect([logout.stdout, logout.stderr]).toEqual([
      `Removed the login credentials for ${registry.host} from ${config}\n`,
      "",
    ]);
    expect(JSON.parse(readFileSync(config, "utf8"))).toEqual({ auths: {} });
    const again = await regatta(needsAccount(registry.host), { env });
    expect(again.code).toBe(4);

    const twice = await regatta(["logout", registry.host, "--json"], { env });
    expect(twice.code).toBe(0);
    expect(JSON.parse(twice.stdout)).toEqual({
      registry: registry.host,
      file: config,
      format: "docker",
      key: registry.host,
      removed: false,
    });
  });

  it("a wrong password exits 4, leaves the file exactly as it was, and is printed nowhere (even with -v)", async () => {
    const { env, config, dir } = home();
    await mkdir(join(dir, ".docker"));
    const original = `${JSON.stringify({ auths: { "ghcr.io": { auth: b64("a:b") } }, psFormat: "x" }, null, 2)}\n`;
    writeFileSync(config, original, { mode: 0o644 });
    for (const extra of [[], ["-v"]]) {
      const refused = await regatta(["login", registry.host, "-u", USERNAME, "--password-stdin", ...extra], {
        env,
        input: WRONG,
      });
      expect(refused.code).toBe(4);
      expect(refused.stderr).toContain(`${registry.host} refused the credentials of ${USERNAME}`);
      const everything = refused.stdout + refused.stderr;
      expect(everything).not.toContain(WRONG);
      expect(everything).not.toContain(b64(`${USERNAME}:${WRONG}`));
      expect(readFileSync(config, "utf8")).toBe(original);
      expect(statSync(config).mode & 0o777).toBe(0o644);
    }
  });

  it("-p works with docker's warning; --json says where the credentials went; --authfile writes podman's file", async () => {
    const { env, config, dir } = home();
    const login = await regatta(["login", registry.host, "-u", USERNAME, "-p", PASSWORD, "--json"], { env });
    expect(login.code).toBe(0);
    expect(login.stderr).toBe("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
    expect(JSON.parse(login.stdout)).toEqual({
      registry: registry.host,
      username: USERNAME,
      file: config,
      format: "docker",
      key: registry.host,
    });

    const authFile = join(dir, "auth.json");
    const podman = await regatta(
      ["login", registry.host, "-u", USERNAME, "--password-stdin", "--authfile", authFile],
      {
        env,
        input: PASSWORD,
      },
    );
    expect(podman.code).toBe(0);
    // A containers auth.json has no credsStore: the warning says only what is true of it.
    expect(podman.stderr).toBe(`WARNING! Your password will be stored unencrypted in ${authFile}.\n`);
    const directory = await regatta(
      ["login", registry.host, "-u", USERNAME, "--password-stdin", "--authfile", dir],
      { env, input: PASSWORD },
    );
    expect([directory.code, directory.stderr]).toEqual([
      2,
      `regatta: --authfile ${dir}: is a directory; name a file (an auth.json)\n`,
    ]);
    expect(JSON.parse(readFileSync(authFile, "utf8"))).toEqual({
      auths: { [registry.host]: { auth: b64(`${USERNAME}:${PASSWORD}`) } },
    });
    // Read back through REGISTRY_AUTH_FILE, the variable the readers know, with no docker config at all.
    const onlyPodman = { ...home().env, REGISTRY_AUTH_FILE: authFile };
    expect((await regatta(needsAccount(registry.host), { env: onlyPodman })).code).toBe(0);
    // And through --authfile on any command, as skopeo's and podman's: the file login wrote, nothing else.
    const fresh = home().env;
    expect((await regatta(needsAccount(registry.host), { env: fresh })).code).toBe(4);
    expect(
      (await regatta([...needsAccount(registry.host), "--authfile", authFile], { env: fresh })).code,
    ).toBe(0);
    const out = await regatta(["logout", registry.host, "--authfile", authFile], { env });
    // The docker config still holds the -p login above, and logout says so.
    expect([out.stdout, out.stderr]).toEqual([
      `Removed the login credentials for ${registry.host} from ${authFile}\n`,
      `note: ${config} still holds credentials for ${registry.host} (regatta logout ${registry.host} removes them)\n`,
    ]);
    expect((await regatta(needsAccount(registry.host), { env: onlyPodman })).code).toBe(4);
  });
});

describe("regatta login: usage", () => {
  const registry = useRegistry("basic");

  it("warns when an auth.json read before the docker config would shadow the login, and logout names what remains", async () => {
    // A home with a space and a quote: the commands suggested are quoted as one shell word each (shellWord).
    const { dir: parent } = home();
    const dir = join(parent, "it's home");
    const env = { HOME: dir, DOCKER_CONFIG: join(dir, ".docker") };
    const stale = join(dir, ".config", "containers", "auth.json");
    const staleWord = `'${stale.replace(/'/g, "'\\''")}'`;
    await mkdir(join(dir, ".config", "containers"), { recursive: true });
    writeFileSync(
      stale,
      JSON.stringify({ auths: { [registry.host]: { auth: b64(`${USERNAME}:${WRONG}`) } } }),
    );
    const login = await regatta(["login", registry.host, "-u", USERNAME, "--password-stdin"], {
      env,
      input: PASSWORD,
    });
    expect(login.code).toBe(0);
    expect(login.stderr).toContain(
      `WARNING! ${quotePath(stale)} also holds credentials for ${registry.host} and is read first: those are the ones commands will use (remove them with: regatta logout ${registry.host} --authfile ${staleWord})`,
    );
    // As warned: the stale entry answers, and the registry refuses it.
    expect((await regatta(["tags", `${registry.host}/team/app`], { env })).code).toBe(4);

    const logout = await regatta(["logout", registry.host], { env });
    expect(logout.stderr).toContain(
      `note: ${quotePath(stale)} still holds credentials for ${registry.host} (regatta logout ${registry.host} --authfile ${staleWord} removes them)`,
    );
    const rest = await regatta(["logout", registry.host, "--authfile", stale], { env });
    expect(rest.stdout).toBe(`Removed the login credentials for ${registry.host} from ${quotePath(stale)}\n`);
  });

  it("without a password and without a terminal is a usage error (exit 2) that says how, and writes nothing", async () => {
    const { env, config } = home();
    const noPassword = await regatta(["login", registry.host, "-u", USERNAME], { env });
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toContain(`no password for ${registry.host}, and no terminal to ask on`);
    expect(noPassword.stderr).toContain("--password-stdin");
    const nothing = await regatta(["login", registry.host], { env });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain("no username and password");
    const stdinAlone = await regatta(["login", registry.host, "--password-stdin"], { env, input: PASSWORD });
    expect(stdinAlone.code).toBe(2);
    expect(stdinAlone.stderr).toContain("--password-stdin needs the username too (-u USER)");
    expect(existsSync(config)).toBe(false);
  });
});

describe("regatta login HOST/NAMESPACE, and a held lock", () => {
  const registry = useRegistry("basic");
  beforeAll(async () => {
    await pushImage(registry.url, "team/app", "1.0", await generateImage({ layers: [10] }), {
      username: USERNAME,
      password: PASSWORD,
    });
  }, 60_000);

  it("keeps a namespace's login under host/namespace in an auth.json; refuses it for docker's config before asking", async () => {
    const { env, dir, config } = home();
    const authFile = join(dir, "auth.json");
    const ns = `${registry.host}/team`;
    const login = await regatta(["login", ns, "-u", USERNAME, "--password-stdin", "--authfile", authFile], {
      env,
      input: PASSWORD,
    });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toBe(`Login Succeeded: ${USERNAME} for ${ns}, saved in ${authFile}\n`);
    expect(JSON.parse(readFileSync(authFile, "utf8"))).toEqual({
      auths: { [ns]: { auth: b64(`${USERNAME}:${PASSWORD}`) } },
    });
    // The lookup answers it for team/app.
    expect((await regatta(["tags", `${registry.host}/team/app`, "--authfile", authFile], { env })).code).toBe(
      0,
    );
    const out = await regatta(["logout", ns, "--authfile", authFile], { env });
    expect(out.stdout).toBe(`Removed the login credentials for ${ns} from ${authFile}\n`);

    // docker's config.json has keys per host: refused (no password asked, nothing written), with the way around it.
    const docker = await regatta(["login", ns, "-u", USERNAME], { env });
    expect(docker.code).toBe(2);
    expect(docker.stderr).toBe(
      `regatta: cannot keep a login for the namespace ${ns} in ${config}: docker's config.json keeps one login per host (log in to ${registry.host} for the whole host, or keep the namespace's login in a containers auth.json (--authfile FILE, or REGISTRY_AUTH_FILE), whose keys may name a namespace)\n`,
    );
    expect(existsSync(config)).toBe(false);
  });

  it("login and logout refuse a FIFO planted at the lock's name in one line (it hung them for ever), and leave it", async () => {
    const { env, dir, config } = home();
    await mkdir(join(dir, ".docker"));
    writeFileSync(config, JSON.stringify({ auths: {} }));
    const lock = join(dir, ".docker", ".config.json.regatta-lock");
    execFileSync("mkfifo", [lock]);
    for (const args of [
      ["login", registry.host, "-u", USERNAME, "--password-stdin"],
      ["logout", registry.host],
    ]) {
      const result = await regatta(args, { env, input: PASSWORD, killAfter: 60_000 });
      expect(result.code, result.stderr).toBe(1);
      const lines = result.stderr.split("\n").filter((l) => l && !l.startsWith("WARNING! Your password"));
      expect(lines).toEqual([`regatta: ${lock} is not a regatta lock (a FIFO); remove it and try again`]);
    }
    expect(statSync(lock).isFIFO()).toBe(true);
    expect(JSON.parse(readFileSync(config, "utf8"))).toEqual({ auths: {} });
  });

  it("login and logout say what they wait for, then give up after --timeout naming the lock file", async () => {
    const { env, dir, config } = home();
    await mkdir(join(dir, ".docker"));
    writeFileSync(config, JSON.stringify({ auths: {} }));
    const lock = join(dir, ".docker", ".config.json.regatta-lock");
    writeFileSync(lock, "4242 another-host\n");
    for (const args of [
      ["login", registry.host, "-u", USERNAME, "--password-stdin"],
      ["logout", registry.host],
    ]) {
      const result = await regatta([...args, "--timeout", "3"], { env, input: PASSWORD, killAfter: 60_000 });
      expect(result.code, result.stderr).toBe(1);
      const lines = result.stderr.split("\n").filter((l) => !l.startsWith("WARNING! Your password"));
      expect(lines).toContain(
        `waiting for the lock ${lock}, held by process 4242 (another regatta login or logout?)`,
      );
      expect(result.stderr).toContain(
        `regatta: gave up after 3 s waiting for the lock ${lock}: process 4242 holds it to update ${config}`,
      );
      expect(result.stderr).toContain(`the lock is stale: remove it (rm ${lock}) and try again`);
    }
    expect(JSON.parse(readFileSync(config, "utf8"))).toEqual({ auths: {} });
  });
});

/** Whether util-linux `script` is here to give the CLI a terminal. */
function hasScript(): boolean {
  try {
    execFileSync("script", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `regatta ARGS` on a pseudo-terminal (util-linux `script`), typing each answer once its prompt has appeared, and
 * answers everything the terminal showed.
 */
function onTerminal(
  args: string[],
  env: Record<string, string>,
  answers: [string, string][],
): Promise<string> {
  const bin = fileURLToPath(new URL("../dist/bin.cjs", import.meta.url));
  const command = [process.execPath, bin, ...args].map((a) => `'${a}'`).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      env: { PATH: process.env.PATH ?? "", ...env },
    });
    let screen = "";
    const pending = [...answers];
    child.stdout.on("data", (d: Buffer) => {
      screen += d.toString("utf8");
      const next = pending[0];
      if (next && screen.endsWith(next[0])) {
        pending.shift();
        child.stdin.write(`${next[1]}\r`);
      }
    });
    child.on("error", reject);
    child.on("close", () => resolve(screen));
  });
}

describe.skipIf(!hasScript())("regatta login on a terminal", () => {
  const registry = useRegistry("basic");

  it("asks for the username, then the password without echoing it, and saves them", async () => {
    const { env, config } = home();
    const screen = await onTerminal(["login", registry.host], env, [
      ["Username: ", USERNAME],
      ["Password: ", PASSWORD],
    ]);
    expect(screen).toContain(`Username: ${USERNAME}`);
    expect(screen).toContain("Login Succeeded");
    expect(screen).not.toContain(PASSWORD);
    expect(JSON.parse(readFileSync(config, "utf8"))).toEqual({
      auths: { [registry.host]: { auth: b64(`${USERNAME}:${PASSWORD}`) } },
    });
  });
});
