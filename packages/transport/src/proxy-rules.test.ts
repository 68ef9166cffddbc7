import { inspect } from "node:util";
import { UsageError } from "@regatta/errors";
import { describe, expect, it } from "vitest";
import { ProxyRules, proxyPasswords } from "./proxy.js";

const PROXY = "http://proxy.corp:3128";

/** The proxy (its source) chosen for `url`, or "direct". */
function route(config: ConstructorParameters<typeof ProxyRules>[0], url: string): string {
  const choice = new ProxyRules(config).choose(new URL(url));
  return choice ? `${choice.source} ${choice.url.host}` : "direct";
}

describe("proxy choice (Go's httpproxy rules)", () => {
  it.each([
    "http://127.0.0.1:5000/v2/",
    "http://127.1:5000/v2/", // WHATWG: 127.0.0.1
    "http://2130706433:5000/v2/",
    "http://127.255.0.9/",
    "http://localhost:5000/v2/",
    "http://LOCALHOST:5000/v2/",
    "http://localhost.:5000/v2/",
    "http://registry.localhost:5000/v2/",
    "http://[::1]:5000/v2/",
    "http://[0:0::1]:5000/v2/",
    "http://[::ffff:127.0.0.1]:5000/v2/",
    "https://localhost:5001/token",
    // This machine as the address policy reads it (hostIsThisMachine): 0.0.0.0/8 and `::` connect here too, and the
    // IPv6 spellings that embed a loopback IPv4 address.
    "http://0.0.0.0:5000/v2/",
    "http://0:5000/v2/", // WHATWG: 0.0.0.0
    "http://0.1.2.3:5000/v2/",
    "http://[::]:5000/v2/",
    "http://[::ffff:0.0.0.0]:5000/v2/",
    "http://[::127.0.0.1]:5000/v2/",
    "http://[::ffff:0:127.0.0.1]:5000/v2/",
    "http://[64:ff9b::127.0.0.1]:5000/v2/",
    "http://[2002:7f00:1::]:5000/v2/",
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]:5000/v2/", // Teredo, client 127.0.0.1
  ])("never proxies this machine: %s, whatever is set", (url) => {
    for (const config of [
      { proxy: PROXY, env: {} },
      { env: { HTTP_PROXY: PROXY, HTTPS_PROXY: PROXY } },
      { env: { http_proxy: PROXY, https_proxy: PROXY, NO_PROXY: "" } },
    ]) {
      expect(route(config, url)).toBe("direct");
    }
  });

  it("proxies what is not loopback (names resolving to loopback are the proxy's to resolve)", () => {
    for (const url of [
      "http://127.example.com/",
      "http://[2001:db8::1]/",
      "http://128.0.0.1/",
      "http://[::ffff:10.0.0.1]/",
    ]) {
      expect(route({ proxy: PROXY, env: {} }, url)).toBe("--proxy proxy.corp:3128");
    }
    expect(route({ proxy: PROXY, env: {} }, "http://10.0.0.1:5000/")).toBe("--proxy proxy.corp:3128");
    expect(route({ proxy: PROXY, env: {} }, "https://notlocalhost/")).toBe("--proxy proxy.corp:3128");
  });

  it("HTTP_PROXY is for http URLs and HTTPS_PROXY for https URLs; --proxy for both", () => {
    const http = { env: { HTTP_PROXY: PROXY } };
    expect(route(http, "http://registry.test/")).toBe("HTTP_PROXY proxy.corp:3128");
    expect(route(http, "https://registry.test/")).toBe("direct");
    const https = { env: { HTTPS_PROXY: PROXY } };
    expect(route(https, "https://registry.test/")).toBe("HTTPS_PROXY proxy.corp:3128");
    expect(route(https, "http://registry.test/")).toBe("direct");
    expect(route({ proxy: PROXY, env: {} }, "http://registry.test/")).toBe("--proxy proxy.corp:3128");
  });

  it("reads lower case first; an empty or blank value is unset and does not hide the other case", () => {
    const both = { env: { http_proxy: "http://lower:1", HTTP_PROXY: "http://upper:2" } };
    expect(route(both, "http://registry.test/")).toBe("http_proxy lower:1");
    expect(route({ env: { http_proxy: "", HTTP_PROXY: PROXY } }, "http://registry.test/")).toBe(
      "HTTP_PROXY proxy.corp:3128",
    );
    expect(
      route(
        { env: { HTTP_PROXY: PROXY, no_proxy: " ", NO_PROXY: "registry.test" } },
        "http://registry.test/",
      ),
    ).toBe("direct");
  });

  it("ALL_PROXY is not read", () => {
    expect(route({ env: { ALL_PROXY: PROXY, all_proxy: PROXY } }, "https://registry.test/")).toBe("direct");
  });

  // [NO_PROXY, URL, direct?]
  it.each([
    ["10.0.0.0/8", "http://10.1.2.3:5000/", true],
    ["10.0.0.0/8", "http://11.1.2.3:5000/", false],
    ["10.1.2.3/32", "http://10.1.2.3/", true],
    ["fd00::/8", "http://[fd12::1]:5000/", true],
    ["fd00::/8", "http://[fe80::1]:5000/", false],
    ["fd12::1", "http://[fd12::1]:5000/", true], // bare IPv6
    ["[fd12::1]", "http://[fd12::1]:5000/", true],
    ["[fd12::1]:5000", "http://[fd12::1]:5000/", true],
    ["[fd12::1]:5001", "http://[fd12::1]:5000/", false],
    ["fd12:0:0::1", "http://[fd12::1]/", true], // one address, two spellings
    ["10.9.9.9", "http://10.9.9.9:5000/", true],
    ["10.9.9.9:5000", "http://10.9.9.9:5000/", true],
    ["10.9.9.9:80", "http://10.9.9.9/", true], // the scheme's default port
    ["10.9.9.9:443", "http://10.9.9.9/", false],
    [".9.9.9", "http://10.9.9.9/", false], // an address is no domain: no suffix match
    ["*.9.9.9", "http://10.9.9.9/", false],
    ["reg.test", "http://reg.test/", true],
    ["reg.test", "http://sub.reg.test/", true],
    ["reg.test", "http://notreg.test/", false],
    [".reg.test", "http://reg.test/", false],
    [".reg.test", "http://sub.reg.test/", true],
    ["*.reg.test", "http://sub.reg.test/", true],
    ["reg.test.", "http://reg.test/", true], // trailing dot, as curl
    ["reg.test", "http://reg.test./", true],
    ["REG.TEST", "http://reg.test/", true],
    ["reg.test:5000", "http://reg.test:5000/", true],
    ["reg.test:5000", "http://reg.test:5001/", false],
    [" other.test , reg.test ", "http://reg.test/", true],
    ["*", "http://anything.test/", true],
    ["10.0.0.0/33", "http://10.0.0.1/", false], // not a block: ignored
  ] as const)("NO_PROXY=%j for %s: direct %s", (noProxy, url, direct) => {
    expect(route({ env: { HTTP_PROXY: PROXY, NO_PROXY: noProxy } }, url)).toBe(
      direct ? "direct" : "HTTP_PROXY proxy.corp:3128",
    );
    // --proxy honours NO_PROXY too, as curl's does.
    expect(route({ proxy: PROXY, env: { no_proxy: noProxy } }, url)).toBe(
      direct ? "direct" : "--proxy proxy.corp:3128",
    );
  });
});

