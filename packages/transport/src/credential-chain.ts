/**
 * Where a registry's credentials may go along a chain of URLs that servers chose: a redirect chain (redirect.ts) or
 * the Locations of one upload session (the client's upload-session.ts). They go only to the origin the chain started
 * at, the whole (scheme, host, port) triple of RFC 6454, and once a hop leaves it they stay dropped for the rest of
 * the chain, even when a later hop comes back: a host that is not the registry must not be able to choose, by
 * pointing back at the registry, where the registry's credentials are sent (a confused deputy).
 */
import { sentElsewhere } from "./sent-elsewhere.js";

export class CredentialChain {
  readonly #origin: string;
  /** Where the chain first left the origin; undefined while it has not. */
  #leftAt: string | undefined;

  /** A chain that starts at `start` (a URL or an origin); credentials may go there. */
  constructor(start: string | URL) {
    this.#origin = new URL(start).origin;
  }

  /** Takes the next hop of the chain; whether credentials may go with it. */
  follow(url: string | URL): boolean {
    const hop = new URL(url);
    if (hop.origin !== this.#origin && this.#leftAt === undefined)
      this.#leftAt = sentElsewhere(hop, this.#origin, "").there;
    return this.#leftAt === undefined;
  }

  /**
   * Where the chain first left the origin (its host, or its origin when only the scheme differed): a refusal of a
   * request sent without credentials for that reason names it (`withheldAfter`, the error's hint), so the hint
   * neither blames credentials that did not go nor asks for ones that would not go either.
   */
  get leftAt(): string | undefined {
    return this.#leftAt;
  }

  /** Whether a hop left the origin: nothing of the chain carries credentials any more. */
  get dropped(): boolean {
    return this.#leftAt !== undefined;
  }
}
