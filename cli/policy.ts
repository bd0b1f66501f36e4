/**
 * `--policy FILE`: the operator's policy file, loaded and hash-checked as coh and cohsh do
 * (`core/policy.ts`: pinned SHA-256 of the raw bytes, strict TOML, manifest hash, bounds). coh's
 * verbs (`gpu`, `run`, `telemetry`, `peft`, `doctor`) take a `coh_policy.toml`; cohsh's verbs take
 * a `cohsh_policy.toml`. Without `--policy` the built-in defaults of the release apply: they are
 * the values of the pinned files, so nothing is read (and no read permission is needed).
 *
 * @module
 */

import { type CohesixDefaults, COHSH_POLICY_SHA256, DEFAULTS } from "../core/defaults.ts";
import { PolicyError } from "../core/errors.ts";
import { type PermissionNeed, readNeed } from "../core/permissions.ts";
import type { CohshPolicy } from "../core/policy.ts";
import type { GlobalOptions } from "./global_flags.ts";

/** The read permission `--policy` needs (none without it). */
export function policyNeeds(globals: GlobalOptions): PermissionNeed[] {
  return globals.policy === undefined
    ? []
    : [readNeed(`reading the policy file ${globals.policy}`, globals.policy)];
}

/** Says which policy a mismatching file is, when it is the other tool's pinned file. */
function otherKindHint(error: unknown, expected: "coh" | "cohsh", base: CohesixDefaults): unknown {
  if (!(error instanceof PolicyError)) return error;
  const got = /hash mismatch: expected \S+ got ([0-9a-f]{64})$/.exec(error.summary)?.[1];
  const other = expected === "coh" ? COHSH_POLICY_SHA256 : base.cohPolicySha256;
  if (got === undefined || got !== other.toLowerCase()) return error;
  const otherName = expected === "coh" ? "cohsh_policy.toml" : "coh_policy.toml";
  const wanted = expected === "coh" ? "coh_policy.toml" : "cohsh_policy.toml";
  return new PolicyError(error.summary, {
    cause: error,
    hint: `that file is the release's ${otherName}; this command takes ${wanted}`,
  });
}

/**
 * The bounds coh's verbs run with: `base` with the `coh.*` and `retry` values of `--policy`
 * (a `coh_policy.toml`), or `base` itself without the flag.
 */
export async function cohDefaultsOf(
  globals: GlobalOptions,
  base: CohesixDefaults = DEFAULTS,
): Promise<CohesixDefaults> {
  if (globals.policy === undefined) return base;
  try {
    // Loaded only when a policy file is given: most runs never parse TOML.
    const { loadCohPolicy } = await import("../core/policy.ts");
    return await loadCohPolicy(globals.policy, { base });
  } catch (error) {
    throw otherKindHint(error, "coh", base);
  }
}

/**
 * The `cohsh_policy.toml` given with `--policy`, or `undefined` without the flag; use
 * {@link withCohshPolicy} to apply its retry and heartbeat settings.
 */
export async function cohshPolicyOf(
  globals: GlobalOptions,
  base: CohesixDefaults = DEFAULTS,
): Promise<CohshPolicy | undefined> {
  if (globals.policy === undefined) return undefined;
  try {
    const { loadCohshPolicy } = await import("../core/policy.ts");
    return await loadCohshPolicy(globals.policy, { base });
  } catch (error) {
    throw otherKindHint(error, "cohsh", base);
  }
}

/** `base` with a cohsh policy's `[retry]` and `[heartbeat]` applied. */
export function withCohshPolicy(
  base: CohesixDefaults,
  policy: CohshPolicy | undefined,
): CohesixDefaults {
  if (policy === undefined) return base;
  return Object.freeze({
    ...base,
    retry: policy.retry,
    heartbeatIntervalMs: policy.heartbeatIntervalMs,
  });
}
