/**
 * Why a token cannot be sent as it is in an `Authorization: Bearer` header, or undefined when it can.
 *
 * undici refuses a header value with a control character (CR, LF, NUL: RFC 9110 §5.5 forbids them, and a CR LF would
 * split the request) or a character above U+00FF, and sends U+0080–U+00FF as single Latin-1 bytes, so a token a JSON
 * answer or a config file gave as UTF-8 would arrive altered; a receiving parser strips whitespace at either end
 * (OWS). None of these can be the token the server issued (RFC 6750 §2.1's b64token is visible ASCII), and left to
 * undici the refusal comes out of the request as if the registry were unreachable. So a token is checked where it
 * enters (a token answer, a credential source) and refused there, naming where it came from; the token itself is
 * never quoted.
 */
export function unsendableTokenReason(token: string): string | undefined {
  if (/[\x00-\x1f\x7f]/.test(token)) return "it contains control characters (CR, LF, NUL…)";
  if (/[^\x20-\x7e]/.test(token)) return "it contains non-ASCII characters";
  if (token.trim() !== token) return "it starts or ends with whitespace";
  return undefined;
}
