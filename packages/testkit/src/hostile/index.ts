/**
 * A hostile registry for the security suite of issue 10: a node:http server on a free 127.0.0.1 port that answers
 * like a registry out to hurt its client. Each hostility lives in its own file; add one by writing a
 * {@link HostileBehaviour} and one line in {@link HOSTILE_BEHAVIOURS}.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { echoSecrets } from "./echo-secrets.js";
import { escapes } from "./escapes.js";
import { foreignNextLink } from "./foreign-next-link.js";
import { lyingDigest } from "./lying-digest.js";
import { metadataRealm } from "./metadata-realm.js";
import { endlessPagination, repeatingNextLink } from "./paging.js";
import { tokenRedirect } from "./token-redirect.js";
import type { HostileBehaviour, HostileRequestRecord } from "./types.js";

/** Every hostility by name. */
export const HOSTILE_BEHAVIOURS = {
  "foreign-next-link": foreignNextLink,
  "endless-pagination": endlessPagination,
  "repeating-next-link": repeatingNextLink,
  "metadata-realm": metadataRealm,
  "token-redirect": tokenRedirect,
  "lying-digest": lyingDigest,
  "echo-secrets": echoSecrets,
  escapes,
} satisfies Record<string, HostileBehaviour<never>>;

export type HostileBehaviourName = keyof typeof HOSTILE_BEHAVIOURS;

/** `{ behaviour: name }` plus that behaviour's own options. */
export type HostileRegistryOptions<Name extends HostileBehaviourName = HostileBehaviourName> = {
  behaviour: Name;
} & Parameters<(typeof HOSTILE_BEHAVIOURS)[Name]>[0];

/** A running hostile registry. */
export interface HostileRegistry {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, the registry name to give a client. */
  host: string;
  /** Every request received, oldest first, headers included. */
  requests: HostileRequestRecord[];
  close(): Promise<void>;
}

/** Starts the named hostility on a free loopback port. Close it when done. */
export async function startHostileRegistry<Name extends HostileBehaviourName>(
  options: HostileRegistryOptions<Name>,
): Promise<HostileRegistry> {
  const build = HOSTILE_BEHAVIOURS[options.behaviour] as HostileBehaviour<typeof options>;
  const handle = build(options);
  const requests: HostileRequestRecord[] = [];
  let self = new URL("http://127.0.0.1/");
  const server = createServer((req, res) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    requests.push({ method: req.method ?? "GET", url: req.url ?? "/", headers });
    req.resume();
    Promise.resolve(handle(req, res, { self, url: new URL(req.url ?? "/", self), requests })).catch(
      (error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
        else res.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  self = new URL(`http://127.0.0.1:${port}`);
  return {
    url: self.origin,
    host: self.host,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export { type EchoSecretsOptions, echoBody, htmlAndDoubleBase64Spellings } from "./echo-secrets.js";
export { type EscapesOptions, TERMINAL_PAYLOADS } from "./escapes.js";
export type { ForeignNextLinkOptions } from "./foreign-next-link.js";
export { LIE_DIGEST, type LyingDigestOptions } from "./lying-digest.js";
export type { MetadataRealmOptions } from "./metadata-realm.js";
export type { EndlessPaginationOptions } from "./paging.js";
export type { TokenRedirectOptions } from "./token-redirect.js";
export type {
  HostileBehaviour,
  HostileContext,
  HostileHandler,
  HostileRequestRecord,
  SelfRelative,
} from "./types.js";
