/**
 * What the console server needs from the Queen namespace model (`queen/queen_namespace.ts`
 * implements it). The server owns the wire; the namespace owns every path's semantics.
 *
 * @module
 */

/** A namespace refusal, shaped like the Queen's `NamespaceError` (PROTOCOL.md §4.2.1). */
export interface NamespaceRefusal {
  /** `invalid-path`, `denied`, `invalid-payload`, `buffer-full`, `unsupported`, … */
  readonly tag: string;
  /** The path the refusal names, if any. */
  readonly path: string | undefined;
  /** `reason=` value (`policy`, `quota`, `busy`). */
  readonly reason: string;
  /** `error=` value (`invalid path`, `EPERM`, …). */
  readonly errorText: string;
  /** `false` when the line carries no `error=` (TAIL of a path kind it cannot tail). */
  readonly showError?: boolean;
}

/** The Queen namespace operations the console verbs drive. */
export interface QueenNamespacePort {
  /** Entry names of directory `path`. */
  ls(path: string): string[];
  /** Body lines of `path` and the ack's `data=` summary. */
  cat(path: string): { lines: string[]; data: string };
  /** One TAIL snapshot of `path`. */
  tail(path: string): string[];
  /** Writes `payload` to `path`; returns the ack's `bytes=`. */
  echo(path: string, payload: string): number;
  /** Appends one line to `/log/queen.log` (the server's own audit lines). */
  appendLog(line: string): void;
  /** Current lifecycle state (`ONLINE`, `DRAINING`, …). */
  readonly lifecycleState: string;
  /** Removes worker `id`. */
  killWorker(id: string): void;
  /** Runs a `/queen/ctl` JSON command; returns the new worker id. */
  spawn(json: string): string;
  /** Marks root reachable (a queen attached) or cut (a queen session dropped), §2.6. */
  setRootReachable(reachable: boolean, cutReason?: string): void;
  /** Whether root is reachable for worker sessions. */
  readonly rootReachable: boolean;
  /** Counts a console refusal in `/proc/pressure/<reason>`. */
  countRefusal(reason: "busy" | "quota" | "cut" | "policy"): void;
}

/** True if `error` is a namespace refusal (duck-typed, so any implementation qualifies). */
export function isNamespaceRefusal(error: unknown): error is NamespaceRefusal {
  if (typeof error !== "object" || error === null) return false;
  const e = error as Record<string, unknown>;
  return typeof e.tag === "string" && typeof e.reason === "string" &&
    typeof e.errorText === "string";
}
