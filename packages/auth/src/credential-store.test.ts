/**
 * storeCredential / eraseCredential (issue 12, `regatta login` / `logout`): what they write is what docker, podman and
 * Regatta's own readers read back; the rest of the file is kept; the file is replaced atomically with mode 0600; a
 * configured credential helper is used through its `store` and `erase` verbs (a real program on PATH).
 */
import { spawnSync } from "node:child_process";
import { link, lstat, readdir, readFile, realpath, stat, symlink, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { CredentialsError } from "@regatta/errors";
import { claimPathOf, lockPathOf } from "@regatta/errors/write-lock";
import { describe, expect, it } from "vitest";
import { spawnCredentialHelper } from "./credential-helper.js";
import {
  credentialStoreEntry,
  credentialStoreFile,
  eraseCredential,
  otherCredentialFiles,
  storeCredential,
} from "./credential-store.js";
import { dockerConfigCredentials } from "./docker-config-credentials.js";
import { podmanAuthFileCredentials } from "./podman-auth-file-credentials.js";
import { b64, tempDir, writeIn } from "./test-helpers.js";

const ALICE = { username: "alice", password: "pa:ss-word-1" };

async function readJson(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
}

/** A docker config directory (with no helper on PATH unless given) and the options that point at it. */
async function dockerSetup(config?: unknown) {
  const dir = await tempDir();
  const env: Record<string, string> = {
    DOCKER_CONFIG: join(dir, "docker"),
    HOME: dir,
    PATH: "/usr/bin:/bin",
  };
  const file = join(dir, "docker", "config.json");
  if (config !== undefined) await writeIn(dir, "docker/config.json", config);
  return { dir, env, file };
}

describe("storeCredential in docker's config.json", () => {
  it("keeps every login of several at once (each rewrite holds the file's lock), and a logout among them", async () => {
    const { dir, env, file } = await dockerSetup();
    const hosts = Array.from({ length: 8 }, (_, i) => `127.0.0.1:${5000 + i}`);
    await Promise.all(hosts.map((host) => storeCredential(host, ALICE, { env })));
    expect(Object.keys(((await readJson(file)) as { auths: object }).auths).sort()).toEqual(hosts.sort());
    await Promise.all([
      eraseCredential(hosts[0]!, { env }),
      storeCredential("127.0.0.1:6000", ALICE, { env }),
      eraseCredential(hosts[1]!, { env }),
    ]);
    const after = Object.keys(((await readJson(file)) as { auths: object }).auths).sort();
    expect(after).toEqual([...hosts.slice(2), "127.0.0.1:6000"].sort());
    // No lock left behind.
    expect((await readdir(join(dir, "docker"))).filter((name) => name.endsWith(".regatta-lock"))).toEqual([]);
  });

  it("writes auths[host].auth as base64 of user:password, which the docker config reader reads back", async () => {
    const { env, file } = await dockerSetup();
    const where = await storeCredential("127.0.0.1:5000", ALICE, { env });
    expect(where).toEqual({ file, format: "docker", key: "127.0.0.1:5000" });
    expect(await readJson(file)).toEqual({
      auths: { "127.0.0.1:5000": { auth: b64("alice:pa:ss-word-1") } },
    });
    expect(await dockerConfigCredentials({ env }).get("127.0.0.1:5000")).toEqual(ALICE);
    // Tab-indented, as docker's MarshalIndent writes it, and ending in a newline.
    expect(await readFile(file, "utf8")).toMatch(/^\{\n\t"auths": \{\n\t\t"127\.0\.0\.1:5000"/);
  });

  it("keeps every other key of the file and other registries' entries, and replaces the host's old ones", async () => {
    const { env, file } = await dockerSetup({
      auths: {
        "ghcr.io": { auth: b64("bob:other") },
        "https://r.example/": { auth: b64("old:stale") },
        "r.example": { username: "old", password: "stale", identitytoken: "tok" },
      },
      psFormat: "table {{.ID}}",
      proxies: { default: { httpProxy: "http://proxy:3128" } },
      HttpHeaders: { "X-Meta": "1" },
    });
    const where = await storeCredential("https://r.example/v2/", ALICE, { env });
    expect(where.key).toBe("r.example");
    expect(await readJson(file)).toEqual({
      auths: { "ghcr.io": { auth: b64("bob:other") }, "r.example": { auth: b64("alice:pa:ss-word-1") } },
      psFormat: "table {{.ID}}",
      proxies: { default: { httpProxy: "http://proxy:3128" } },
      HttpHeaders: { "X-Meta": "1" },
    });
  });

  it.each(["docker.io", "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/"])(
    "Docker Hub (%s) is stored under https://index.docker.io/v1/, and a stale docker.io key no longer shadows it",
    async (registry) => {
      const { env, file } = await dockerSetup({ auths: { "docker.io": { auth: b64("old:stale") } } });
      const where = await storeCredential(registry, ALICE, { env });
      expect(where.key).toBe("https://index.docker.io/v1/");
      expect(await readJson(file)).toEqual({
        auths: { "https://index.docker.io/v1/": { auth: b64("alice:pa:ss-word-1") } },
      });
      expect(await dockerConfigCredentials({ env }).get("docker.io")).toEqual(ALICE);
    },
  );

  it("creates the file 0600 (whatever the umask or the old file's mode) in a directory it creates 0700", async () => {
    const { env, file, dir } = await dockerSetup();
    const umask = process.umask(0o000);
    try {
      await storeCredential("r.example", ALICE, { env });
    } finally {
      process.umask(umask);
    }
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, "docker"))).mode & 0o777).toBe(0o700);

    const other = await dockerSetup({ auths: {} });
    const { chmod } = await import("node:fs/promises");
    await chmod(other.file, 0o644);
    await storeCredential("r.example", ALICE, { env: other.env });
    expect((await stat(other.file)).mode & 0o777).toBe(0o600);
  });

  it("replaces the file by a rename: the old inode keeps the old content, and no temporary file is left", async () => {
    const { env, file, dir } = await dockerSetup({ auths: { "ghcr.io": { auth: b64("bob:other") } } });
    const before = await readFile(file, "utf8");
    const old = join(dir, "old-inode.json");
    await link(file, old);
    await storeCredential("r.example", ALICE, { env });
    expect(await readFile(old, "utf8")).toBe(before);
    expect((await stat(file)).ino).not.toBe((await stat(old)).ino);
    expect((await readdir(join(dir, "docker"))).sort()).toEqual(["config.json"]);
  });

  it("follows a symbolic link and writes where it points, leaving the link a link", async () => {
    const { env, dir } = await dockerSetup();
    const real = await writeIn(dir, "dotfiles/docker.json", { credsStore: "" });
    await writeIn(dir, "docker/.keep", "");
    const linkPath = join(dir, "docker", "config.json");
    await symlink(real, linkPath);
    await storeCredential("r.example", ALICE, { env });
    expect((await lstat(linkPath)).isSymbolicLink()).toBe(true);
    expect(await readJson(real)).toEqual({
      credsStore: "",
      auths: { "r.example": { auth: b64("alice:pa:ss-word-1") } },
    });
  });

  it("a file that cannot be written is a CredentialsError naming it, with no secret and no temporary file", async () => {
    const dir = await tempDir();
    // DOCKER_CONFIG is a regular file, so its "directory" cannot be made.
    const blocker = await writeIn(dir, "blocker", "x");
    const env = { DOCKER_CONFIG: blocker, HOME: dir, PATH: "/usr/bin:/bin" };
    const error = await storeCredential("r.example", ALICE, { env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toContain(`cannot write ${join(blocker, "config.json")}`);
    expect(JSON.stringify(error) + String(error)).not.toContain(ALICE.password);
    expect(await readdir(dir)).toEqual(["blocker"]);
  });

  it("never overwrites a file it cannot parse: a CredentialsError naming it, the content left for a person to fix", async () => {
    const { env, dir, file } = await dockerSetup();
    await writeIn(dir, "docker/config.json", '{"auths": {"ghcr.io": {"auth": "c2VjcmV0"}}, oops');
    await expect(storeCredential("r.example", ALICE, { env })).rejects.toThrow(`${file} is not valid JSON`);
    await expect(eraseCredential("ghcr.io", { env })).rejects.toThrow(`${file} is not valid JSON`);
    expect(await readFile(file, "utf8")).toBe('{"auths": {"ghcr.io": {"auth": "c2VjcmV0"}}, oops');
  });

  it("refuses a username with a colon (readers split user:password at the first one) before touching the file", async () => {
    const { env, file } = await dockerSetup({ auths: {} });
    const before = await readFile(file, "utf8");
    await expect(
      storeCredential("r.example", { username: "a:b", password: "x" }, { env }),
    ).rejects.toBeInstanceOf(CredentialsError);
    await expect(
      storeCredential("r.example", { username: "", password: "x" }, { env }),
    ).rejects.toBeInstanceOf(CredentialsError);
    expect(await readFile(file, "utf8")).toBe(before);
  });
});

describe("eraseCredential in docker's config.json", () => {
  it("removes every key naming the host, keeps the rest, and says it removed something", async () => {
    const { env, file } = await dockerSetup({
      auths: {
        "r.example": { auth: b64("a:b") },
        "https://r.example/v1/": { auth: b64("a:b") },
        "ghcr.io": { auth: b64("bob:other") },
      },
      psFormat: "x",
    });
    expect(await eraseCredential("r.example", { env })).toEqual({
      file,
      format: "docker",
      key: "r.example",
      removed: true,
    });
    expect(await readJson(file)).toEqual({ auths: { "ghcr.io": { auth: b64("bob:other") } }, psFormat: "x" });
    expect(await dockerConfigCredentials({ env }).get("r.example")).toBeUndefined();
  });

  it("says when there was nothing to remove, and leaves the file as it was (or absent)", async () => {
    const { env, file } = await dockerSetup({ auths: { "ghcr.io": { auth: b64("bob:other") } } });
    const before = await stat(file);
    const text = await readFile(file, "utf8");
    const again = await eraseCredential("r.example", { env });
    expect(again).toMatchObject({ removed: false });
    // A helper that held nothing is not named as the place the credentials were removed from.
    expect(again).not.toHaveProperty("helper");
    expect(await readFile(file, "utf8")).toBe(text);
    expect((await stat(file)).ino).toBe(before.ino);

    const empty = await dockerSetup();
    expect(await eraseCredential("docker.io", { env: empty.env })).toMatchObject({
      removed: false,
      key: "https://index.docker.io/v1/",
    });
    await expect(stat(empty.file)).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("a containers auth.json (--authfile, REGISTRY_AUTH_FILE)", () => {
  it("is written in podman's shape (Docker Hub as docker.io) and read back by the auth.json reader", async () => {
    const dir = await tempDir();
    const authFile = await writeIn(dir, "auth.json", {
      auths: {
        "docker.io/team": { auth: b64("team:ns") },
        "https://index.docker.io/v1/": { auth: b64("x:y") },
      },
    });
    const env = { HOME: dir, PATH: "/usr/bin:/bin" };
    expect(await storeCredential("index.docker.io", ALICE, { env, authFile })).toEqual({
      file: authFile,
      format: "containers",
      key: "docker.io",
    });
    // The namespace key is a login of its own and stays; the legacy v1 key names the host and goes.
    expect(await readJson(authFile)).toEqual({
      auths: { "docker.io/team": { auth: b64("team:ns") }, "docker.io": { auth: b64("alice:pa:ss-word-1") } },
    });
    const reader = podmanAuthFileCredentials({ env, files: [authFile] });
    expect(await reader.get("docker.io", "library/alpine")).toEqual(ALICE);
    expect(await eraseCredential("docker.io", { env, authFile })).toMatchObject({ removed: true });
    expect(await readJson(authFile)).toEqual({ auths: { "docker.io/team": { auth: b64("team:ns") } } });
  });

  it("REGISTRY_AUTH_FILE names the file when --authfile does not; otherwise the docker config is meant", async () => {
    const dir = await tempDir();
    const authFile = join(dir, "containers", "auth.json");
    expect(credentialStoreFile({ env: { REGISTRY_AUTH_FILE: authFile, HOME: dir } })).toEqual({
      file: authFile,
      format: "containers",
    });
    expect(credentialStoreFile({ env: { REGISTRY_AUTH_FILE: authFile }, authFile: "/x/a.json" })).toEqual({
      file: "/x/a.json",
      format: "containers",
    });
    expect(credentialStoreFile({ env: { HOME: dir } })).toEqual({
      file: join(dir, ".docker", "config.json"),
      format: "docker",
    });
    await storeCredential("r.example", ALICE, { env: { REGISTRY_AUTH_FILE: authFile, HOME: dir } });
    expect(await readJson(authFile)).toEqual({ auths: { "r.example": { auth: b64("alice:pa:ss-word-1") } } });
  });
});

describe("a login for a namespace (host/team): kept under its key where the format has one, refused where not", () => {
  it("a containers auth.json keeps it under host/team, beside the host's login, and the lookup answers it for that namespace only", async () => {
    const dir = await tempDir();
    const authFile = await writeIn(dir, "auth.json", { auths: { "h:5000": { auth: b64("host:wide") } } });
    const env = { HOME: dir, PATH: "/usr/bin:/bin" };
    expect(await storeCredential("h:5000/team", ALICE, { env, authFile })).toEqual({
      file: authFile,
      format: "containers",
      key: "h:5000/team",
    });
    expect(await readJson(authFile)).toEqual({
      auths: { "h:5000": { auth: b64("host:wide") }, "h:5000/team": { auth: b64("alice:pa:ss-word-1") } },
    });
    const reader = podmanAuthFileCredentials({ env, files: [authFile] });
    expect(await reader.get("h:5000", "team/app")).toEqual(ALICE);
    expect(await reader.get("h:5000", "other/app")).toEqual({ username: "host", password: "wide" });
    // A logout of the namespace removes its entry only; the host's stays.
    expect(await eraseCredential("h:5000/team/", { env, authFile })).toMatchObject({
      key: "h:5000/team",
      removed: true,
    });
    expect(await readJson(authFile)).toEqual({ auths: { "h:5000": { auth: b64("host:wide") } } });
  });

  it("docker's config.json (keys per host) refuses it with a CredentialsError saying how, and leaves the file alone", async () => {
    const { env, file } = await dockerSetup({ auths: { "h:5000": { auth: b64("host:wide") } } });
    const before = await readFile(file, "utf8");
    for (const call of [
      () => storeCredential("h:5000/team", ALICE, { env }),
      () => eraseCredential("h:5000/team", { env }),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CredentialsError);
      expect((error as Error).message).toMatch(
        /cannot keep a login for the namespace h:5000\/team in .*config\.json: docker's config\.json keeps one login per host \(log in to h:5000 for the whole host, or .*--authfile FILE, or REGISTRY_AUTH_FILE/,
      );
    }
    expect(await readFile(file, "utf8")).toBe(before);
    // docker's own URL spellings of a host are not namespaces.
    expect(credentialStoreEntry("https://index.docker.io/v1/", { env })).toMatchObject({
      key: "https://index.docker.io/v1/",
    });
    expect(credentialStoreEntry("https://h:5000/v2/", { env })).toMatchObject({ key: "h:5000" });
  });

  it("refuses a path that is no repository namespace, and a namespace whose host has a credential helper", async () => {
    const { env, dir } = await helperSetup(undefined);
    const authFile = await writeIn(dir, "auth.json", { credHelpers: { "quay.io": "fake" } });
    expect(() => credentialStoreEntry("h:5000/Team", { env, authFile })).toThrow(
      /cannot log in to "h:5000\/Team": "Team" is not a repository namespace/,
    );
    // A logout says so: it was told "cannot log in to" (QA).
    const logout = await eraseCredential("h:5000/Team", { env, authFile }).catch((e: unknown) => e);
    expect((logout as Error).message).toMatch(
      /^cannot log out of "h:5000\/Team": "Team" is not a repository namespace/,
    );
    const error = await storeCredential("quay.io/org", ALICE, { env, authFile }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toMatch(
      /docker-credential-fake for quay\.io, which keeps one login per host/,
    );
    expect(await readJson(authFile)).toEqual({ credHelpers: { "quay.io": "fake" } });
  });
});

describe("a lock another process holds on the file", () => {
  for (const [what, owner] of [
    ["a process on another host", "4242 another-host"],
    ["a live process here (a reused pid)", `${process.pid} ${hostname()}`],
  ] as const) {
    it(`${what}: said once after a second, given up after lockTimeoutMs with the lock file and how to remove it`, async () => {
      const { env, file } = await dockerSetup({ auths: {} });
      const lockFile = lockPathOf(file);
      await writeFile(lockFile, `${owner}\n`);
      const told: unknown[] = [];
      const options = { env, lockTimeoutMs: 2500, onLockWait: (wait: unknown) => told.push(wait) };
      for (const call of [
        () => storeCredential("r.example", ALICE, options),
        () => eraseCredential("r.example", options),
      ]) {
        told.length = 0;
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CredentialsError);
        const holder = Number(owner.split(" ")[0]);
        expect(error).toMatchObject({ code: "CREDENTIALS_LOCKED" });
        expect((error as Error).message).toBe(
          `gave up after 2.5 s waiting for the lock ${lockFile}: process ${holder} holds it to update ${file} (if process ${holder} is not a regatta login or logout on this host, the lock is stale: remove it (rm ${lockFile}) and try again)`,
        );
        expect(told).toEqual([{ lockFile, holder }]);
      }
      expect(await readJson(file)).toEqual({ auths: {} });
      // Removed, as the message says: the login goes through.
      await unlink(lockFile);
      await storeCredential("r.example", ALICE, options);
      expect(Object.keys((await readJson(file)).auths as object)).toEqual(["r.example"]);
    });
  }

  it("the rm it suggests is one shell word, even when the lock's path has a space or a quote", async () => {
    const dir = await tempDir();
    const authFile = join(dir, "it's my dir", "auth.json");
    await writeIn(dir, "it's my dir/auth.json", { auths: {} });
    const lockFile = lockPathOf(await realpath(authFile));
    await writeFile(lockFile, `${process.pid} ${hostname()}\n`);
    const options = { env: { HOME: dir, PATH: "/usr/bin:/bin" }, authFile, lockTimeoutMs: 1000 };
    const error = await storeCredential("r.example", ALICE, options).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CREDENTIALS_LOCKED" });
    const rm = /\(rm (.*)\) and try again/.exec((error as Error).message)?.[1];
    expect(rm).toBe(`'${lockFile.replace(/'/g, "'\\''")}'`);
    await unlink(lockFile);
  });

  it("a dead holder's lock that another process is taking over: that wait is said and given up too, naming its claim", async () => {
    const { env, file } = await dockerSetup({ auths: {} });
    const lock = lockPathOf(await realpath(file));
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout;
    await writeFile(lock, `${dead} ${hostname()} dead\n`);
    const stats = await lstat(lock);
    const claim = claimPathOf(lock, { dev: stats.dev, ino: stats.ino, text: await readFile(lock, "utf8") });
    // A taker that stalled (this process: alive) holds every waiter up as a holder would.
    await writeFile(claim, `${process.pid} ${hostname()} stalled\n`);
    const told: unknown[] = [];
    const options = { env, lockTimeoutMs: 2500, onLockWait: (wait: unknown) => told.push(wait) };
    const error = await storeCredential("r.example", ALICE, options).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CREDENTIALS_LOCKED" });
    expect((error as Error).message).toContain(
      `waiting for the lock ${claim}: process ${process.pid} holds it to update ${file}`,
    );
    expect(told).toEqual([{ lockFile: claim, holder: process.pid }]);
    await unlink(claim);
    await storeCredential("r.example", ALICE, options);
    expect(Object.keys((await readJson(file)).auths as object)).toEqual(["r.example"]);
  });

  it("a lock released within a second is waited for silently", async () => {
    const { env, file } = await dockerSetup({ auths: {} });
    const lockFile = lockPathOf(file);
    await writeFile(lockFile, "4242 another-host\n");
    const told: unknown[] = [];
    const released = new Promise((done) => setTimeout(done, 200)).then(() => unlink(lockFile));
    await storeCredential("r.example", ALICE, { env, onLockWait: (wait) => told.push(wait) });
    await released;
    expect(told).toEqual([]);
  });
});

// A docker-credential-helpers program keeping one credential in a file: `store` saves the JSON it is given, `get`
// prints it back, `erase` removes it; each verb and its stdin are logged.
const HELPER = `#!/bin/sh
input=$(cat)
echo "$1 $input" >> "$HELPER_DIR/log"
case "$1" in
  store)
    case "$input" in *fail-me*) echo "cannot store $input" >&2; exit 3 ;; esac
    printf '%s' "$input" > "$HELPER_DIR/secret" ;;
  get)
    [ -f "$HELPER_DIR/secret" ] || { echo "credentials not found in native keychain"; exit 1; }
    cat "$HELPER_DIR/secret" ;;
  erase)
    [ -f "$HELPER_DIR/secret" ] || { echo "credentials not found in native keychain"; exit 1; }
    rm "$HELPER_DIR/secret" ;;
esac
`;

async function helperSetup(config: unknown) {
  const setup = await dockerSetup(config);
  await writeIn(setup.dir, "bin/docker-credential-fake", HELPER, 0o755);
  await writeIn(setup.dir, "bin/docker-credential-other", HELPER, 0o755);
  const env = { ...setup.env, PATH: `${join(setup.dir, "bin")}:/usr/bin:/bin`, HELPER_DIR: setup.dir };
  const log = async () => (await readFile(join(setup.dir, "log"), "utf8").catch(() => "")).trim().split("\n");
  return { ...setup, env, log };
}

describe("through a credential helper (credHelpers, credsStore)", () => {
  it("credsStore: the secret goes to the helper's store verb, the file keeps an empty entry as docker's does", async () => {
    const { env, file, log } = await helperSetup({
      credsStore: "fake",
      auths: { "docker.io": { auth: b64("o:s") } },
    });
    const where = await storeCredential("docker.io", ALICE, { env });
    expect(where).toEqual({ file, format: "docker", key: "https://index.docker.io/v1/", helper: "fake" });
    expect(await log()).toEqual([
      `store ${JSON.stringify({ ServerURL: "https://index.docker.io/v1/", Username: "alice", Secret: "pa:ss-word-1" })}`,
    ]);
    expect(await readJson(file)).toEqual({
      credsStore: "fake",
      auths: { "https://index.docker.io/v1/": {} },
    });
    expect(await readFile(file, "utf8")).not.toContain(b64("alice:pa:ss-word-1"));
    expect(
      await dockerConfigCredentials({ env, runHelper: spawnCredentialHelper({ env }) }).get("docker.io"),
    ).toEqual(ALICE);
  });

  it("credHelpers[host] wins over credsStore, and logout erases through it", async () => {
    const { env, file, log } = await helperSetup({
      credsStore: "other",
      credHelpers: { "r.example": "fake" },
    });
    expect((await storeCredential("r.example", ALICE, { env })).helper).toBe("fake");
    expect(await eraseCredential("r.example", { env })).toEqual({
      file,
      format: "docker",
      key: "r.example",
      helper: "fake",
      removed: true,
    });
    expect(await log()).toEqual([
      `store ${JSON.stringify({ ServerURL: "r.example", Username: "alice", Secret: "pa:ss-word-1" })}`,
      "erase r.example",
    ]);
    expect(await readJson(file)).toEqual({
      credsStore: "other",
      credHelpers: { "r.example": "fake" },
      auths: {},
    });
    // Once more: the helper says "credentials not found", and there is nothing left to remove.
    expect(await eraseCredential("r.example", { env })).toMatchObject({ removed: false });
  });

  it("a helper that fails to store is a CredentialsError without the secret, and the file is not changed", async () => {
    const { env, file } = await helperSetup({ credsStore: "fake" });
    const before = await readFile(file, "utf8");
    const secret = { username: "alice", password: "fail-me-secret" };
    const error = await storeCredential("r.example", secret, { env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toBe(
      'credential helper docker-credential-fake store failed for r.example (exit 3) (its output is not shown as it may hold secrets; run `docker-credential-fake store` and type {"ServerURL":"r.example","Username":"…","Secret":"…"} then Ctrl-D to see it)',
    );
    // Not even its words with the secret masked: the helper's own noise around it ("cannot store …") is not shown.
    expect(String(error)).not.toContain("cannot store");
    expect(JSON.stringify(error) + String(error) + String((error as CredentialsError).hint)).not.toContain(
      "fail-me-secret",
    );
    expect(await readFile(file, "utf8")).toBe(before);
  });

  it("a configured helper that is not installed is a CredentialsError naming it; nothing is written", async () => {
    const { env, file } = await dockerSetup({
      credsStore: "missing",
      auths: { "r.example": { auth: b64("o:s") } },
    });
    const before = await readFile(file, "utf8");
    const error = await storeCredential("r.example", ALICE, { env }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CREDENTIAL_HELPER_MISSING" });
    expect((error as Error).message).toContain("docker-credential-missing is not installed");
    await expect(eraseCredential("r.example", { env })).rejects.toMatchObject({
      code: "CREDENTIAL_HELPER_MISSING",
    });
    expect(await readFile(file, "utf8")).toBe(before);
  });

  it("a containers auth.json honours credHelpers[host] (as containers/image does) but not credsStore", async () => {
    const { env, dir, log } = await helperSetup(undefined);
    const authFile = await writeIn(dir, "auth.json", {
      credHelpers: { "quay.io": "fake" },
      credsStore: "other",
      auths: { "quay.io": { auth: b64("o:s") } },
    });
    expect(await storeCredential("quay.io", ALICE, { env, authFile })).toMatchObject({ helper: "fake" });
    // No entry at all: the auth.json reader asks auths before credHelpers.
    expect(await readJson(authFile)).toEqual({
      credHelpers: { "quay.io": "fake" },
      credsStore: "other",
      auths: {},
    });
    expect((await storeCredential("ghcr.io", ALICE, { env, authFile })).helper).toBeUndefined();
    expect(await log()).toHaveLength(1);
  });
});

describe("otherCredentialFiles: where else the lookup finds the host", () => {
  it("names the auth.json files and docker config holding an entry for the host, in lookup order, but the one given", async () => {
    const dir = await tempDir();
    const runtime = await writeIn(dir, "run/containers/auth.json", {
      auths: { "r.example/team": { auth: b64("a:b") } },
    });
    const config = await writeIn(dir, "cfg/containers/auth.json", {
      auths: { "ghcr.io": { auth: b64("a:b") } },
    });
    const docker = await writeIn(dir, "docker/config.json", { auths: { "https://r.example/v1/": {} } });
    const env = {
      HOME: dir,
      XDG_RUNTIME_DIR: join(dir, "run"),
      XDG_CONFIG_HOME: join(dir, "cfg"),
      DOCKER_CONFIG: join(dir, "docker"),
    };
    expect(await otherCredentialFiles("r.example", docker, { env })).toEqual([
      { file: runtime, format: "containers" },
    ]);
    expect(await otherCredentialFiles("r.example", runtime, { env })).toEqual([
      { file: docker, format: "docker" },
    ]);
    expect(await otherCredentialFiles("ghcr.io", docker, { env })).toEqual([
      { file: config, format: "containers" },
    ]);
    // A host whose name merely starts like another's is not it.
    expect(await otherCredentialFiles("r.example.org", "/none", { env })).toEqual([]);
    // An unreadable file names nothing here (the lookup reports it when it reads it).
    await writeIn(dir, "run/containers/auth.json", "{ not json");
    expect(await otherCredentialFiles("r.example", "/none", { env })).toEqual([
      { file: docker, format: "docker" },
    ]);
  });
});
