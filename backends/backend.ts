/**
 * The one interface every backend implements: the three primitives that every client operation
 * is built from (OPERATIONS.md §1.4), plus closing. Backends validate every path with
 * `core/paths.ts` before using it.
 *
 * @module
 */

/** Per-call options of backend primitives. */
export interface CallOptions {
  /** Aborts the call; the backend stops waiting and reports an `AbortedError`. */
  readonly signal?: AbortSignal;
  /** Overrides the backend's per-request timeout, in wall milliseconds. */
  readonly timeoutMs?: number;
}

/** A Cohesix namespace the client operations can drive. */
export interface Backend extends AsyncDisposable {
  /** Short name for messages and audit (`tcp`, `filesystem`, `mock`). */
  readonly kind: string;
  /** Lists the entry names of directory `path`, in the namespace's own order. */
  listDir(path: string, options?: CallOptions): Promise<string[]>;
  /**
   * Reads file `path`; fails with a `LimitError` naming `maxBytes` if it holds more. Over the
   * console this is the CAT body lines joined with `\n` (no trailing newline).
   */
  readFile(path: string, maxBytes: number, options?: CallOptions): Promise<Uint8Array>;
  /**
   * Appends one line to `path` and returns the caller's byte count (the payload as given,
   * including its trailing newline), as coh reports it.
   */
  writeAppend(path: string, payload: Uint8Array, options?: CallOptions): Promise<number>;
  /** Releases the backend (QUIT on TCP); idempotent. */
  close(): Promise<void>;
}
