/**
 * Loopback destinations chosen by a registry that is not on this machine (docs/security.md "Origins"): a token realm
 * or a redirect at 127.0.0.1:2375 (a Docker daemon's port) is server-side request forgery towards this machine, and
 * the realm would get the user's Basic credentials. Run inside a network namespace of its own (runInNetns): the
 * registry listens on 10.9.9.9, an address of the namespace's loopback interface that is not a loopback address, so
 * the client treats it as any remote host; a listener on 127.0.0.1:2375 records every connection and must get none.
 * A registry whose name resolves to 127.0.0.1 (`myregistry.test` in /etc/hosts) may still name a token server there.
 */
import { fileURLToPath } from "node:url";
import { runInNetns } from "@regatta/testkit";
import { beforeAll, describe, expect, it } from "vitest";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const PASSWORD = "loopback-S3cret-pw";

interface Outcome {
  name: string;
  error?: { name: string; code: string; message: string };
  /** Connections the listener on 127.0.0.1:2375 received, with what was sent on them. */
  reached: { address: string; received: string }[];
  /** Requests the registry received. */
  seen: string[];
}

const SCRIPT = `
import { createClient } from "@regatta/client";
import { createServer } from "node:http";
import { recordConnections } from "@regatta/testkit";
const { password } = JSON.parse(process.env.NETNS_INPUT);
const api = { "docker-distribution-api-version": "registry/2.0" };
let seen = [];
/** A registry that challenges with \`realm\`, or (with \`redirect\`) sends its tags list there. */
const registry = (options) => (req, res) => {
  seen.push(req.url);
  if (options.redirect) {
    if (req.url === "/v2/") return void res.writeHead(200, api).end("{}");
    return void res.writeHead(307, { ...api, location: options.redirect + req.url }).end();
  }
  res.writeHead(401, { ...api, "www-authenticate": 'Bearer realm="' + options.realm + '",service="s"' }).end();
};
const listener = await recordConnections(["127.0.0.1"], 2375);
const outcomes = [];
for (const [name, listen, host, options] of [
  ["realm at the loopback literal", "10.9.9.9", "10.9.9.9:5000", { realm: "http://127.0.0.1:2375/token" }],
  ["realm at a name resolving to loopback", "10.9.9.9", "10.9.9.9:5000", { realm: "https://docker.test:2375/token" }],
  ["redirect to the loopback literal", "10.9.9.9", "10.9.9.9:5000", { redirect: "http://127.0.0.1:2375" }],
  ["control: a registry whose name resolves to loopback", "127.0.0.1", "myregistry.test:5000", { realm: "http://127.0.0.1:2375/token" }],
]) {
  seen = [];
  const server = createServer(registry(options));
  await new Promise((r) => server.listen(5000, listen, r));
  const client = createClient(host, { username: "alice", password, insecure: true, retry: { attempts: 0 }, env: {} });
  const before = listener.connections.length;
  const outcome = { name };
  try {
    await client.tags(host + "/r");
  } catch (e) {
    outcome.error = { name: e.name, code: e.code, message: e.message };
  }
  await client.close();
  await new Promise((r) => setTimeout(r, 100));
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  outcome.reached = listener.connections.slice(before);
  outcome.seen = seen;
  outcomes.push(outcome);
}
await listener.close();
console.log(JSON.stringify(outcomes));
`;

describe("loopback destinations chosen by a registry not on this machine", () => {
  let outcomes: Map<string, Outcome>;

  beforeAll(async () => {
    const list = await runInNetns<Outcome[]>({
      code: SCRIPT,
      cwd: PACKAGE_DIR,
      input: { password: PASSWORD },
      addresses: ["10.9.9.9"],
      hosts: { "docker.test": "127.0.0.1", "myregistry.test": "127.0.0.1" },
      timeoutMs: 60_000,
    });
    outcomes = new Map(list.map((o) => [o.name, o]));
  }, 90_000);

  it.each([
    [
      "realm at the loopback literal",
      "refusing the token realm http://127.0.0.1:2375/token of registry 10.9.9.9:5000",
    ],
    ["realm at a name resolving to loopback", "refusing the token realm https://docker.test:2375/token"],
  ])("refuses a %s, naming it, and nothing connects there", (name, refused) => {
    const outcome = outcomes.get(name)!;
    expect(outcome.error).toMatchObject({ name: "AuthenticationError", code: "INVALID_REALM" });
    expect(outcome.error?.message).toContain(refused);
    expect(outcome.error?.message).toContain("loopback address on this machine");
    expect(outcome.error?.message).toContain("10.9.9.9:5000");
    expect(outcome.error?.message).not.toContain(PASSWORD);
    expect(outcome.reached).toEqual([]);
  });

  it("refuses a redirect to the loopback literal, naming it, and nothing connects there", () => {
    const outcome = outcomes.get("redirect to the loopback literal")!;
    expect(outcome.error).toMatchObject({ name: "ProtocolError", code: "FORBIDDEN_ADDRESS" });
    expect(outcome.error?.message).toContain(
      "refusing to connect to 127.0.0.1:2375: it is a loopback address on this machine, and registry " +
        "10.9.9.9:5000 (not on this machine) chose this destination",
    );
    expect(outcome.seen).toContain("/v2/r/tags/list");
    expect(outcome.reached).toEqual([]);
  });

  it("lets a registry whose name resolves to loopback send its token request there (the listener works)", () => {
    const outcome = outcomes.get("control: a registry whose name resolves to loopback")!;
    expect(outcome.reached.length).toBeGreaterThan(0);
    expect(outcome.reached[0]?.received).toMatch(/^GET \/token\?/);
  });
});
