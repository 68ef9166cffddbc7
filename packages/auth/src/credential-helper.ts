import { spawn } from "node:child_process";
import { CredentialsError } from "@regatta/errors";
import { helperServerUrl } from "./registry-host.js";
import type { Credential } from "./types.js";

/** What a credential helper process printed and how it exited. */
export interface HelperResult {
  /** Exit code; non-zero is a failure. */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `docker-credential-<name> <action>` with `input` on stdin. Injected so tests and embedders can replace the
 * process spawn; must throw (or reject) with `code: "ENOENT"` when the program is not on PATH.
 */
export type HelperRunner = (name: string, action: "get", input: string) => Promise<HelperResult>;

/** Options of {@link spawnCredentialHelper}. */
export interface SpawnHelperOptions {
  /** Environment of the helper process; its `PATH` is where the program is looked up. */
  env?: Record<string, string | undefined>;
  /** Kill the helper after this long (default 60 s: helpers such as `desktop` may wait on a keychain prompt). */
  timeoutMs?: number;
}

/** The `Username` credential helpers report when `Secret` is an identity (refresh) token, not a password. */
export const IDENTITY_TOKEN_USERNAME = "<token>";

// docker-credential-helpers' errCredentialsNotFoundMessage is "credentials not found in native keychain";
// other helpers (ecr-login, gcloud, pass) print variants of it.
const NOT_FOUND = /credentials not found/i;

// A helper name becomes part of a program name; refuse anything that could turn it into a path.
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * A {@link HelperRunner} that spawns the real program (no shell), passing `input` on stdin as docker does
 * (https://github.com/docker/docker-credential-helpers/blob/master/client/client.go).
 */
export function spawnCredentialHelper(options: SpawnHelperOptions = {}): HelperRunner {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return (name, action, input) =>
    new Promise<HelperResult>((resolve, reject) => {
      const env = Object.fromEntries(
        Object.entries(options.env ?? process.env).filter((e): e is [string, string] => e[1] !== undefined),
      );
      const child = spawn(`docker-credential-${name}`, [action], {
        env,
        stdio: ["pipe", "pipe", "pipe"],
        timeout: timeoutMs,
        windowsHide: true,
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
      });
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
      });
      child.on("error", reject);
      // A helper that exits before reading stdin makes the write fail with EPIPE; its exit code tells the story.
      child.stdin.on("error", () => {});
      child.on("close", (code, signal) => {
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
      });
      child.stdin.end(input);
    });
}

/**
 * Asks credential helper `name` for `registry`'s credential with the `get` verb: the server URL goes to stdin and
 * `{"ServerURL","Username","Secret"}` comes back on stdout
 * (https://github.com/docker/docker-credential-helpers#development). A `Username` of `<token>` means `Secret` is an
 * identity token. "credentials not found" answers undefined; a missing program or any other failure throws a
 * {@link CredentialsError} that names the helper and never includes what the helper printed on stdout.
 */
export async function credentialFromHelper(
  name: string,
  registry: string,
  run: HelperRunner,
): Promise<Credential | undefined> {
  const program = `docker-credential-${name}`;
  if (!HELPER_NAME.test(name)) {
    throw new CredentialsError(`invalid credential helper name "${name}"`, {
      hint: 'credsStore/credHelpers values name a program "docker-credential-<name>" on PATH',
    });
  }
  const serverUrl = helperServerUrl(registry);
  let result: HelperResult;
  try {
    result = await run(name, "get", serverUrl);
  } catch (cause) {
    if ((cause as { code?: unknown })?.code === "ENOENT") {
      throw new CredentialsError(`credential helper ${program} is not installed or not on PATH`, {
        hint: `install it, or remove "${name}" from credsStore/credHelpers in the docker config`,
        cause,
      });
    }
    throw new CredentialsError(`credential helper ${program} could not be run`, { cause });
  }
  if (result.code !== 0) {
    if (NOT_FOUND.test(result.stdout) || NOT_FOUND.test(result.stderr)) return undefined;
    // Only stderr is quoted: stdout is where a secret would be.
    const detail = firstLine(result.stderr);
    throw new CredentialsError(
      `credential helper ${program} failed for ${serverUrl} (exit ${result.code}${detail ? `: ${detail}` : ""})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(result.stdout);
  } catch {
    throw new CredentialsError(
      `credential helper ${program} printed something that is not JSON for ${serverUrl}`,
    );
  }
  if (!json || typeof json !== "object") {
    throw new CredentialsError(
      `credential helper ${program} printed something that is not JSON for ${serverUrl}`,
    );
  }
  const { Username: username, Secret: secret } = json as { Username?: unknown; Secret?: unknown };
  if (typeof secret !== "string" || !secret) return undefined;
  if (username === IDENTITY_TOKEN_USERNAME) return { identityToken: secret };
  // As docker's native store: any other username goes with the secret as a password.
  return typeof username === "string" && username ? { username, password: secret } : { password: secret };
}

function firstLine(text: string): string {
  const line = text.trim().split(/\r?\n/)[0] ?? "";
  // A line that looks like JSON might be a credential; do not quote it.
  if (line.startsWith("{")) return "";
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
