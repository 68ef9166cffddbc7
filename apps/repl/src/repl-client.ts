/**
 * The clients the REPL hands out: the library's RegistryClient, seen through a Proxy that makes it explorable.
 * - `inspect` also counts the image's referrers (issue 13: exploring, one wants to know an image is signed); a
 *   per-call option of the library, off there because it costs requests a script may not want;
 * - each method is a function that knows what it is (issue 14): it prints as `[regatta method copy(source, target,
 *   options?)]`, and `reg.copy.help` or `help(reg.copy)` shows its signature, options and an example;
 * - `with()` hands back such a client too.
 * Methods are bound to the client itself: its private fields are not reachable through a Proxy.
 */
import type { RegistryClient } from "@regatta/client";
import { type MethodEntry, methodEntry, methodHelp } from "./method-catalog.js";

/** Marks a function as a described client method (present.ts prints it by its entry). */
export const METHOD_ENTRY = Symbol("regatta.method");

/** Text the REPL prints as it is (help pages), rather than as a quoted string. */
export class HelpText {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** The entry a function was described with, if it is a REPL client's method. */
export function describedMethod(value: unknown): MethodEntry | undefined {
  return typeof value === "function"
    ? ((value as unknown as Record<symbol, unknown>)[METHOD_ENTRY] as MethodEntry | undefined)
    : undefined;
}

export function replClient(client: RegistryClient): RegistryClient {
  const methods = new Map<string | symbol, unknown>();
  const described = (key: string | symbol, fn: (...args: never[]) => unknown) => {
    let method = methods.get(key);
    if (!method) {
      const entry = typeof key === "string" ? methodEntry(key) : undefined;
      method = entry
        ? Object.defineProperties(fn, {
            [METHOD_ENTRY]: { value: entry },
            help: { value: new HelpText(methodHelp(entry)) },
          })
        : fn;
      methods.set(key, method);
    }
    return method;
  };
  return new Proxy(client, {
    get(target, key) {
      if (key === "inspect") {
        return described(key, ((reference, options) =>
          target.inspect(reference, { referrers: true, ...options })) as RegistryClient["inspect"]);
      }
      if (key === "with") {
        return described(key, ((changes) => replClient(target.with(changes))) as RegistryClient["with"]);
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? described(key, value.bind(target)) : value;
    },
  });
}
