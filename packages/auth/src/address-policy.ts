/**
 * Which addresses a destination chosen by a server (a token realm, a redirect's Location, an upload Location) may
 * never reach: link-local networks and cloud metadata services. A registry, or anyone able to rewrite its answers,
 * could otherwise make this client send the user's credentials, or just a request, to the machine's metadata
 * service (server-side request forgery; issue 10, item 2). The registry the user typed is not checked: that
 * destination is the user's choice.
 *
 * Addresses, not text: `[::ffff:169.254.169.254]`, `[::ffff:a9fe:a9fe]`, `[::a9fe:a9fe]`, `0xa9fea9fe` and a host
 * name that resolves to 169.254.169.254 are all the same destination. Literals are normalised here (WHATWG URL
 * already turns `0xa9fea9fe` into `169.254.169.254`); names are checked on every address DNS answers, at connect
 * time, through {@link checkedLookup}, so the answer checked is the answer connected to (no rebinding window).
 *
 * The list, and why each entry (smallest ranges that cover the metadata services, so private networks where
 * registries legitimately live, 10/8, 172.16/12, 192.168/16, fc00::/7, keep working):
 * - 169.254.0.0/16 and fe80::/10: link-local (RFC 3927, RFC 4291). AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
 *   and Hetzner serve metadata at 169.254.169.254, AWS ECS task credentials at 169.254.170.2; nothing a registry
 *   may send a client to lives on a link-local address.
 * - fd00:ec2::254/128: AWS's IPv6 instance metadata (Nitro instances), the one ULA address known to be a metadata
 *   service; the rest of fc00::/7 is ordinary private address space.
 * - 100.100.100.200/32: Alibaba Cloud's metadata service (inside 100.64.0.0/10, carrier-grade NAT space that is
 *   otherwise ordinary, so only this address).
 * - 192.0.0.192/32: Oracle Cloud's legacy metadata address.
 * - 168.63.129.16/32: Azure's WireServer, which hands out the VM agent's and extensions' configuration (Azure
 *   advises blocking it for non-root processes); a public address that no registry redirects to.
 * Every IPv4 entry is also refused in the IPv6 spellings that reach or embed it ({@link embeddedIpv4}): IPv4-mapped
 * (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2), IPv4-compatible (`::a.b.c.d`, deprecated but still parsed), SIIT's
 * IPv4-translated (`::ffff:0:a.b.c.d`, RFC 7915 §1.3 after RFC 2765), NAT64 with the well-known prefix
 * (`64:ff9b::a.b.c.d`) and the local-use one (`64:ff9b:1::/48`, RFC 8215, at each position RFC 6052 §2.2 allows for
 * a /48, /56, /64 or /96 inside it), 6to4 (`2002:AABB:CCDD::`, RFC 3056) and Teredo (`2001:0::/32`, whose last 32
 * bits are the client's IPv4 with every bit flipped, RFC 4380 §4).
 *
 * Loopback (127.0.0.0/8, ::1, and 0.0.0.0/8 and ::, which reach this machine too, in every spelling above) is refused
 * unless a registry the user named is itself on this machine ({@link LoopbackTrust}): a token server next to a
 * registry on 127.0.0.1 is normal in development and tests, but a remote registry that names 127.0.0.1:2375 (a Docker
 * daemon), a kubelet or an admin port is server-side request forgery towards this machine, and a realm there would
 * get the user's Basic credentials.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from "node:dns";
import { BlockList, isIPv4 } from "node:net";

/** The `code` of the error a refused connection fails with; the transport maps it to a typed ProtocolError. */
export const FORBIDDEN_ADDRESS = "ERR_REGATTA_FORBIDDEN_ADDRESS";

interface Range {
  network: string;
  prefix: number;
  family: "ipv4" | "ipv6";
  why: string;
}

const IPV4_RANGES: Range[] = [
  {
    network: "169.254.0.0",
    family: "ipv4",
    prefix: 16,
    why: "a link-local address (where cloud metadata services live)",
  },
  { network: "100.100.100.200", family: "ipv4", prefix: 32, why: "Alibaba Cloud's metadata service" },
  { network: "192.0.0.192", family: "ipv4", prefix: 32, why: "Oracle Cloud's metadata service" },
  { network: "168.63.129.16", family: "ipv4", prefix: 32, why: "Azure's WireServer" },
];

const IPV6_RANGES: Range[] = [
  { network: "fe80::", family: "ipv6", prefix: 10, why: "an IPv6 link-local address" },
  { network: "fd00:ec2::254", family: "ipv6", prefix: 128, why: "AWS's IPv6 metadata service" },
];

