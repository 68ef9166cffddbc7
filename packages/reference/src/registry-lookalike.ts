/**
 * Whether a name without a `/` is a registry address written alone (`localhost:5000`, `127.0.0.1:5931`,
 * `registry.local:5000`, `[::1]:5000`): docker reads the first three as the image `docker.io/library/HOST` with the
 * tag `PORT`, which no one means (`library/` holds Docker's official images, none named like a host), and refuses the
 * bracketed IPv6 one as an invalid name, so a registry was meant. The one home of this guess, for the hint that says
 * how to name a repository on that registry (`HOST:PORT/<name>`).
 */
export function isRegistryLookalike(input: string): boolean {
  if (/^\[[0-9A-Fa-f:.]+(?:%[\w.-]+)?\]:\d+$/.test(input)) return true;
  const bare = /^([^/@:]+):(\d+)$/.exec(input);
  if (!bare) return false;
  const host = bare[1]!;
  return host === "localhost" || host.includes(".");
}