describe("proxy URLs", () => {
  it("takes a URL without a scheme as http, as curl and Go do", () => {
    expect(route({ proxy: "proxy.corp:3128", env: {} }, "https://registry.test/")).toBe(
      "--proxy proxy.corp:3128",
    );
    const choice = new ProxyRules({ proxy: "localhost:3128", env: {} }).choose(
      new URL("https://registry.test/"),
    );
    expect(choice?.url.href).toBe("http://localhost:3128/");
  });

  it.each([
    ["http://pu:Pr0xy-Secret@127.0.0.1:99999", "invalid proxy URL in --proxy: http://***@127.0.0.1:99999"],
    ["http://pu:Pr0xy-Secret@[::1", "invalid proxy URL in --proxy: http://***@[::1"],
    [
      "socks5://pu:Pr0xy-Secret@127.0.0.1:1080",
      "unsupported proxy in --proxy: socks5: proxies are not supported",
    ],
    // A password with an unencoded `/` or `?` (a CI proxy's): masked whole, though a URL parser ends the host there.
    ["http://u:Pr0xy-Secret/Tail@127.0.0.1:1", "invalid proxy URL in --proxy: http://***@127.0.0.1:1"],
    ["pu:Pr0xy-Secret?x@127.0.0.1:1", "invalid proxy URL in --proxy: ***@127.0.0.1:1"],
    // undici decodes the password for Proxy-Authorization: a bad escape failed every request as "URI malformed".
    [
      "http://u:Pr0xy-Secret%zz@127.0.0.1:1",
      "invalid proxy URL in --proxy: a bad %-escape in its user or password (http://***@127.0.0.1:1)",
    ],
    // A bare word is a host to curl (port 1080) and Go (port 80): without a scheme, a port is required.
    ["notaurl", "invalid proxy URL in --proxy: notaurl has no scheme and no port"],
  ])("a malformed or unsupported --proxy (%s) is a UsageError without the password", (proxy, message) => {
    let err: unknown;
    try {
      new ProxyRules({ proxy, env: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toContain(message);
    expect((err as UsageError).code).toBe("PROXY_URL_INVALID");
    expect(inspect(err, { depth: 5 })).not.toContain("Pr0xy-Secret");
    expect(JSON.stringify(err)).not.toContain("Pr0xy-Secret");
  });

  it("a malformed variable fails only the requests that would use it, naming the variable", () => {
    const rules = new ProxyRules({ env: { HTTPS_PROXY: "http://u:Pr0xy-Secret@[::1" } });
    expect(rules.choose(new URL("http://registry.test/"))).toBeUndefined();
    expect(rules.choose(new URL("https://127.0.0.1:5000/"))).toBeUndefined();
    expect(() => rules.choose(new URL("https://registry.test/"))).toThrow(
      /invalid proxy URL in HTTPS_PROXY: http:\/\/\*\*\*@\[::1/,
    );
  });

  it("a variable without a scheme needs a port; with one, it is read as http (curl, Go)", () => {
    const rules = new ProxyRules({ env: { HTTP_PROXY: "garbage", HTTPS_PROXY: "proxy.test:3128" } });
    expect(rules.choose(new URL("http://127.0.0.1:5000/"))).toBeUndefined();
    expect(() => rules.choose(new URL("http://registry.test/"))).toThrow(
      /invalid proxy URL in HTTP_PROXY: garbage has no scheme and no port/,
    );
    expect(rules.choose(new URL("https://registry.test/"))?.url.href).toBe("http://proxy.test:3128/");
  });

  it("the passwords of every proxy set are the client's secrets", () => {
    expect(
      proxyPasswords({
        proxy: "http://u:a%40b@p:1",
        env: { http_proxy: "http://u:plain@p:1", HTTPS_PROXY: "https://nopassword@p:1" },
      }),
    ).toEqual(["a@b", "plain"]);
  });
});
