import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killChild, onExitCleanup } from "./exit-cleanup.js";
import { getFreePort } from "./free-port.js";

/** PEM files of a test CA, a server certificate for 127.0.0.1 and localhost, and a client certificate. */
export interface TestCertificates {
  dir: string;
  /** PEM text of each. */
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Paths of the same files. */
  files: { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string };
}

/**
 * Makes a CA and two certificates it signs with `openssl` (P-256 keys, valid 2 days): a server certificate for
 * 127.0.0.1 and localhost, and a client certificate (extendedKeyUsage clientAuth, as distribution's Go TLS stack
 * requires of a client certificate) with common name `regatta-client`. Files go to `dir`.
 */
export function createTestCertificates(dir: string): TestCertificates {
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const key = (name: string) =>
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path(name));
  key("ca.key");
  openssl(
    "req",
    "-x509",
    "-new",
    "-key",
    "ca.key",
    "-subj",
    "/CN=regatta-test-ca",
    "-days",
    "2",
    "-out",
    "ca.pem",
  );
  const issue = (name: string, cn: string, extensions: string) => {
    key(`${name}.key`);
    openssl("req", "-new", "-key", `${name}.key`, "-subj", `/CN=${cn}`, "-out", `${name}.csr`);
    writeFileSync(path(`${name}.ext`), extensions);
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.pem`,
    );
  };
  issue("server", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  issue("client", "regatta-client", "extendedKeyUsage=clientAuth\n");
  const files = {
    ca: path("ca.pem"),
    serverCert: path("server.pem"),
    serverKey: path("server.key"),
    clientCert: path("client.pem"),
    clientKey: path("client.key"),
  };
  const read = (p: string) => readFileSync(p, "utf8");
  return {
    dir,
    files,
    ca: read(files.ca),
    serverCert: read(files.serverCert),
    serverKey: read(files.serverKey),
    clientCert: read(files.clientCert),
    clientKey: read(files.clientKey),
  };
}

/** A distribution registry served over TLS that requires a client certificate (see {@link startMtlsRegistry}). */
export interface MtlsRegistry {
  /** `127.0.0.1:PORT`. */
  host: string;
  /** `https://127.0.0.1:PORT`. */
  url: string;
  certificates: TestCertificates;
  logs(): string;
  /** Stops the registry and removes its certificates and storage. Idempotent. */
  stop(): Promise<void>;
}

const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => existsSync(p));

/**
 * Starts Debian's `docker-registry` (CNCF distribution) on a free loopback port with TLS and `http.tls.clientcas`:
 * it refuses the TLS handshake of a client without a certificate signed by the test CA
 * (https://distribution.github.io/distribution/about/configuration/#tls). No auth; storage in a temp dir.
 */
export async function startMtlsRegistry(
  options: {
    binary?: string;
    startTimeoutMs?: number;
    /** Default true. False serves plain TLS: any client that trusts the test CA is let in, with no certificate. */
    clientCertificates?: boolean;
  } = {},
): Promise<MtlsRegistry> {
  const dir = mkdtempSync(join(tmpdir(), "regatta-mtls-"));
  const unregisterDir = onExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
  try {
    const certificates = createTestCertificates(dir);
    const port = await getFreePort();
    const config = join(dir, "config.yml");
    writeFileSync(
      config,
      [
        "version: 0.1",
        "log:",
        "  level: error",
        "  accesslog:",
        "    disabled: true",
        "storage:",
        "  filesystem:",
        `    rootdirectory: ${JSON.stringify(join(dir, "storage"))}`,
        "http:",
        `  addr: ${JSON.stringify(`127.0.0.1:${port}`)}`,
        `  secret: ${JSON.stringify(randomBytes(16).toString("hex"))}`,
        "  tls:",
        `    certificate: ${JSON.stringify(certificates.files.serverCert)}`,
        `    key: ${JSON.stringify(certificates.files.serverKey)}`,
        ...(options.clientCertificates === false
          ? []
          : ["    clientcas:", `      - ${JSON.stringify(certificates.files.ca)}`]),
        "",
      ].join("\n"),
    );
    const argv = [options.binary ?? process.env.REGATTA_REGISTRY_BIN ?? "docker-registry", "serve", config];
    const child = SETPRIV
      ? spawn(SETPRIV, ["--pdeathsig", "SIGKILL", "--", ...argv], { stdio: ["ignore", "pipe", "pipe"] })
      : spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    const unregisterChild = onExitCleanup(() => child.kill("SIGKILL"));
    let output = "";
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-64 * 1024);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    let stopping: Promise<void> | undefined;
    const registry: MtlsRegistry = {
      host: `127.0.0.1:${port}`,
      url: `https://127.0.0.1:${port}`,
      certificates,
      logs: () => output,
      stop: () => {
        stopping ??= (async () => {
          await killChild(child);
          unregisterChild();
          rmSync(dir, { recursive: true, force: true });
          unregisterDir();
        })();
        return stopping;
      },
    };
    try {
      await waitReady(child, registry, Date.now() + (options.startTimeoutMs ?? 20_000));
    } catch (error) {
      await registry.stop();
      throw new Error(`${(error as Error).message}:\n${output}`);
    }
    return registry;
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    unregisterDir();
    throw error;
  }
}

/** Polls `GET /v2/` with the client certificate until the registry answers 200. */
async function waitReady(child: ChildProcess, registry: MtlsRegistry, deadline: number): Promise<void> {
  const { ca, clientCert: cert, clientKey: key } = registry.certificates;
  while (child.exitCode === null && child.signalCode === null) {
    if (Date.now() > deadline) throw new Error(`docker-registry did not answer ${registry.url}/v2/ in time`);
    const status = await new Promise<number>((resolve) => {
      const req = request(`${registry.url}/v2/`, { ca, cert, key, timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", () => resolve(0));
      req.on("timeout", () => req.destroy());
      req.end();
    });
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`docker-registry exited (code ${child.exitCode}) before answering`);
}
