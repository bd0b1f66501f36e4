/**
 * `--policy FILE` for the shell, its scripts and cohsh's verbs: a `cohsh_policy.toml`, loaded
 * and hash-checked as cohsh does (`--check` too: the policy must load even though nothing
 * connects). Its retry and heartbeat settings drive the console; its tail bounds drive
 * `tail --follow`. Without `--policy`, the release's built-in values apply.
 *
 * @module
 */

import { type CohesixDefaults, DEFAULTS } from "../../core/defaults.ts";
import { readNeed, requirePermissions } from "../../core/permissions.ts";
import { loadCohshPolicy } from "../../core/policy.ts";
import type { CommandContext } from "../command.ts";

/** The settings the shell takes from a cohsh policy. */
export interface ShellSettings {
  /** Bounds (retry policy and heartbeat from the policy). */
  readonly defaults: CohesixDefaults;
  /** `tail --follow` poll bounds, ms. */
  readonly tailPollMs: { readonly default: number; readonly min: number; readonly max: number };
}

/** The release's tail poll bounds (`[cohsh.tail]` of the release policy). */
export const RELEASE_TAIL_POLL_MS = { default: 1000, min: 250, max: 10000 } as const;

/** The shell's settings: the release's, or those of `--policy FILE` (hash-checked). */
export async function shellSettings(ctx: CommandContext): Promise<ShellSettings> {
  const path = ctx.globals.policy;
  if (path === undefined) return { defaults: DEFAULTS, tailPollMs: RELEASE_TAIL_POLL_MS };
  await requirePermissions([readNeed(`reading the cohsh policy ${path}`, path)]);
  const policy = await loadCohshPolicy(path);
  return {
    defaults: { ...DEFAULTS, retry: policy.retry, heartbeatIntervalMs: policy.heartbeatIntervalMs },
    tailPollMs: {
      default: policy.tail.pollMsDefault,
      min: policy.tail.pollMsMin,
      max: policy.tail.pollMsMax,
    },
  };
}
