import { afterAll, beforeAll } from "vitest";
import {
  type RegistryAuth,
  type RunningRegistry,
  type StartRegistryOptions,
  startRegistry,
} from "./start-registry.js";

/**
 * Starts a registry in vitest's `beforeAll` and stops it in `afterAll`, for the enclosing `describe` (or file).
 * Returns a stand-in whose properties read the running registry; reading one outside a test or hook throws.
 *
 * @example
 * describe("pull", () => {
 *   const registry = useRegistry("token");
 *   it("pings", async () => expect((await fetch(`${registry.url}/v2/`)).status).toBe(401));
 * });
 */
export function useRegistry(options: RegistryAuth | StartRegistryOptions = {}): RunningRegistry {
  const resolved: StartRegistryOptions = typeof options === "string" ? { auth: options } : options;
  let running: RunningRegistry | undefined;
  beforeAll(async () => {
    running = await startRegistry(resolved);
  });
  afterAll(async () => {
    await running?.stop();
    running = undefined;
  });
  return new Proxy({} as RunningRegistry, {
    get(_target, property) {
      if (!running) {
        throw new Error(
          `useRegistry: registry.${String(property)} read before beforeAll ran (or after afterAll)`,
        );
      }
      return Reflect.get(running, property);
    },
  });
}
