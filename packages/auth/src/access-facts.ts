import { type AccessFacts, accessOperation } from "@regatta/errors";
import { isAnonymous } from "./static-credentials.js";
import type { Credential, Scope } from "./types.js";

/**
 * What an auth failure was about, for the hint the app words (issue 10, item 16): the registry, the repository and
 * operation from the scopes, and which credentials went (none, a password, a token), never their values.
 */
export function accessFacts(
  registry: string,
  scopes: readonly Scope[],
  credential: Credential | undefined,
): AccessFacts {
  const repository = scopes.find((s) => s.type === "repository")?.name;
  const credentials =
    !credential || isAnonymous(credential)
      ? "none"
      : credential.registryToken || credential.identityToken
        ? "bearer"
        : credential.password
          ? "basic"
          : // Stryker disable next-line StringLiteral: unreachable, a credential that is not anonymous and holds no token has a password.
            "none";
  return {
    registry,
    ...(repository ? { repository } : {}),
    // Stryker disable next-line StringLiteral: the method only decides without scopes, and GET and "" both read "check".
    operation: accessOperation("GET", scopes),
    credentials,
    ...(credential?.username && credentials !== "none" ? { username: credential.username } : {}),
  };
}
