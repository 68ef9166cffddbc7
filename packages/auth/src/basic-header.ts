import type { Credential } from "./types.js";

/** The `Authorization: Basic` value of a username and password (RFC 7617), or undefined without both. */
export function basicHeader(credential: Credential | undefined): string | undefined {
  if (!credential?.username || !credential.password) return undefined;
  // Stryker disable next-line StringLiteral: Buffer.from reads an empty encoding name as utf8, its default.
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`, "utf8").toString("base64")}`;
}
