/**
 * Bounded remote primitives shared by the operations: a directory listing capped like coh's
 * (the sum of entry name bytes ≤ `readCaps.maxDirListBytes`, as TcpBackend also checks), and
 * the one options object every operation takes.
 *
 * @module
 */

import type { Backend, CallOptions } from "../backends/backend.ts";
import type { CohesixDefaults } from "../core/defaults.ts";
import { CohesixError, LimitError, OperationError } from "../core/errors.ts";
import { utf8Length, validateComponent } from "../core/paths.ts";
import type { CohesixAudit } from "./audit.ts";

/** The one trailing options object every client operation takes. */
export interface OperationOptions {
  /** Transcript to append to (only calls given one produce transcript lines). */
  readonly audit?: CohesixAudit;
  /** Aborts the whole operation; the backend stops waiting and reports an `AbortedError`. */
  readonly signal?: AbortSignal;
  /** Overrides the backend's per-request timeout, in wall milliseconds. */
  readonly timeoutMs?: number;
  /**
   * One deadline for the whole operation, in wall milliseconds from the call: every request
   * and retry of the operation shares it.
   */
  readonly deadlineMs?: number;
}

/** The per-request part of `options`, as each backend call takes it. */
export function callOptionsOf(options: OperationOptions): CallOptions {
  const call: { signal?: AbortSignal; timeoutMs?: number } = {};
  if (options.signal !== undefined) call.signal = options.signal;
  if (options.timeoutMs !== undefined) call.timeoutMs = options.timeoutMs;
  return call;
}

/** Lists `path`, refusing a listing whose names sum to more than `readCaps.maxDirListBytes`. */
export async function listDirBounded(
  backend: Backend,
  path: string,
  defaults: CohesixDefaults,
  options: CallOptions = {},
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

/**
 * Reads `path` with the backend's `maxBytes` cap, and names the bound the cap comes from: a
 * backend only knows `max_bytes`, the caller knows it is e.g. `read_caps.max_gpu_info_bytes`.
 */
export async function readFileCapped(
  backend: Backend,
  path: string,
  maxBytes: number,
  limit: string,
  options: CallOptions = {},
): Promise<Uint8Array> {
  try {
    return await backend.readFile(path, maxBytes, options);
  } catch (error) {
    if (error instanceof LimitError && error.limit === "max_bytes" && error.max === maxBytes) {
      throw new LimitError(error.summary, limit, maxBytes, {
        cause: error,
        hint: `the bound ${limit} is ${maxBytes} bytes`,
      });
    }
    throw error;
  }
}

/**
 * Checks a name the Queen listed under `dir` before it becomes part of a remote path or a local
 * file name: it must be one path component (no `..`, `/`, `\`, whitespace, control
 * characters). A server that lists anything else gets an `OperationError` saying so.
 */
export function listedName(name: string, dir: string): string {
  try {
    return validateComponent(name);
  } catch (error) {
    const why = error instanceof CohesixError ? error.summary : String(error);
    throw new OperationError(
      `the Queen listed ${JSON.stringify(name)} under ${dir}, which is not a valid name (${why})`,
      { cause: error, hint: "nothing was read or written for it; check the Queen's namespace" },
    );
  }
}
