/**
 * Regatta's version, as `regatta --version` prints it: the client's (one version for every published package).
 * A module of its own so that the bundle can inline the string (apps/cli/build.mjs): start-up then reads no part of
 * the client.
 */
export { VERSION } from "@regatta/client";
