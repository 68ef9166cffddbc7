/**
 * Runs a node script inside a network namespace of its own (`unshare -n`), so tests that touch the network's edge
 * (cloud metadata addresses, names resolving to them) never reach a real outside address: the namespace has only a
 * loopback interface, carrying the addresses the test asks for (169.254.169.254, fd00:ec2::254 …), and optionally
 * its own /etc/hosts (`unshare -m` and a bind mount, private to the namespace). Needs root (CI and the dev
 * container run as root), util-linux's `unshare` and iproute2's `ip`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, isIPv6, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Options of {@link runInNetns}. */
export interface NetnsOptions {
  /** An ES module's source, run with `node --input-type=module`; its last line of stdout must be JSON. */
  code: string;
  /** Where bare imports (`@regatta/client`) resolve from: the package directory of the test. */
  cwd: string;
  /** Given to the script as `process.env.NETNS_INPUT` (JSON). */
  input?: unknown;
  /** Addresses added to the namespace's loopback interface, IPv4 or IPv6 (as /32 and /128). */
  addresses?: string[];
  /** Names the namespace's /etc/hosts resolves: name → address, or every address of the name (glibc's `multi on`). */
  hosts?: Record<string, string | string[]>;
  /** Kill the script after this long; default 20 s. */
  timeoutMs?: number;
}

const SAFE = /^[0-9a-fA-F.:]+$/;

/** Runs `options.code` in a fresh network (and mount) namespace and returns the JSON it printed last. */
export async function runInNetns<T>(options: NetnsOptions): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "regatta-netns-"));
  try {
    const setup = ["ip link set lo up"];
    for (const address of options.addresses ?? []) {
      if (!SAFE.test(address)) throw new Error(`runInNetns: not an IP address: ${address}`);
      setup.push(
        isIPv6(address) ? `ip -6 addr add ${address}/128 dev lo` : `ip addr add ${address}/32 dev lo`,
      );
    }
    if (options.hosts) {
      const hostsFile = join(dir, "hosts");
      const lines = ["127.0.0.1 localhost", "::1 localhost"];
      for (const [name, addresses] of Object.entries(options.hosts)) {
        for (const address of [addresses].flat()) lines.push(`${address} ${name}`);
      }
      writeFileSync(hostsFile, `${lines.join("\n")}\n`);
      setup.push(`mount --bind '${hostsFile}' /etc/hosts`);
    }
    const scriptFile = join(dir, "script.mjs");
    writeFileSync(scriptFile, options.code);
    // The script is read from stdin-free `-e` so bare imports resolve from `cwd`, as for a file in the package.
    setup.push(`exec "${process.execPath}" --input-type=module -e "$(cat '${scriptFile}')"`);
    const { code, stdout, stderr } = await run(
      "unshare",
      ["--net", "--mount", "--", "sh", "-ec", setup.join("\n")],
      {
        cwd: options.cwd,
        env: { ...process.env, NETNS_INPUT: JSON.stringify(options.input ?? null) },
        timeoutMs: options.timeoutMs ?? 20_000,
      },
    );
    const last = stdout.trim().split("\n").at(-1) ?? "";
    try {
      return JSON.parse(last) as T;
    } catch {
      throw new Error(`runInNetns: the script exited ${code} without a JSON result\n${stdout}\n${stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** What a {@link ConnectionRecorder} saw. */
export interface RecordedConnection {
  /** The local address that was connected to. */
  address: string;
  /** The first bytes received (up to 4 KiB), as text: a request line and headers, or a TLS hello. */
  received: string;
}

/** A TCP listener that records every connection made to it (for "nothing reached the metadata address"). */
export interface ConnectionRecorder {
  connections: RecordedConnection[];
  close(): Promise<void>;
}

/**
 * Listens on each of `addresses` at `port` (default 80, the port a metadata URL without one uses) and records every
 * connection and its first bytes, answering nothing a client could mistake for a registry (it closes after 200 ms).
 */
export async function recordConnections(addresses: string[], port = 80): Promise<ConnectionRecorder> {
  const connections: RecordedConnection[] = [];
  const servers: Server[] = [];
  for (const address of addresses) {
    const server = createServer((socket) => {
      const record: RecordedConnection = { address, received: "" };
      connections.push(record);
      socket.on("data", (chunk: Buffer) => {
        if (record.received.length < 4096) record.received += chunk.toString("latin1").slice(0, 4096);
      });
      socket.on("error", () => {});
      setTimeout(() => socket.destroy(), 200).unref();
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, address, () => resolve());
    });
    servers.push(server);
  }
  return {
    connections,
    close: () => Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => {}),
  };
}
