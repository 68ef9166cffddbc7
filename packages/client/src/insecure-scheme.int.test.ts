/**
 * `insecure` is docker's insecure-registries (scheme-fallback.ts in @regatta/transport): https first, its certificate
 * unverified, then plain http only when no TLS answers. Before, an insecure registry named without a port was spoken
 * to over plain http, so on port 80, where another service may sit: a Basic challenge there got the password in
 * clear while the registry listened on 443. Run inside a network namespace of its own (runInNetns), on addresses
 * of its loopback interface that are not loopback addresses, so the client treats them as any remote host.
 */
import { fileURLToPath } from "node:url";
import { runInNetns } from "@regatta/testkit";
import { describe, expect, it } from "vitest";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const PASSWORD = "insecure-S3cret-pw";

interface Outcome {
  name: string;
  tags?: string[];
  error?: { code: string; message: string };
  /** Requests each listener received: `port scheme path authorization?`. */
  seen: string[];
}

const SCRIPT = `
import { createClient } from "@regatta/client";
import { createServer as http } from "node:http";
import { createServer as https } from "node:https";
import { TEST_CERT, TEST_KEY } from "@regatta/testkit";
const { password } = JSON.parse(process.env.NETNS_INPUT);
const basic = "Basic " + Buffer.from("alice:" + password).toString("base64");
let seen = [];
/** A registry that wants alice's Basic credentials and lists one tag naming where it answered. */
function registry(label) {
  return (req, res) => {
    seen.push([label, req.url, req.headers.authorization ?? ""].join(" "));
    if (req.headers.authorization !== basic)
      return void res.writeHead(401, { "www-authenticate": 'Basic realm="r"', "docker-distribution-api-version": "registry/2.0" }).end();
    if (req.url === "/v2/") return void res.writeHead(200, { "docker-distribution-api-version": "registry/2.0" }).end("{}");
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name: "r", tags: ["from-" + label] }));
  };
}
/** Another service on port 80: challenges everything, as a web server with a login would. */
const other = (req, res) => {
  seen.push(["80-other", req.url, req.headers.authorization ?? ""].join(" "));
  res.writeHead(401, { "www-authenticate": 'Basic realm="intranet"' }).end();
};
const listen = (server, port, host) => new Promise((r) => server.listen(port, host, r)).then(() => server);
const servers = [
  await listen(https({ cert: TEST_CERT, key: TEST_KEY }, registry("443")), 443, "10.9.9.1"),
  await listen(http(other), 80, "10.9.9.1"),
  await listen(http(registry("80")), 80, "10.9.9.2"),
  await listen(http(registry("5000-http")), 5000, "10.9.9.3"),
];
const outcomes = [];
for (const [name, host, insecure = true] of [
  ["https on 443, another service on 80", "10.9.9.1"],
  ["only plain http, on 80", "10.9.9.2"],
  ["plain http on a port", "10.9.9.3:5000"],
  // Listed as docker lists: a bare host is the host without a port, not its port 5000 (moby#9754).
  ["a bare host listed, another port of it asked", "10.9.9.3:5000", ["10.9.9.3"]],
  ["listed with :443, asked without a port", "10.9.9.1", ["10.9.9.1:443"]],
]) {
  seen = [];
  const client = createClient(host, { username: "alice", password, insecure, retry: { attempts: 0 }, env: {} });
  const outcome = { name };
  try {
    outcome.tags = (await client.tags(host + "/r")).tags;
  } catch (e) {
    outcome.error = { code: e.code, message: e.message };
  }
  await client.close();
  outcome.seen = seen;
  outcomes.push(outcome);
}
for (const s of servers) { s.closeAllConnections?.(); s.close(); }
console.log(JSON.stringify(outcomes));
`;

describe("insecure: https first, unverified, then plain http (docker's insecure-registries)", () => {
  it("takes the https registry on 443 and sends nothing to port 80; falls back to http where no TLS answers, on the ports listed", async () => {
    const outcomes = await runInNetns<Outcome[]>({
      code: SCRIPT,
      cwd: PACKAGE_DIR,
      input: { password: PASSWORD },
      addresses: ["10.9.9.1", "10.9.9.2", "10.9.9.3"],
      timeoutMs: 60_000,
    });
    const [onTls, onlyHttp, onPort, otherPort, with443] = outcomes;
    expect(onTls).toMatchObject({ tags: ["from-443"] });
    expect(onTls!.seen.filter((line) => line.startsWith("80-other"))).toEqual([]);
    expect(onlyHttp).toMatchObject({ tags: ["from-80"] });
    expect(onPort).toMatchObject({ tags: ["from-5000-http"] });
    // Not listed: verified https only, which the plain-http port cannot speak; nothing went there in clear.
    expect(otherPort!.tags).toBeUndefined();
    expect(otherPort!.error?.code).toBeDefined();
    expect(otherPort!.seen).toEqual([]);
    expect(with443).toMatchObject({ tags: ["from-443"] });
    expect(JSON.stringify(outcomes.map((o) => o.error ?? null))).not.toContain(PASSWORD);
  });
});

const FLAKY = `
import { createClient } from "@regatta/client";
import { createServer as http } from "node:http";
import { createServer as https } from "node:https";
import { TEST_CERT, TEST_KEY } from "@regatta/testkit";
const { password } = JSON.parse(process.env.NETNS_INPUT);
const basic = "Basic " + Buffer.from("alice:" + password).toString("base64");
const seen80 = [];
let answered = false;
// Answers over TLS until one tag list went out, then resets every new connection: a registry that spoke https.
const tls = https({ cert: TEST_CERT, key: TEST_KEY }, (req, res) => {
  if (answered) return void req.socket.destroy();
  if (req.headers.authorization !== basic)
    return void res.writeHead(401, { "www-authenticate": 'Basic realm="r"', "docker-distribution-api-version": "registry/2.0" }).end();
  if (req.url === "/v2/") return void res.writeHead(200, { "docker-distribution-api-version": "registry/2.0" }).end("{}");
  answered = true;
  res.writeHead(200, { "content-type": "application/json", connection: "close" }).end(JSON.stringify({ name: "r", tags: ["tls"] }));
});
tls.on("connection", (socket) => { if (answered) socket.destroy(); });
const plain = http((req, res) => {
  seen80.push(req.headers.authorization ?? "");
  res.writeHead(401, { "www-authenticate": 'Basic realm="intranet"' }).end();
});
await new Promise((r) => tls.listen(443, "10.9.9.4", r));
await new Promise((r) => plain.listen(80, "10.9.9.4", r));
const client = createClient("10.9.9.4", { username: "alice", password, insecure: true, retry: { attempts: 1 }, env: {} });
const first = await client.tags("10.9.9.4/r").then((t) => t.tags, (e) => e.code);
const second = await client.tags("10.9.9.4/other").then((t) => t.tags, (e) => e.code);
await client.close();
tls.close(); plain.close();
console.log(JSON.stringify({ first, second, seen80 }));
`;

describe("insecure, once the registry has answered over https", () => {
  it("never falls back to plain http, whatever fails later: no password in clear on port 80", async () => {
    const outcome = await runInNetns<{ first: unknown; second: unknown; seen80: string[] }>({
      code: FLAKY,
      cwd: PACKAGE_DIR,
      input: { password: PASSWORD },
      addresses: ["10.9.9.4"],
      timeoutMs: 60_000,
    });
    expect(outcome.first).toEqual(["tls"]);
    expect(outcome.second).not.toEqual(["tls"]);
    expect(outcome.seen80).toEqual([]);
  });
});
