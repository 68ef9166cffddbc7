/**
 * How errors name a place a registry (or a token endpoint) sent a request to, beside the one that sent it: by host,
 * or by origin when only the scheme differs. Another scheme is another origin (RFC 6454) and gets none of the
 * credentials, so naming hosts alone would read "127.0.0.1:5000 answered, where 127.0.0.1:5000 sent the request".
 */
export function sentElsewhere(
  url: URL,
  baseOrigin: string | undefined,
  sender: string,
): { there: string; sender: string } {
  if (baseOrigin === undefined || !URL.canParse(baseOrigin) || new URL(baseOrigin).host !== url.host) {
    return { there: url.host, sender };
  }
  return { there: url.origin, sender: baseOrigin };
}
