/**
 * Opening the Queen a subcommand works on, from the global flags: every permission the backend,
 * the policy file and the subcommand need is checked first (one message naming each missing
 * flag, before any I/O), then `--policy` is loaded and hash-checked, then the backend is opened
 * with the bounds in force. Close it with `await using`.
 *
 * @module
 */

import type { Backend } from "../backends/backend.ts";
import { type BackendChoice, backendNeeds, openBackend } from "../client/connect.ts";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import { type PermissionNeed, requirePermissions } from "../core/permissions.ts";
import type { CommandContext } from "./command.ts";
import { backendChoiceOf } from "./global_flags.ts";
import { cohDefaultsOf, cohshPolicyOf, policyNeeds, withCohshPolicy } from "./policy.ts";

/**
 * Which tool's policy file `--policy` names for a subcommand; `applied` when the caller has
 * loaded it already and passes the resulting `defaults`.
 */
export type PolicyKind = "coh" | "cohsh" | "applied";

/** Options of {@link openCliBackend}. */
export interface OpenCliBackendOptions {
  /** Further permissions the subcommand needs (files it reads or writes, programs it runs). */
  readonly needs?: readonly PermissionNeed[];
  /** Which policy `--policy` is (`coh` by default). */
  readonly policy?: PolicyKind;
  /** The bounds the policy applies to (the release's by default). */
  readonly defaults?: CohesixDefaults;
  /** Aborts connecting. */
  readonly signal?: AbortSignal;
  /** Called once the permissions are checked and the policy loaded, before connecting. */
  readonly beforeConnect?: () => void;
}

/** What {@link openCliBackend} opened. */
export interface OpenedBackend {
  /** The backend; close it with `await using` or `close()`. */
  readonly backend: Backend;
  /** The backend the flags selected. */
  readonly choice: BackendChoice;
  /** The bounds in force (the policy's, or the release's). */
  readonly defaults: CohesixDefaults;
}

/** The permissions a subcommand needs with the backend the flags select. */
export function cliNeeds(
  ctx: CommandContext,
  needs: readonly PermissionNeed[] = [],
  defaults: CohesixDefaults = DEFAULTS,
): PermissionNeed[] {
  return [
    ...backendNeeds(backendChoiceOf(ctx.globals, defaults)),
    ...policyNeeds(ctx.globals),
    ...needs,
  ];
}

/** The bounds a subcommand runs with: `--policy` (of `kind`) applied to `base`. */
export async function cliDefaults(
  ctx: CommandContext,
  kind: PolicyKind = "coh",
  base: CohesixDefaults = DEFAULTS,
): Promise<CohesixDefaults> {
  switch (kind) {
    case "coh":
      return await cohDefaultsOf(ctx.globals, base);
    case "cohsh":
      return withCohshPolicy(base, await cohshPolicyOf(ctx.globals, base));
    case "applied":
      return base;
  }
}

/** The backend the global flags select, opened after every permission was checked. */
export async function openCliBackend(
  ctx: CommandContext,
  options: OpenCliBackendOptions = {},
): Promise<OpenedBackend> {
  const base = options.defaults ?? DEFAULTS;
  await requirePermissions(cliNeeds(ctx, options.needs, base));
  const defaults = await cliDefaults(ctx, options.policy, base);
  // The policy's retry settings apply unless --timeout-s/--max-retries say otherwise.
  const choice = backendChoiceOf(ctx.globals, defaults);
  options.beforeConnect?.();
  const backend = await openBackend(choice, {
    defaults,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { backend, choice, defaults };
}
