/**
 * The URL a request goes to, taken the moment it is handed over: a registry's upload Location or Link, a token realm,
 * a redirect's Location. Every value `redactUrl` masks in it becomes a secret of the client, so a server that quotes
 * the URL back (a storage host's 403 echoing its presigned URL, a registry echoing a token endpoint's `code=`) has it
 * scrubbed from errors, log lines and HAR bodies as it is from the URL itself. The fragment is dropped: it is never
 * sent (https://www.rfc-editor.org/rfc/rfc9110#section-4.2.5), so a log line or HAR entry showing one would show what
 * did not go out.
 */
import { type SecretSet, urlSecrets } from "@regatta/errors";

export function requestUrl(url: URL, secrets: SecretSet): URL {
  // Whole only: a sync is sent to a presigned URL per blob, and their windows would pile up (secret-set.ts).
  for (const secret of urlSecrets(url)) secrets.add(secret, { fragments: false });
  if (!url.hash) return url;
  const sent = new URL(url.href);
  sent.hash = "";
  return sent;
}
