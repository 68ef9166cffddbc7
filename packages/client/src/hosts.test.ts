import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "@regatta/errors";
import { afterEach, describe, expect, it } from "vitest";
import { connect, createClient } from "./connect.js";
import type { ConnectOptions } from "./connect-options.js";
import { mergeHost, normalizeHosts, readConfigHosts, regattaConfigPath, transportHost } from "./hosts.js";
import { fakeDistribution } from "./test-answering-registry.js";

let cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function tempHome(): string {
  const dir = mkdtempSync(join(tmpdir(), "regatta-hosts-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `config` as the Regatta config file under `home/.config` and returns the env that finds it. */
function withConfig(config: unknown, home = tempHome()): Record<string, string> {
  mkdirSync(join(home, ".config", "regatta"), { recursive: true });
  writeFileSync(join(home, ".config", "regatta", "config.json"), JSON.stringify(config));
  return { HOME: home };
}

describe("normalizeHosts", () => {
  it("keys hosts by registry as references name it, and refuses two keys for one registry", () => {
    expect([
      ...normalizeHosts({ "index.docker.io": { concurrency: 2 }, "Reg.example:5000": {} }).keys(),
    ]).toEqual(["docker.io", "Reg.example:5000"]);
    expect(() => normalizeHosts({ "docker.io": {}, "registry-1.docker.io": {} })).toThrow(
      /"docker.io" and "registry-1.docker.io" name the same registry/,
    );
  });

  it.each([
    [{ cafile: "x" }, /unknown setting "cafile"/],
    [{ tls: "off" }, /tls: expected one of enabled, insecure, disabled/],
    [{ concurrency: 0 }, /concurrency: expected a positive whole number/],
    [{ chunkSize: 0 }, /chunkSize: expected a positive whole number of bytes/],
    [{ chunkSize: 1.5 }, /chunkSize: expected a positive whole number of bytes/],
    [{ requestRate: 0 }, /requestRate: expected a positive number of requests a second/],
    [{ requestRate: "5" }, /requestRate: expected a positive number of requests a second/],
    [{ requestRate: Number.POSITIVE_INFINITY }, /requestRate: expected a positive number/],
    [{ password: 7 }, /password: expected a string/],
    [{ clientCert: "PEM" }, /needs both clientCert and clientKey/],
    [{ password: "hunter2" }, /password was given without a username/],
  ])("refuses %j, naming the field and never the value", (settings, message) => {
    const error = (() => {
      try {
        normalizeHosts({ "reg.example": settings as never });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain("hunter2");
  });
});

describe("mergeHost", () => {
  it("takes credentials and the client certificate whole from the more specific side, other fields one by one", () => {
    const file = {
      username: "file",
      password: "p",
      clientCert: "C",
      clientKey: "K",
      tls: "insecure" as const,
      concurrency: 2,
    };
    expect(mergeHost(file, { registryToken: "t", concurrency: 4 })).toEqual({
      registryToken: "t",
      clientCert: "C",
      clientKey: "K",
      tls: "insecure",
      concurrency: 4,
    });
    expect(mergeHost(file, { clientCert: "C2", clientKey: "K2" })).toMatchObject({
      username: "file",
      clientCert: "C2",
      clientKey: "K2",
    });
  });
});

describe("transportHost", () => {
  it("maps the TLS mode to a scheme and verification, and the rest to the transport's names", () => {
    expect(transportHost({ tls: "disabled" })).toEqual({ scheme: "http" });
    expect(transportHost({ tls: "insecure" })).toEqual({ scheme: "https", tlsSkipVerify: true });
    expect(
      transportHost({ tls: "enabled", ca: "CA", clientCert: "C", clientKey: "K", concurrency: 3 }),
    ).toEqual({
      scheme: "https",
      tlsSkipVerify: false,
      ca: "CA",
      cert: "C",
      key: "K",
      connections: 3,
    });
    expect(transportHost({ username: "u", password: "p" })).toBeUndefined();
  });

  it("insecure on a loopback registry pins no scheme: http, then https unverified once its port says so", () => {
    expect(transportHost({ tls: "insecure" }, "127.0.0.1:5000")).toEqual({ tlsSkipVerify: true });
    expect(transportHost({ tls: "insecure" }, "localhost:5000")).toEqual({ tlsSkipVerify: true });
    expect(transportHost({ tls: "insecure" }, "registry.example")).toEqual({
      scheme: "https",
      tlsSkipVerify: true,
    });
    expect(transportHost({ tls: "enabled" }, "127.0.0.1:5000")).toEqual({
      scheme: "https",
      tlsSkipVerify: false,
    });
  });

  it("hands the transport the request rate, and keeps the chunk size (an upload's business) for the client", () => {
    expect(transportHost({ requestRate: 0.5 })).toEqual({ requestRate: 0.5 });
    expect(transportHost({ chunkSize: 1024 })).toBeUndefined();
  });
});

describe("the Regatta config file", () => {
  it("lives at $XDG_CONFIG_HOME/regatta/config.json, else ~/.config/regatta/config.json", () => {
    expect(regattaConfigPath({ XDG_CONFIG_HOME: "/x", HOME: "/h" })).toBe("/x/regatta/config.json");
    expect(regattaConfigPath({ XDG_CONFIG_HOME: "", HOME: "/h" })).toBe("/h/.config/regatta/config.json");
  });

  it("reads hosts with caFile, certFile and keyFile relative to the file, keys normalised", () => {
    const home = tempHome();
    const dir = join(home, ".config", "regatta");
    mkdirSync(join(dir, "certs"), { recursive: true });
    writeFileSync(join(dir, "certs", "ca.pem"), "CA PEM");
    writeFileSync(join(home, "key.pem"), "KEY PEM");
    writeFileSync(join(dir, "cert.pem"), "CERT PEM");
    const env = withConfig(
      {
        hosts: {
          "index.docker.io": { username: "u", password: "p" },
          "reg.example:5000": {
            tls: "enabled",
            caFile: "certs/ca.pem",
            certFile: "cert.pem",
            keyFile: join(home, "key.pem"),
          },
        },
      },
      home,
    );
    const hosts = readConfigHosts(env);
    expect(hosts.get("docker.io")).toEqual({ username: "u", password: "p" });
    const reg = hosts.get("reg.example:5000");
    expect({
      ...reg,
      ca: String(reg?.ca),
      clientCert: String(reg?.clientCert),
      clientKey: String(reg?.clientKey),
    }).toEqual({
      tls: "enabled",
      ca: "CA PEM",
      // How a refusal of the CA names it: the file it came from.
      caName: `${join(dir, "config.json")}: hosts["reg.example:5000"].caFile ${join(dir, "certs", "ca.pem")}`,
      clientCert: "CERT PEM",
      clientKey: "KEY PEM",
    });
  });

  it("is optional, and a broken one fails naming the file, never quoting its secrets", () => {
    expect(readConfigHosts({ HOME: tempHome() }).size).toBe(0);
    const home = tempHome();
    mkdirSync(join(home, ".config", "regatta"), { recursive: true });
    const path = join(home, ".config", "regatta", "config.json");
    writeFileSync(path, '{"hosts": {"r": {"password": "hunter2",}}}');
    expect(() => readConfigHosts({ HOME: home })).toThrow(new UsageError(`${path} is not valid JSON`));
    expect(() => readConfigHosts(withConfig({ host: {} }))).toThrow(/unknown setting "host"/);
    expect(() => readConfigHosts(withConfig({ hosts: { r: { caFile: "missing.pem" } } }))).toThrow(
      /hosts\["r"\]\.caFile .*missing\.pem: cannot read it \(no such file\)$/,
    );
    expect(() => readConfigHosts(withConfig({ hosts: { r: { ca: "X", caFile: "x.pem" } } }))).toThrow(
      /has both ca and caFile/,
    );
  });
});

/** A Basic-auth registry on 127.0.0.1 that records the Authorization header of each request. */
async function basicRegistry(): Promise<{ host: string; seen: string[] }> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.headers.authorization ?? "");
    if (!req.headers.authorization) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="r"' }).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end('{"name":"a","tags":[]}');
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** The username the registry was sent by a client built with `options`. */
async function userSent(
  registry: { host: string; seen: string[] },
  options: ConnectOptions,
): Promise<string> {
  const client = createClient(registry.host, { retry: { attempts: 0 }, ...options });
  cleanups.push(() => client.close());
  await client.tags("a");
  const basic = registry.seen.at(-1)?.replace(/^Basic /, "") ?? "";
  return Buffer.from(basic, "base64").toString().split(":")[0] ?? "";
}

describe("precedence: options, then the Regatta config file, then the docker config", () => {
  it("takes a registry's credentials from the most specific place that has them", async () => {
    const registry = await basicRegistry();
    const home = tempHome();
    mkdirSync(join(home, ".docker"));
    const auth = Buffer.from("docker-user:pw").toString("base64");
    writeFileSync(
      join(home, ".docker", "config.json"),
      JSON.stringify({ auths: { [registry.host]: { auth } } }),
    );
    expect(await userSent(registry, { env: { HOME: home } })).toBe("docker-user");
    const env = withConfig({ hosts: { [registry.host]: { username: "file-user", password: "pw" } } }, home);
    expect(await userSent(registry, { env })).toBe("file-user");
    expect(
      await userSent(registry, {
        env,
        hosts: { [registry.host]: { username: "hosts-user", password: "pw" } },
      }),
    ).toBe("hosts-user");
    // The shorthands are explicit options too, and `hosts` comes before them.
    expect(await userSent(registry, { env, username: "flag-user", password: "pw" })).toBe("flag-user");
    expect(
      await userSent(registry, {
        env,
        registryCredentials: { [registry.host]: { username: "rc-user", password: "pw" } },
      }),
    ).toBe("rc-user");
    expect(
      await userSent(registry, {
        env,
        username: "flag-user",
        password: "pw",
        hosts: { [registry.host]: { username: "hosts-user", password: "pw" } },
      }),
    ).toBe("hosts-user");
    // `credentials` replaces the default lookup, the config file's credentials with it.
    const replaced = { get: async () => ({ username: "provider-user", password: "pw" }) };
    expect(await userSent(registry, { env, credentials: replaced })).toBe("provider-user");
  });

  it("keeps the config file's TLS settings under explicit credentials, and gives explicit TLS the last word", () => {
    const env = withConfig({ hosts: { "reg.example": { tls: "disabled", username: "u", password: "p" } } });
    const client = createClient("reg.example", { env, username: "v", password: "q", ping: false });
    cleanups.push(() => client.close());
    expect(client.url).toBe("http://reg.example");
    const pinned = createClient("reg.example", { env, hosts: { "reg.example": { tls: "enabled" } } });
    cleanups.push(() => pinned.close());
    expect(pinned.url).toBe("https://reg.example");
  });
});

describe("connect() and hosts", () => {
  it("refuses a caFile of the config file that holds no certificate naming that file, bytes naming their origin", () => {
    const home = tempHome();
    const notPem = join(home, "not-a-ca.pem");
    writeFileSync(notPem, "root:x:0:0:root:/root:/bin/bash\n");
    const env = withConfig({ hosts: { "reg.example": { caFile: notPem } } }, home);
    const config = join(home, ".config", "regatta", "config.json");
    expect(() => createClient("reg.example", { env })).toThrow(
      new UsageError(
        `${config}: hosts["reg.example"].caFile ${notPem} holds no PEM certificate (a "-----BEGIN CERTIFICATE-----" block): give the CA's certificate, not its key or a DER file`,
        { code: "BAD_CA_BUNDLE" },
      ),
    );
    // The same bytes handed over by a caller: no file to name, so the registry's origin is named, as before.
    expect(() =>
      createClient("reg.example", { env: {}, hosts: { "reg.example": { ca: "root:x:0:0" } } }),
    ).toThrow(/^the CA bundle of https:\/\/reg\.example \(hosts caFile, ca\) holds no PEM certificate/);
    // A caller's bytes over the config file's file: the file's name does not go with bytes that are not its own.
    expect(() =>
      createClient("reg.example", { env, hosts: { "reg.example": { ca: "root:x:0:0" } } }),
    ).toThrow(/^the CA bundle of https:\/\/reg\.example \(hosts caFile, ca\) holds no PEM certificate/);
  });

  it("checks the connected registry's credentials given in hosts at once, as it does the shorthand's", async () => {
    const registry = await basicRegistry();
    const hosts = { [registry.host]: { username: "hosts-user", password: "pw" } };
    const client = await connect(registry.host, { env: {}, retry: { attempts: 0 }, hosts });
    cleanups.push(() => client.close());
    // The ping goes without credentials; the check sends them.
    expect(registry.seen).toEqual(["", `Basic ${Buffer.from("hosts-user:pw").toString("base64")}`]);
    // Credentials for another registry are not the connected one's: nothing is checked.
    const other = await basicRegistry();
    const plain = await connect(other.host, { env: {}, retry: { attempts: 0 }, hosts });
    cleanups.push(() => plain.close());
    expect(other.seen).toEqual([""]);
  });
});

describe("the shorthands", () => {
  it("insecure (true or a list) is docker's insecure-registries: https first, then http; a host's own tls comes first; loopback can be pinned to https", () => {
    const list = createClient("reg.example:5000", { env: {}, insecure: ["other.example:1", "reg.example"] });
    cleanups.push(() => list.close());
    expect(list.url).toBe("https://reg.example:5000");
    expect(list.ctx.transport.allowsHttp("other.example:1")).toBe(true);
    expect(list.ctx.transport.baseUrl("other.example:1")).toBe("https://other.example:1");
    // Spoken to over https now (plain http only once no TLS answers): no plain-http token realm for it meanwhile.
    expect(list.ctx.transport.allowsHttp("other.example:1")).toBe(false);
    // A bare host is that host without a port, as docker matches it: not its port 5000.
    expect(list.ctx.transport.allowsHttp("reg.example:5000")).toBe(false);
    expect(list.ctx.transport.allowsHttp("reg.example")).toBe(true);
    const own = createClient("reg.example", {
      env: {},
      insecure: true,
      hosts: { "reg.example": { tls: "enabled" } },
    });
    cleanups.push(() => own.close());
    expect(own.url).toBe("https://reg.example");
    const flag = createClient("reg.example", { env: {}, insecure: true });
    cleanups.push(() => flag.close());
    expect(flag.url).toBe("https://reg.example");
    const loopback = createClient("127.0.0.1:5000", {
      env: {},
      hosts: { "127.0.0.1:5000": { tls: "enabled" } },
    });
    cleanups.push(() => loopback.close());
    expect(loopback.url).toBe("https://127.0.0.1:5000");
    // insecure is "https unverified, or plain http" there: http until the port says it serves https.
    const either = createClient("127.0.0.1:5000", {
      env: {},
      hosts: { "127.0.0.1:5000": { tls: "insecure" } },
    });
    cleanups.push(() => either.close());
    expect(either.url).toBe("http://127.0.0.1:5000");
  });

  it("anonymous with credentials for the connected registry, given either way, is refused", () => {
    expect(() =>
      createClient("reg.example", { env: {}, anonymous: true, username: "u", password: "p" }),
    ).toThrow(/anonymous access and credentials/);
    expect(() =>
      createClient("reg.example", {
        env: {},
        anonymous: true,
        hosts: { "reg.example": { registryToken: "t" } },
      }),
    ).toThrow(/anonymous access and credentials/);
  });
});

describe("the scheme of the registry URL", () => {
  const env = { HOME: "/nonexistent" };
  it("https:// means TLS, loopback included; http:// means plain http; none leaves the default", async () => {
    const cases: [string, string][] = [
      ["https://127.0.0.1:5000", "https://127.0.0.1:5000"],
      ["https://localhost:5443", "https://localhost:5443"],
      ["http://registry.example:5000", "http://registry.example:5000"],
      ["127.0.0.1:5000", "http://127.0.0.1:5000"],
      ["registry.example", "https://registry.example"],
    ];
    for (const [given, url] of cases) {
      const reg = createClient(given, { env });
      expect(`${given} -> ${reg.url.replace(/\/$/, "")}`).toBe(`${given} -> ${url}`);
      await reg.close();
    }
  });
});

describe("chunkSize and requestRate", () => {
  const bytes = Buffer.from("twenty bytes of blob");

  async function push(options: ConnectOptions, call: { chunkSize?: number } = {}) {
    const { handlers, reg } = fakeDistribution({}, { connect: options });
    cleanups.push(() => reg.close());
    await reg.pushBlob("team/app", bytes, call);
    return handlers.requests.filter((r) => r.method === "PATCH").length;
  }

  it("uploads to a registry in its hosts chunkSize, from options or from the config file; a call's own comes first", async () => {
    const none = { HOME: tempHome() };
    expect(await push({ env: none })).toBe(0);
    expect(await push({ env: none, hosts: { "registry.test": { chunkSize: 8 } } })).toBe(3);
    expect(await push({ env: withConfig({ hosts: { "registry.test": { chunkSize: 10 } } }) })).toBe(2);
    expect(await push({ env: none, hosts: { "registry.test": { chunkSize: 8 } } }, { chunkSize: 5 })).toBe(4);
    expect(await push({ env: none, hosts: { "other.test": { chunkSize: 8 } } })).toBe(0);
  });

  it("reads requestRate from the config file, and refuses a rate it cannot keep, naming the file and the field", () => {
    const env = withConfig({ hosts: { "registry.test": { requestRate: 2, concurrency: 1 } } });
    expect(readConfigHosts(env).get("registry.test")).toEqual({ requestRate: 2, concurrency: 1 });
    expect(() =>
      createClient("registry.test", { env: withConfig({ hosts: { "r.test": { requestRate: -1 } } }) }),
    ).toThrow(/config\.json\["r\.test"\]\.requestRate: expected a positive number of requests a second/);
  });
});
