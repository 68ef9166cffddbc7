import { ProtocolError } from "@regatta/errors";
import type { Scope } from "./types.js";

/**
 * Parses one token scope, `resourcetype:resourcename:action[,action…]`
 * (https://distribution.github.io/distribution/spec/auth/scope/). The type is everything before the first colon and
 * the actions everything after the last, so a name holding a colon (`repository:localhost:5000/a:pull`, which some
 * token servers produce) survives. Throws {@link ProtocolError} when a part is missing.
 */
export function parseScope(text: string): Scope {
  const first = text.indexOf(":");
  const last = text.lastIndexOf(":");
  // Stryker disable next-line ConditionalExpression: with one colon the name below is empty and refused there too; this states why.
  if (first <= 0 || last === first) throw new ProtocolError(`malformed token scope "${text}"`);
  const type = text.slice(0, first);
  const name = text.slice(first + 1, last);
  if (!name) throw new ProtocolError(`malformed token scope "${text}"`);
  const actions = text
    .slice(last + 1)
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean);
  return { type, name, actions };
}

/**
 * Parses the value of a challenge's `scope` parameter, which may list several scopes separated by spaces
 * (https://distribution.github.io/distribution/spec/auth/token/#requesting-a-token).
 */
export function parseScopes(text: string): Scope[] {
  // Stryker disable next-line Regex: /\s/ leaves empty strings between runs of spaces, which filter(Boolean) drops.
  const parts = text.split(/\s+/);
  return parts.filter(Boolean).map((s) => parseScope(s));
}

/** Formats a scope as the token server expects it: `repository:library/alpine:pull,push`. */
export function formatScope(scope: Scope): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(",")}`;
}

/** A `repository` scope for `repo` (default action `pull`). */
export function repositoryScope(repo: string, actions: readonly string[] = ["pull"]): Scope {
  return { type: "repository", name: repo, actions: [...actions] };
}

/**
 * The token actions of a push (`pull,push`): every request that writes a repository (an upload, a manifest PUT) asks
 * them, and so does a push's or copy's look at its target (a HEAD there), so one token serves the look and the
 * write and a refusal names the push. The one home of that list; {@link pushScope} makes the scope.
 */
export const PUSH_ACTIONS: readonly string[] = Object.freeze(["pull", "push"]);

/** The `repository` scope of a push to `repo`: {@link PUSH_ACTIONS} (`repository:REPO:pull,push`). */
export function pushScope(repo: string): Scope {
  return repositoryScope(repo, PUSH_ACTIONS);
}

/**
 * The union of scope lists: one scope per resource (type and name), with the union of its actions, sorted and
 * de-duplicated. Resources keep the order in which they were first seen, because some token servers look only at
 * the first `scope` parameter (noted in go-containerregistry's bearer transport), so callers put the scope a
 * registry asked for first.
 */
export function mergeScopes(...groups: readonly (readonly Scope[])[]): Scope[] {
  const byResource = new Map<string, { type: string; name: string; actions: Set<string> }>();
  for (const group of groups) {
    for (const scope of group) {
      const key = `${scope.type}\u0000${scope.name}`;
      let entry = byResource.get(key);
      if (!entry) {
        entry = { type: scope.type, name: scope.name, actions: new Set() };
        byResource.set(key, entry);
      }
      for (const action of scope.actions) entry.actions.add(action);
    }
  }
  return [...byResource.values()].map((e) => ({
    type: e.type,
    name: e.name,
    actions: [...e.actions].sort(),
  }));
}

/**
 * A stable string for a set of scopes, independent of the order of resources and actions: the cache key part of
 * a token request. `scopeKey([pull,push on a])` equals `scopeKey([push on a, pull on a])`.
 */
export function scopeKey(scopes: readonly Scope[]): string {
  return mergeScopes(scopes)
    .map((s) => formatScope(s))
    .sort()
    .join(" ");
}

/**
 * Whether a token granted for `granted` is enough for `wanted`: every wanted resource is granted with every wanted
 * action, or with `*`.
 */
export function scopesCover(granted: readonly Scope[], wanted: readonly Scope[]): boolean {
  const merged = mergeScopes(granted);
  return mergeScopes(wanted).every((w) => {
    const g = merged.find((s) => s.type === w.type && s.name === w.name);
    if (!g) return false;
    return g.actions.includes("*") || w.actions.every((a) => g.actions.includes(a));
  });
}
