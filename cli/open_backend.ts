/**
 * Opening the Queen a subcommand works on, from the global flags: every permission the backend
 * and the subcommand need is checked first (one message naming each missing flag, before any
 * I/O), then the backend is opened. Close it with `await using`.
 *
 * @module
 */

import type { Backend } from "../backends/backend.ts";
import { type BackendChoice, backendNeeds, openBackend } from "../client/connect.ts";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import { type PermissionNeed, requirePermissions } from "../core/permissions.ts";
import type { CommandContext } from "./command.ts";
import { backendChoiceOf } from "./global_flags.ts";

/** Options of {@link openCliBackend}. */
export interface OpenCliBackendOptions {
  /** Further permissions the subcommand needs (files it reads or writes, programs it runs). */
  readonly needs?: readonly PermissionNeed[];
  /** The bounds in force (the release's by default). */
  readonly defaults?: CohesixDefaults;
  /** Aborts connecting. */
  readonly signal?: AbortSignal;
}

/** The backend the global flags select, opened after every permission was checked. */
export async function openCliBackend(
  ctx: CommandContext,
  options: OpenCliBackendOptions = {},
): Promise<{ backend: Backend; choice: BackendChoice }> {
  const defaults = options.defaults ?? DEFAULTS;
  const choice = backendChoiceOf(ctx.globals, defaults);
  await requirePermissions([...backendNeeds(choice), ...(options.needs ?? [])]);
  const backend = await openBackend(choice, {
    defaults,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { backend, choice };
}
