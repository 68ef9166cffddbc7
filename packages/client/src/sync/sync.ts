/**
 * `reg.sync(jobs | plan, options)`: mirrors repositories and tag sets, as `skopeo sync` and regclient's `regsync`
 * do, planned first (plan.ts) and executed after (execute.ts). Given a plan from `reg.planSync`, executes that plan
 * (what a dry run showed is what runs); given jobs, plans them first.
 */
import type { ClientContext } from "../context.js";
import { executeSync } from "./execute.js";
import { planSync } from "./plan.js";
import type { SyncJob, SyncOptions, SyncPlan, SyncResult } from "./sync-types.js";

/** A job list or a plan: whichever `reg.sync` was given. */
export type SyncInput = SyncJob | readonly SyncJob[] | SyncPlan;

function isPlan(input: SyncInput): input is SyncPlan {
  return !Array.isArray(input) && "repositories" in (input as object);
}

/** Plans (unless given a plan) and executes; see the module comment. */
export async function syncImages(
  ctx: ClientContext,
  input: SyncInput,
  options: SyncOptions = {},
): Promise<SyncResult> {
  const plan = isPlan(input)
    ? input
    : await planSync(ctx, Array.isArray(input) ? input : [input as SyncJob], { ...options, dryRun: false });
  return executeSync(ctx, plan, options);
}
