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
import { listCapError, readCapError } from "../core/read_caps.ts";
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
   * One deadline for the whole operation, in wall milliseconds from the call: every request,
   * retry, reconnect and local step shares it, and when it passes the operation ends with an
   * `OperationDeadlineError` naming what was in progress. No deadline when absent.
   */
  readonly deadlineMs?: number;
}

/** Lists `path`, refusing a listing whose names sum to more than `readCaps.maxDirListBytes`. */
export async function listDirBounded(
  backend: Backend,
  path: string,
  defaults: CohesixDefaults,
  options: CallOptions = {},
): Promise<string[]> {
  const max = defaults.readCaps.maxDirListBytes;
  const limit = "read_caps.max_dir_list_bytes";
  let entries: string[];
  try {
    entries = await backend.listDir(path, options);
  } catch (error) {
    // A console backend stops reading at the same bound; name it as the other backends do.
    if (error instanceof LimitError && error.limit === "max_bytes" && error.max === max) {
      throw listCapError(path, max, limit, {
        cause: error,
        hint: `the bound ${limit} is ${max} bytes`,
      });
    }
    throw error;
  }
  let total = 0;
  for (const entry of entries) total += utf8Length(entry);
  if (total > max) {
    throw listCapError(path, max, limit, {
      hint: `the entry names total ${total} bytes; the bound ${limit} is ${max} bytes`,
    });
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
      throw readCapError(path, maxBytes, limit, {
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
