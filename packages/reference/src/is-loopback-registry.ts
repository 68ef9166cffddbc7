/**
 * Whether a registry name (`localhost:5000`, `127.0.0.1`, `[::1]:5000`) is on the loopback interface, where plain HTTP
 * cannot be intercepted on the wire. dockerd and containerd allow http to 127.0.0.0/8 and ::1 without configuration
 * for the same reason; RFC 1918 addresses are not loopback and are not included.
 *
 * It is the one loopback test: transport uses it to allow plain http to a registry and auth to allow an http token
 * realm, both security decisions, so it checks addresses, not text. The exact name `localhost` is the exception every
 * client makes (containerd's `MatchLocalhost`, dockerd); names under `.localhost` are not loopback here even though
 * RFC 6761 §6.3 says resolvers SHOULD answer loopback for them, because that answer comes from whatever resolver the
 * machine has, and containerd does not trust them either. Mark such a registry insecure to use plain http with it.
 */
export function isLoopbackRegistry(registry: string): boolean {
  const host = hostOf(registry).toLowerCase();
  if (host === "localhost") return true;
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) return v4.slice(1).every((octet) => Number(octet) <= 255);
  const v6 = expandIPv6(host);
  if (!v6) return false;
  return v6.slice(0, 7).every((group) => group === 0) && v6[7] === 1;
}

/** The host without its port; an IPv6 host loses its brackets. */
function hostOf(registry: string): string {
  if (registry.startsWith("[")) {
    const close = registry.indexOf("]");
    return close < 0 ? registry : registry.slice(1, close);
  }
  const colon = registry.indexOf(":");
  // Two colons and no brackets: a bare IPv6 address, which has no port.
  if (colon < 0 || registry.indexOf(":", colon + 1) >= 0) return registry;
  return registry.slice(0, colon);
}

/** The eight 16-bit groups of an IPv6 address in hex notation, or undefined if it is not one. */
function expandIPv6(address: string): number[] | undefined {
  if (!/^[0-9a-f:]+$/.test(address)) return undefined;
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const parse = (half: string): number[] | undefined => {
    if (half === "") return [];
    const groups = half.split(":");
    if (groups.some((group) => !/^[0-9a-f]{1,4}$/.test(group))) return undefined;
    return groups.map((group) => Number.parseInt(group, 16));
  };
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...new Array<number>(missing).fill(0), ...tail] : undefined;
}
