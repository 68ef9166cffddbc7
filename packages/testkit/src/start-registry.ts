import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killChild, onExitCleanup } from "./exit-cleanup.js";
import { getFreePort } from "./free-port.js";
import { DEFAULT_USERS } from "./token-endpoint.js";
import { startTokenServer, type TokenServer } from "./token-server.js";

/** How the registry authenticates clients. */
export type RegistryAuth = "none" | "basic" | "token";

/** Options of {@link startRegistry}. */
export interface StartRegistryOptions {
  /** Default `none`. */
  auth?: RegistryAuth;
  /** `storage.delete.enabled`. Default true (distribution's own default is false: DELETE answers 405 UNSUPPORTED). */
  deleteEnabled?: boolean;
  /** htpasswd users for `basic`, token-server users for `token`. Default {@link DEFAULT_USERS}. */
  users?: Record<string, string>;
  /**
   * Token server for `token`. When omitted one is started with `users` and stopped with the registry; when given,
   * the caller owns it.
   */
  tokenServer?: TokenServer;
  /** distribution's `log.level`; access logs are on only at `info` and `debug`. Default `error`. */
  logLevel?: "error" | "warn" | "info" | "debug";
  /** Registry binary. Default `$REGATTA_REGISTRY_BIN`, else `docker-registry` on PATH. */
  binary?: string;
  /** How long to wait for `GET /v2/` to answer. Default 20 000 ms. */
  startTimeoutMs?: number;
  /**
   * `compatibility.schema1`: accept pushes of signed schema 1 manifests (distribution 2.8 refuses them without it).
   * `signingKey` is a libtrust JWK (`key.json`) written as `signingkeyfile`, the key the registry signs schema 1
   * manifests with when it serves them; without it the registry generates one at start.
   */
  schema1?: boolean | { signingKey?: string };
}

/** A running CNCF distribution registry (see {@link startRegistry}). */
export interface RunningRegistry {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, the registry part of an image reference. */
  host: string;
  port: number;
  /** Temp dir holding the config, htpasswd file, token CA and storage; removed by `stop()`. */
  dataDir: string;
  configPath: string;
  auth: RegistryAuth;
  users: Record<string, string>;
  tokenServer?: TokenServer;
  /** Last 64 KiB of the registry's stdout and stderr. */
  logs(): string;
  /** Stops the registry (SIGTERM, SIGKILL after 5 s), an owned token server, and removes `dataDir`. Idempotent. */
  stop(): Promise<void>;
}

const MAX_LOG = 64 * 1024;
const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => existsSync(p));

