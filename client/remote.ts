/**
 * Bounded remote primitives shared by the operations: a directory listing capped like coh's
 * (the sum of entry name bytes ≤ `readCaps.maxDirListBytes`, as TcpBackend also checks), and the per-call options every
 * operation forwards to its backend.
 *
 * @module
 */

import type { Backend, CallOptions } from "../backends/backend.ts";
import type { CohesixDefaults } from "../core/defaults.ts";
import { LimitError } from "../core/errors.ts";
import { utf8Length } from "../core/paths.ts";

/** Options every operation accepts and forwards to each backend call. */
export type OperationOptions = CallOptions;

/** Lists `path`, refusing a listing whose names sum to more than `readCaps.maxDirListBytes`. */
export async function listDirBounded(
  backend: Backend,
  path: string,
  defaults: CohesixDefaults,
  options: OperationOptions = {},
): Promise<string[]> {
  const entries = await backend.listDir(path, options);
  const max = defaults.readCaps.maxDirListBytes;
  let total = 0;
  for (const entry of entries) total += utf8Length(entry);
  if (total > max) {
    throw new LimitError(
      `list ${path} exceeds max bytes ${max} (entry names total ${total} bytes)`,
      "read_caps.max_dir_list_bytes",
      max,
    );
  }
  return entries;
}