/** This machine: loopback, and the unspecified addresses, which Linux and macOS connect to this machine too. */
const LOOPBACK_RANGES: Range[] = [
  { network: "127.0.0.0", family: "ipv4", prefix: 8, why: "loopback" },
  { network: "0.0.0.0", family: "ipv4", prefix: 8, why: "this host" },
  { network: "::1", family: "ipv6", prefix: 128, why: "loopback" },
  { network: "::", family: "ipv6", prefix: 128, why: "unspecified" },
];

/**
 * 4 or 6 for an IPv4 or IPv6 literal (no brackets, no zone), 0 for anything else: `net.isIP` without its IPv6
 * regular expression, whose first use costs 30–40 ms on Node 20 (measured; `regatta manifest REF` paid it on every
 * run). WHATWG URL's host parser (C++) accepts the same IPv6 literals (RFC 4291 §2.2, a dotted IPv4 tail included;
 * a property test checks the two agree); a name never holds a colon.
 */
export function ipFamily(text: string): 0 | 4 | 6 {
  if (!text.includes(":")) return isIPv4(text) ? 4 : 0;
  if (/[[\]/%#?@\s]/.test(text)) return 0;
  try {
    new URL(`http://[${text}]/`);
    return 6;
  } catch {
    return 0;
  }
}

/** The 16 bytes of an IPv6 address `ipFamily` accepted (no zone, no brackets; a dotted IPv4 tail allowed). */
function ipv6Bytes(ip: string): number[] {
  // A dotted IPv4 tail (`::ffff:169.254.169.254`) is its two last groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  const group = (hi: string, lo: string) => ((Number(hi) << 8) | Number(lo)).toString(16);
  const text = dotted
    ? `${ip.slice(0, dotted.index)}${group(dotted[1]!, dotted[2]!)}:${group(dotted[3]!, dotted[4]!)}`
    : ip;
  const [head = "", tail] = text.split("::");
  const groups = (part: string) => (part ? part.split(":") : []);
  const zeros = tail === undefined ? [] : Array(8 - groups(head).length - groups(tail).length).fill("0");
  const all = [...groups(head), ...zeros, ...groups(tail ?? "")];
  return all.flatMap((group) => {
    const value = Number.parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

const dottedQuad = (bytes: number[]) => bytes.join(".");

/**
 * The IPv4 addresses an IPv6 address reaches or embeds, by its prefix (see the list above); none for any other.
 * The local-use NAT64 prefix may be split at a /48, /56, /64 or /96 (RFC 6052 §2.2: bits 64–71 are always zero and
 * never part of the IPv4), and which one a network uses cannot be told from the address: every reading is returned,
 * so a forbidden one among them refuses the address.
 */
export function embeddedIpv4(ip: string): string[] {
  const b = ipv6Bytes(ip);
  const startsWith = (prefix: number[]) => prefix.every((byte, i) => b[i] === byte);
  const zero = (n: number) => Array(n).fill(0);
  const last = b.slice(12);
  const out: string[] = [];
  if (startsWith([...zero(10), 0xff, 0xff])) out.push(dottedQuad(last)); // ::ffff:a.b.c.d
  if (startsWith(zero(12))) out.push(dottedQuad(last)); // ::a.b.c.d
  if (startsWith([...zero(8), 0xff, 0xff, 0, 0])) out.push(dottedQuad(last)); // ::ffff:0:a.b.c.d
  if (startsWith([0, 0x64, 0xff, 0x9b, ...zero(8)])) out.push(dottedQuad(last)); // 64:ff9b::a.b.c.d
  if (startsWith([0, 0x64, 0xff, 0x9b, 0, 1])) {
    // 64:ff9b:1::/48 split at /48, /56, /64 and /96 (byte 8 is the zero "u" octet).
    out.push(
      dottedQuad([b[6]!, b[7]!, b[9]!, b[10]!]),
      dottedQuad([b[7]!, b[9]!, b[10]!, b[11]!]),
      dottedQuad(b.slice(9, 13)),
      dottedQuad(last),
    );
  }
  if (startsWith([0x20, 0x02])) out.push(dottedQuad(b.slice(2, 6))); // 2002:AABB:CCDD::
  if (startsWith([0x20, 0x01, 0, 0])) out.push(dottedQuad(last.map((byte) => byte ^ 0xff))); // Teredo
  return out;
}

/** A range list as block lists, built on first use: a command that never meets a server-chosen destination skips it. */
function blockLists(ranges: Range[]): () => { list: BlockList; why: string }[] {
  let built: { list: BlockList; why: string }[] | undefined;
  return () => {
    built ??= ranges.map((range) => {
      const list = new BlockList();
      list.addSubnet(range.network, range.prefix, range.family);
      return { list, why: range.why };
    });
    return built;
  };
}
const reasons = blockLists([...IPV4_RANGES, ...IPV6_RANGES]);
const loopbackReasons = blockLists(LOOPBACK_RANGES);

/** Why `address` (IP literal, brackets and zone allowed) is in one of `lists`, itself or the IPv4 it embeds. */
function matchAddress(address: string, lists: () => { list: BlockList; why: string }[]): string | undefined {
  const bare = address.replace(/^\[|\]$/g, "");
  // Stryker disable next-line Regex: `.` stops at a line break either way and `.*` runs to the end, so `/%.*/` is the same.
  const ip = bare.replace(/%.*$/, "");
  const family = ipFamily(ip);
  // Stryker disable next-line ConditionalExpression: BlockList.check is false for a name too; returning early says so.
  if (family === 0) return undefined;
  const type = family === 4 ? "ipv4" : "ipv6";
  const own = lists().find((r) => r.list.check(ip, type))?.why;
  if (own || family === 4) return own;
  for (const ipv4 of embeddedIpv4(ip)) {
    const why = lists().find((r) => r.list.check(ipv4, "ipv4"))?.why;
    if (why) return why;
  }
  return undefined;
}

/**
 * Why `address` (an IP literal, IPv6 with or without brackets) may not be reached from a destination a server
 * chose, or undefined when it may. Names (not IP literals) are undefined here: their addresses are checked when
 * they are resolved ({@link checkedLookup}). Loopback is not in it: see {@link loopbackAddress}.
 */
export function forbiddenAddress(address: string): string | undefined {
  return matchAddress(address, reasons);
}

/**
 * Whether `address` (an IP literal, brackets and zone allowed) is this machine in any spelling: 127.0.0.0/8, ::1,
 * 0.0.0.0/8, ::, and the IPv6 forms that embed one of the IPv4 ones (`::ffff:127.0.0.1`, `2002:7f00:1::`, …).
 */
export function loopbackAddress(address: string): boolean {
  return matchAddress(address, loopbackReasons) !== undefined;
}

/**
 * `localhost` or a name under `.localhost` (lower-case, no trailing dot): names that always mean this machine
 * (RFC 6761 §6.3), whatever DNS would say.
 */
function isLocalhostName(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost");
}

/**
 * Whether a host (a URL's hostname: IP literal with or without brackets, or a name; any case, a trailing dot allowed)
 * is this machine by what it says, without asking DNS: an address {@link loopbackAddress} knows, in any spelling
 * (0.0.0.0/8, `::` and the IPv6 embeddings included), `localhost` or a name under `.localhost`. The one rule for
 * "this machine": the loopback trust reads it for the registries the user named, and the proxy choice reads it to
 * keep such destinations off a proxy (whose own machine they would reach, in plain http).
 */
export function hostIsThisMachine(host: string): boolean {
  const bare = host.toLowerCase().replace(/\.$/, "");
  return isLocalhostName(bare) || loopbackAddress(bare);
}

/** The host of a `host[:port]` registry name or an origin's host, without port or brackets, lower-cased. */
function bareHost(host: string): string {
  const h = host.toLowerCase();
  if (h.startsWith("[")) return h.slice(1, Math.max(1, h.indexOf("]")));
  const colon = h.indexOf(":");
  // Two colons and no brackets: a bare IPv6 address, which has no port.
  return colon < 0 || h.indexOf(":", colon + 1) >= 0 ? h : h.slice(0, colon);
}

/**
 * Whether the registries the user named are on this machine, which decides whether a server may send this client
 * to a loopback address. By address, not text: a registry is on this machine when its host is a loopback literal
 * (any spelling {@link loopbackAddress} knows), `localhost` or a name under `.localhost` (RFC 6761 §6.3), or a name
 * every address of which is loopback (`myregistry.test` in /etc/hosts → 127.0.0.1). Names are resolved only when a
 * loopback destination is met, once each.
 */
export class LoopbackTrust {
  readonly #registries: () => Iterable<string>;
  readonly #lookup: typeof dnsLookup | undefined;
  readonly #answers = new Map<string, Promise<boolean>>();

  /**
   * `registries`: the hosts (`host[:port]`) of the registries the user named, read each time it is asked. `lookup`:
   * `dns.lookup` unless given, read only when a name is resolved: the CLI's bundle loads node:dns on first use, and a
   * registry named by address never needs it (bench/README.md, "Start-up").
   */
  constructor(registries: () => Iterable<string> = () => [], lookup?: typeof dnsLookup) {
    this.#registries = registries;
    this.#lookup = lookup;
  }

  /** Whether one registry host (`host[:port]`) is on this machine. */
  onThisMachine(registry: string): Promise<boolean> {
    const host = bareHost(registry);
    let answer = this.#answers.get(host);
    if (!answer) {
      answer = this.#resolve(host);
      this.#answers.set(host, answer);
    }
    return answer;
  }

  /**
   * Whether loopback destinations are expected: a registry the user named is on this machine, or none was named yet
   * (a request the caller made directly, such as `Transport.authSend` to a URL of its own, was chosen by no server).
   */
  async allowed(): Promise<boolean> {
    const registries = [...this.#registries()];
    if (registries.length === 0) return true;
    const answers = await Promise.all(registries.map((r) => this.onThisMachine(r)));
    return answers.includes(true);
  }

  /** The registries the user named, for the refusal's message. */
  registries(): string[] {
    return [...new Set(this.#registries())];
  }

  #resolve(host: string): Promise<boolean> {
    if (hostIsThisMachine(host)) return Promise.resolve(true);
    // Any other address is not this machine; only a name is worth resolving.
    if (ipFamily(host)) return Promise.resolve(false);
    return new Promise((resolve) =>
      (this.#lookup ?? dnsLookup)(host, { all: true }, (err, addresses) =>
        resolve(!err && addresses.length > 0 && addresses.every((a) => loopbackAddress(a.address))),
      ),
    );
  }
}

/** The error a loopback destination fails with when no registry the user named is on this machine. */
export function loopbackRefusalError(host: string, address: string, registries: string[]): Error {
  const shown = host === address ? address : `${host} (${address})`;
  const named =
    registries.length === 1
      ? `registry ${registries[0]} (not on this machine) chose this destination`
      : `a registry chose this destination and none of ${registries.join(", ")} is on this machine`;
  return Object.assign(
    new Error(`refusing to connect to ${shown}: it is a loopback address on this machine, and ${named}`),
    { code: FORBIDDEN_ADDRESS },
  );
}

/** The error a refused destination fails with (turned into a typed ProtocolError by the transport). */
export function forbiddenAddressError(host: string, address: string, why: string): Error {
  const shown = host === address ? address : `${host} (${address})`;
  return Object.assign(
    new Error(`refusing to connect to ${shown}: it is ${why}, and a registry chose this destination`),
    { code: FORBIDDEN_ADDRESS },
  );
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** The shape of `dns.lookup` that `net.connect({ lookup })` calls. */
export type LookupFunction = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

/**
 * A `dns.lookup` for `net.connect`/`tls.connect` (undici's `connect.lookup`) that resolves every address of the
 * name and fails with {@link FORBIDDEN_ADDRESS} when any of them is forbidden, or, given `loopback`, is on this
 * machine while no registry the user named is: one poisoned answer among good ones would otherwise be tried by
 * happy eyeballs. Node skips `lookup` for IP literals, so callers check those with {@link forbiddenAddress} and
 * {@link loopbackAddress} first.
 */
export function checkedLookup(
  lookup: typeof dnsLookup = dnsLookup,
  loopback?: LoopbackTrust,
): LookupFunction {
  return (hostname, options, callback) => {
    const all: LookupAllOptions = { ...options, all: true };
    lookup(hostname, all, (err, addresses) => {
      if (err) return callback(err, []);
      for (const { address } of addresses) {
        const why = forbiddenAddress(address);
        if (why) return callback(forbiddenAddressError(hostname, address, why) as NodeJS.ErrnoException, []);
      }
      const answer = () => {
        if (options.all) return callback(null, addresses);
        const first = addresses[0];
        if (!first)
          return callback(Object.assign(new Error(`${hostname}: no address`), { code: "ENOTFOUND" }), []);
        callback(null, first.address, first.family);
      };
      const local = addresses.find(({ address }) => loopbackAddress(address));
      if (!loopback || !local) return answer();
      loopback.allowed().then((allowed) => {
        if (allowed) return answer();
        const error = loopbackRefusalError(hostname, local.address, loopback.registries());
        callback(error as NodeJS.ErrnoException, []);
      });
    });
  };
}