/**
 * Starts Debian's `docker-registry` (CNCF distribution 2.8.2) on a free loopback port with a fresh temp dir,
 * and resolves once `GET /v2/` answers 200 or 401. Rejects with the registry's output if it exits first.
 *
 * The child is killed when this process exits (and, through `setpriv --pdeathsig`, when it dies), but tests
 * should still call `stop()` (see {@link useRegistry}).
 *
 * @example
 * const registry = await startRegistry({ auth: "token" });
 * try { await pushImage(registry.url, "demo/app", "v1", await generateImage({ layers: 2 }), { username: "regatta", password: "regatta-secret" }); }
 * finally { await registry.stop(); }
 */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<RunningRegistry> {
  const auth = options.auth ?? "none";
  const users = { ...(options.users ?? options.tokenServer?.users ?? DEFAULT_USERS) };
  const dataDir = await mkdtemp(join(tmpdir(), "regatta-registry-"));
  const unregisterDir = onExitCleanup(() => rmSync(dataDir, { recursive: true, force: true }));
  let ownedTokenServer: TokenServer | undefined;
  try {
    await mkdir(join(dataDir, "storage"));
    let authYaml = "";
    let tokenServer = options.tokenServer;
    if (auth === "basic") {
      const path = join(dataDir, "htpasswd");
      await writeFile(path, await htpasswd(users));
      authYaml = `auth:\n  htpasswd:\n    realm: ${q("Registry Realm")}\n    path: ${q(path)}\n`;
    } else if (auth === "token") {
      if (!tokenServer) tokenServer = ownedTokenServer = await startTokenServer({ users });
      const bundle = join(dataDir, "token-ca.pem");
      await writeFile(bundle, tokenServer.certificatePem);
      authYaml =
        `auth:\n  token:\n    realm: ${q(tokenServer.realm)}\n    service: ${q(tokenServer.service)}\n` +
        `    issuer: ${q(tokenServer.issuer)}\n    rootcertbundle: ${q(bundle)}\n`;
    }
    let schema1Yaml = "";
    if (options.schema1) {
      schema1Yaml = "compatibility:\n  schema1:\n    enabled: true\n";
      const signingKey = typeof options.schema1 === "object" ? options.schema1.signingKey : undefined;
      if (signingKey !== undefined) {
        const keyPath = join(dataDir, "schema1-key.json");
        await writeFile(keyPath, signingKey, { mode: 0o600 });
        schema1Yaml += `    signingkeyfile: ${q(keyPath)}\n`;
      }
    }
    const logLevel = options.logLevel ?? "error";
    const configPath = join(dataDir, "config.yml");
    const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);

    for (let attempt = 1; ; attempt++) {
      const port = await getFreePort();
      await writeFile(
        configPath,
        [
          "version: 0.1",
          "log:",
          `  level: ${logLevel}`,
          "  accesslog:",
          `    disabled: ${logLevel !== "info" && logLevel !== "debug"}`,
          "storage:",
          "  filesystem:",
          `    rootdirectory: ${q(join(dataDir, "storage"))}`,
          "  delete:",
          `    enabled: ${options.deleteEnabled ?? true}`,
          "  maintenance:",
          "    uploadpurging:",
          "      enabled: false",
          "http:",
          `  addr: ${q(`127.0.0.1:${port}`)}`,
          // A fixed secret silences the "No HTTP secret provided" warning.
          `  secret: ${q(randomBytes(16).toString("hex"))}`,
          authYaml,
          schema1Yaml,
        ].join("\n"),
      );
      const started = await launch(options.binary ?? process.env.REGATTA_REGISTRY_BIN ?? "docker-registry", {
        configPath,
        url: `http://127.0.0.1:${port}`,
        deadline,
      });
      if ("retry" in started) {
        if (attempt < 5) continue;
        throw new Error(
          `docker-registry could not bind a port after ${attempt} attempts:\n${started.output}`,
        );
      }
      const { child, logs } = started;
      const unregisterChild = onExitCleanup(() => child.kill("SIGKILL"));
      let stopping: Promise<void> | undefined;
      return {
        url: `http://127.0.0.1:${port}`,
        host: `127.0.0.1:${port}`,
        port,
        dataDir,
        configPath,
        auth,
        users,
        ...(tokenServer ? { tokenServer } : {}),
        logs,
        stop: () => {
          stopping ??= (async () => {
            await killChild(child);
            unregisterChild();
            await ownedTokenServer?.close();
            await rm(dataDir, { recursive: true, force: true });
            unregisterDir();
          })();
          return stopping;
        },
      };
    }
  } catch (error) {
    await ownedTokenServer?.close();
    await rm(dataDir, { recursive: true, force: true });
    unregisterDir();
    throw error;
  }
}

type Launched = { child: ChildProcess; logs: () => string } | { retry: true; output: string };

async function launch(
  binary: string,
  o: { configPath: string; url: string; deadline: number },
): Promise<Launched> {
  const argv = [binary, "serve", o.configPath];
  const child = SETPRIV
    ? spawn(SETPRIV, ["--pdeathsig", "SIGKILL", "--", ...argv], { stdio: ["ignore", "pipe", "pipe"] })
    : spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-MAX_LOG);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  let exited = false;
  let spawnError: Error | undefined;
  child.once("exit", () => {
    exited = true;
  });
  child.once("error", (error) => {
    spawnError = error;
    exited = true;
  });

  while (!exited) {
    if (Date.now() > o.deadline) {
      await killChild(child);
      throw new Error(`docker-registry did not answer ${o.url}/v2/ in time:\n${output}`);
    }
    try {
      const res = await fetch(`${o.url}/v2/`, { signal: AbortSignal.timeout(1_000) });
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) return { child, logs: () => output };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  // Let the last output arrive before reporting it.
  await new Promise((r) => setTimeout(r, 20));
  if (spawnError) throw new Error(`could not start ${binary}: ${spawnError.message}`);
  if (/address already in use/i.test(output)) return { retry: true, output };
  throw new Error(`docker-registry exited (code ${child.exitCode}) before answering:\n${output}`);
}

/** htpasswd lines with bcrypt hashes, made by Apache's `htpasswd -B` (distribution accepts only bcrypt). */
async function htpasswd(users: Record<string, string>): Promise<string> {
  const lines: string[] = [];
  for (const [user, password] of Object.entries(users)) {
    lines.push(
      await new Promise<string>((resolve, reject) => {
        // -i reads the password from stdin, keeping it out of the process list.
        const child = spawn("htpasswd", ["-Bni", user], { stdio: ["pipe", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
        });
        child.stderr.on("data", (c: Buffer) => {
          err += c.toString();
        });
        child.once("error", (e) =>
          reject(new Error(`htpasswd (apache2-utils) is needed for basic auth: ${e.message}`)),
        );
        child.once("close", (code) =>
          code === 0 ? resolve(out.trim()) : reject(new Error(`htpasswd failed (${code}): ${err}`)),
        );
        child.stdin.end(`${password}\n`);
      }),
    );
  }
  return `${lines.join("\n")}\n`;
}

/** A YAML double-quoted scalar (JSON strings are valid YAML). */
function q(value: string): string {
  return JSON.stringify(value);
}
