/**
 * Origins (issue 10, security items 1 and 2; docs/security.md "Origins"): no request leaves the registry's origin
 * uninvited. Each scenario runs the real client against the hostile registry of @regatta/testkit inside a network
 * namespace of its own (runInNetns), where 169.254.169.254, fd00:ec2::254 and 127.0.0.2 are local listeners that
 * record every connection, and where metadata.test / metadata6.test resolve to the metadata addresses. Nothing here
 * can reach a real outside address: the namespace has no interface but its loopback.
 */
import { fileURLToPath } from "node:url";
import { type HostileRegistry, runInNetns, startHostileRegistry } from "@regatta/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "./connect.js";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const PASSWORD = "s3cret-pw-7f1c";
const BASIC = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString("base64")}`;

/** A scenario: the hostility (JSON; `{port}` in a string is the hostile registry's port) and the call to make. */
interface Scenario {
  name: string;
  hostile: Record<string, unknown>;
  call: "tags" | "allTags" | "repositories";
  /** Send everything through a recording HTTP proxy on 127.0.0.1:3128 (which resolves names itself). */
  proxy?: boolean;
}

interface Outcome {
  name: string;
  error?: { name: string; code: string; message: string; status?: number; request?: { url: string } };
  value?: unknown;
  /** Connections the metadata (and other foreign) listeners received during the scenario. */
  reached: { address: string; received: string }[];
  /** What the hostile registry itself received. */
  hostileRequests: { url: string; authorization?: string }[];
  /** The targets the proxy was asked to reach (CONNECT host:port), with `proxy`. */
  proxied: string[];
}

/** The script run inside the namespace: every scenario in turn, one JSON line of outcomes at the end. */
const SCRIPT = `
import { createClient } from "@regatta/client";
import { createServer } from "node:http";
import { connect as tcp } from "node:net";
import { recordConnections, startHostileRegistry } from "@regatta/testkit";
const { scenarios, password } = JSON.parse(process.env.NETNS_INPUT);
// A forwarding proxy that records every CONNECT target and tunnels it (it resolves names itself, like a real one).
const proxied = [];
const proxy = createServer((_req, res) => res.writeHead(405).end());
proxy.on("connect", (req, socket, head) => {
  proxied.push(req.url);
  const [host, port] = [req.url.slice(0, req.url.lastIndexOf(":")), req.url.slice(req.url.lastIndexOf(":") + 1)];
  const upstream = tcp(Number(port), host.replace(/^\\[|\\]$/g, ""), () => {
    socket.write("HTTP/1.1 200 Connection Established\\r\\n\\r\\n");
    upstream.write(head);
    upstream.pipe(socket).pipe(upstream);
  });
  upstream.on("error", () => socket.destroy());
  socket.on("error", () => upstream.destroy());
});
await new Promise((r) => proxy.listen(3128, "127.0.0.1", r));
const recorders = [
  await recordConnections(["169.254.169.254", "fd00:ec2::254", "127.0.0.2"], 80),
  await recordConnections(["127.0.0.1"], 81),
];
const reached = () => recorders.flatMap((r) => r.connections);
const outcomes = [];
for (const s of scenarios) {
  const before = reached().length;
  const proxiedBefore = proxied.length;
  const options = Object.fromEntries(
    Object.entries(s.hostile).map(([k, v]) => [
      k,
      typeof v === "string" && v.includes("{port}") ? (self) => v.replaceAll("{port}", self.port) : v,
    ]),
  );
  const hostile = await startHostileRegistry(options);
  const client = createClient(hostile.host, {
    username: "alice",
    password,
    retry: { attempts: 1 },
    ...(s.proxy ? { proxy: "http://127.0.0.1:3128" } : {}),
  });
  const outcome = { name: s.name, hostileRequests: [] };
  try {
    outcome.value = s.call === "repositories" ? await client.repositories() : await client[s.call]("x");
  } catch (e) {
    outcome.error = { name: e.name, code: e.code, message: e.message, status: e.status, request: e.request };
  }
  await client.close();
  await new Promise((r) => setTimeout(r, 100));
  await hostile.close();
  outcome.reached = reached().slice(before);
  outcome.proxied = proxied.slice(proxiedBefore);
  outcome.hostileRequests = hostile.requests.map((r) => ({ url: r.url, authorization: r.headers.authorization }));
  outcomes.push(outcome);
}
for (const r of recorders) await r.close();
proxy.closeAllConnections();
proxy.close();
console.log(JSON.stringify(outcomes));
`;

function runScenarios(scenarios: Scenario[]): Promise<Outcome[]> {
  return runInNetns<Outcome[]>({
    code: SCRIPT,
    cwd: PACKAGE_DIR,
    input: { scenarios, password: PASSWORD },
    addresses: ["169.254.169.254", "fd00:ec2::254"],
    hosts: {
      "metadata.test": "169.254.169.254",
      "metadata6.test": "fd00:ec2::254",
      "mapped.test": "::ffff:169.254.169.254",
      // A good first answer must not hide a forbidden second one (happy eyeballs would try it).
      "mixed.test": ["127.0.0.1", "169.254.169.254"],
    },
    timeoutMs: 60_000,
  });
}

/** Nothing reached any listener, and the password went nowhere but the registry's own origin. */
function expectContained(outcome: Outcome) {
  expect(outcome.reached).toEqual([]);
  const text = JSON.stringify(outcome.error ?? {});
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(BASIC.slice(6));
}

describe("token realms chosen by a hostile registry", () => {
  const realms: [string, string, string][] = [
    ["IPv4 literal", "http://169.254.169.254/latest/meta-data/", "INVALID_REALM"],
    ["IPv4-mapped IPv6, dotted", "http://[::ffff:169.254.169.254]/latest/meta-data/", "INVALID_REALM"],
    ["IPv4-mapped IPv6, hex", "http://[::ffff:a9fe:a9fe]/latest/meta-data/", "INVALID_REALM"],
    ["IPv4-compatible IPv6", "http://[::a9fe:a9fe]/", "INVALID_REALM"],
    ["IPv4 in hex", "http://0xa9fea9fe/latest/meta-data/", "INVALID_REALM"],
    ["AWS IPv6 metadata", "http://[fd00:ec2::254]/latest/meta-data/", "INVALID_REALM"],
    // Names are checked on what they resolve to, when the token request connects, and refused as the address
    // written out is (INVALID_REALM). (Over https: a plain-http realm off the registry's host is refused before
    // that, see the test after these.)
    ["a name resolving to 169.254.169.254", "https://metadata.test/latest/meta-data/", "INVALID_REALM"],
    ["a name resolving to fd00:ec2::254", "https://metadata6.test/latest/meta-data/", "INVALID_REALM"],
    ["a name resolving to ::ffff:169.254.169.254", "https://mapped.test/latest/meta-data/", "INVALID_REALM"],
    ["a name resolving to loopback and the metadata address", "https://mixed.test/latest/", "INVALID_REALM"],
  ];
  const plainHttpName = "http://metadata.test/latest/meta-data/";
  const redirects: [string, string][] = [
    ["to the IPv4 metadata address", "http://169.254.169.254/latest/meta-data/iam/"],
    ["to the IPv6 metadata address", "http://[fd00:ec2::254]/latest/meta-data/iam/"],
    ["to a name resolving to it", "http://metadata.test/latest/meta-data/iam/"],
  ];
  // Through a proxy the proxy resolves names, so the client resolves them first and refuses a forbidden answer.
  const proxied: [string, Record<string, unknown>][] = [
    ["realm by name", { behaviour: "metadata-realm", realm: "http://metadata.test/latest/meta-data/" }],
    ["token endpoint redirect by name", { behaviour: "token-redirect", location: "http://metadata.test/x" }],
    ["realm by IPv6 literal", { behaviour: "metadata-realm", realm: "http://[fd00:ec2::254]/" }],
  ];
  let outcomes: Map<string, Outcome>;

  beforeAll(async () => {
    const list = await runScenarios([
      ...realms.map(([name, realm]) => ({
        name,
        hostile: { behaviour: "metadata-realm", realm },
        call: "tags" as const,
      })),
      {
        name: "plain-http name",
        hostile: { behaviour: "metadata-realm", realm: plainHttpName },
        call: "tags" as const,
      },
      ...redirects.map(([name, location]) => ({
        name: `redirect ${name}`,
        hostile: { behaviour: "token-redirect", location },
        call: "tags" as const,
      })),
      ...proxied.map(([name, hostile]) => ({
        name: `proxied ${name}`,
        hostile,
        call: "tags" as const,
        proxy: true,
      })),
    ]);
    outcomes = new Map(list.map((o) => [o.name, o]));
  }, 90_000);

  it("refuses a plain-http realm on another host than the loopback registry's, before resolving it", () => {
    const outcome = outcomes.get("plain-http name")!;
    expect(outcome.error).toMatchObject({ code: "INVALID_REALM" });
    expect(outcome.error?.message).toContain("the realm uses plain http");
    expectContained(outcome);
  });

  it.each(realms)("refuses a realm at %s, with no connection to it", (name, realm, code) => {
    const outcome = outcomes.get(name)!;
    expect(outcome.error).toMatchObject({ code });
    expect(outcome.error?.message).toMatch(/link-local|metadata/);
    expect(outcome.error).toMatchObject({ name: "AuthenticationError" });
    expect(outcome.error?.request?.url.startsWith(new URL(realm).origin)).toBe(true);
    if (!/^\w+:\/\/[\d[]/.test(realm)) expect(outcome.error?.message).toContain(new URL(realm).hostname);
    expectContained(outcome);
  });

  it.each(redirects)("follows no token endpoint redirect %s: no credentials and no connection", (name) => {
    const outcome = outcomes.get(`redirect ${name}`)!;
    expect(outcome.error).toMatchObject({ name: "ProtocolError", code: "FORBIDDEN_ADDRESS" });
    expectContained(outcome);
    // The registry's own token endpoint (same origin) did get the credentials: that one the user chose.
    expect(outcome.hostileRequests.find((r) => r.url.startsWith("/token"))?.authorization).toBe(BASIC);
  });

  it.each(proxied)("through a proxy, refuses a %s before asking the proxy for it", (name) => {
    const outcome = outcomes.get(`proxied ${name}`)!;
    expect(outcome.error?.code).toMatch(/^(FORBIDDEN_ADDRESS|INVALID_REALM)$/);
    expectContained(outcome);
    // The proxy was asked for nothing: the loopback registry is reached directly (a loopback destination is never
    // proxied, transport's proxy.ts), and the destination it chose, which would go through the proxy, was refused
    // before the proxy was asked.
    expect(outcome.proxied).toEqual([]);
  });
});

describe("next links chosen by a hostile registry", () => {
  const links: [string, string][] = [
    ["the IPv4 metadata address", "http://169.254.169.254/latest/meta-data/"],
    ["the IPv6 metadata address", "http://[fd00:ec2::254]/latest/meta-data/"],
    ["a name resolving to the metadata address", "http://metadata.test/latest/meta-data/"],
    ["another loopback host", "http://127.0.0.2/v2/x/tags/list?last=a"],
    ["another host, protocol-relative", "//127.0.0.2/v2/x/tags/list?last=a"],
    ["another port", "http://127.0.0.1:81/v2/x/tags/list?last=a"],
    ["another scheme", "https://127.0.0.1:{port}/v2/x/tags/list?last=a"],
  ];
  let outcomes: Map<string, Outcome>;

  beforeAll(async () => {
    const list = await runScenarios(
      links.flatMap(([name, next]) => [
        { name: `tags ${name}`, hostile: { behaviour: "foreign-next-link", next }, call: "allTags" as const },
        {
          name: `catalog ${name}`,
          hostile: { behaviour: "foreign-next-link", next: next.replace("/v2/x/tags/list", "/v2/_catalog") },
          call: "repositories" as const,
        },
      ]),
    );
    outcomes = new Map(list.map((o) => [o.name, o]));
  }, 90_000);

  it.each(links.flatMap(([name]) => [[`tags ${name}`], [`catalog ${name}`]]))(
    "%s: refused, nothing followed",
    (name) => {
      const outcome = outcomes.get(name)!;
      expect(outcome.error).toMatchObject({ name: "ProtocolError", code: "FOREIGN_NEXT_LINK", status: 200 });
      expect(outcome.error?.message).toMatch(/another origin|is not a URL/);
      expectContained(outcome);
      // One page asked of the registry, none of anyone else.
      expect(outcome.hostileRequests.filter((r) => r.url !== "/v2/")).toHaveLength(1);
    },
  );
});

describe("endless pagination", () => {
  let hostile: HostileRegistry | undefined;
  afterEach(async () => {
    await hostile?.close();
    hostile = undefined;
  });

  it("stops at maxPages when every page links a fresh one", async () => {
    hostile = await startHostileRegistry({ behaviour: "endless-pagination" });
    const client = createClient(hostile.host, { pagination: { maxPages: 25 } });
    try {
      const error = await client.allTags("x").catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "ProtocolError", code: "PAGINATION_LIMIT" });
      expect((error as Error).message).toContain("after 25 pages");
      expect(hostile.requests.filter((r) => r.url.includes("/tags/list"))).toHaveLength(25);
    } finally {
      await client.close();
    }
  });

  it("stops at the default bound of entries (201 pages of 5000, not for ever)", async () => {
    hostile = await startHostileRegistry({ behaviour: "endless-pagination", pageSize: 5000 });
    const client = createClient(hostile.host);
    try {
      const error = await client.repositories().catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "ProtocolError", code: "PAGINATION_LIMIT" });
      expect((error as Error).message).toContain("more than 1000000 entries");
      // Bounded by the count, not by a clock: how long 201 pages take is the machine's (speed lives in bench/).
      expect(hostile.requests.filter((r) => r.url.startsWith("/v2/_catalog"))).toHaveLength(201);
    } finally {
      await client.close();
    }
  });

  it("refuses a repeating next link after the second page", async () => {
    hostile = await startHostileRegistry({ behaviour: "repeating-next-link" });
    const client = createClient(hostile.host);
    try {
      const error = await client.allTags("x").catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "ProtocolError", code: "NEXT_LINK_REPEATS" });
      expect(hostile.requests.filter((r) => r.url.includes("/tags/list"))).toHaveLength(2);
    } finally {
      await client.close();
    }
  });
});
