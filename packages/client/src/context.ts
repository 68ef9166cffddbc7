import type { Authenticator } from "@regatta/auth";
import {
  parseReference,
  parseRepository,
  type Reference,
  type RepositoryReference,
} from "@regatta/reference";
import type { Transport } from "@regatta/transport";
import type { PaginationLimits } from "./link-header.js";

/** What every operation of a client shares. Built once by `connect`/`createClient`. */
export interface ClientContext {
  transport: Transport;
  authenticator: Authenticator;
  /** Registry that references without a host resolve to (the one given to `connect`). */
  defaultRegistry: string;
  concurrency: number;
  /** Platform chosen from indexes when a call names none, `os/arch[/variant]`. */
  platform: string;
  /** Bounds of `tags`/`catalog` pagination (link-header.ts); unset fields take the defaults. */
  pagination?: PaginationLimits;
}

/** A reference string or value, resolved against the client's registry when it names no host. */
export type ReferenceInput = string | Reference;
export type RepositoryInput = string | RepositoryReference | Reference;

export function toReference(ctx: ClientContext, input: ReferenceInput): Reference {
  return typeof input === "string" ? parseReference(input, { defaultRegistry: ctx.defaultRegistry }) : input;
}

export function toRepository(ctx: ClientContext, input: RepositoryInput): RepositoryReference {
  if (typeof input !== "string") return "repositoryOnly" in input ? input.repositoryOnly() : input;
  return parseRepository(input, { defaultRegistry: ctx.defaultRegistry });
}

/** `/v2/<name>` for a repository, the prefix of every repository-scoped endpoint. */
export function repositoryPath(repository: string): string {
  return `/v2/${repository}`;
}
