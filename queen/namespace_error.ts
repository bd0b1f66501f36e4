/**
 * The Queen's namespace refusal (PROTOCOL.md §4.2.1): a tag, the `reason=` it maps to, and the
 * `error=` text. It is the server side of a failure, not a `CohesixError`: the in-repo server
 * renders it as an `ERR` line, and `MockBackend` turns that line into the `CommandError` the TCP
 * path would raise.
 *
 * @module
 */

import { QUEEN_NAMESPACE_LIMITS } from "./queen_constants.ts";

/** Namespace error tags (PROTOCOL.md §4.2.1). */
export type NamespaceErrorTag =
  | "invalid-path"
  | "denied"
  | "invalid-payload"
  | "buffer-full"
  | "unsupported";

/** Options of a {@link NamespaceError}. */
export interface NamespaceErrorOptions {
  /** The path to report as `path=` (omitted from the line when undefined). */
  path?: string | undefined;
  /** For `unsupported`: the command named in `error=unsupported command: <x>`. */
  command?: string;
  /** `false` drops the `error=` field, as TAIL does for a path kind it cannot tail. */
  showError?: boolean;
}

const REASONS: Record<NamespaceErrorTag, "policy" | "quota"> = {
  "invalid-path": "policy",
  "denied": "policy",
  "invalid-payload": "policy",
  "buffer-full": "quota",
  "unsupported": "policy",
};

const encoder = new TextEncoder();

/** A refusal by the Queen's namespace, rendered like the live Queen renders it. */
export class NamespaceError extends Error {
  /** The detail tag (`detail=<tag>`). */
  readonly tag: NamespaceErrorTag;
  /** The path reported as `path=`, if any. */
  readonly path: string | undefined;
  /** `reason=`: `quota` for `buffer-full`, `policy` otherwise. */
  readonly reason: "policy" | "quota" | "busy";
  /** `error=` text: `invalid path`, `EPERM`, `invalid payload`, `buffer full`, `unsupported command: <x>`. */
  readonly errorText: string;
  /** Whether the rendered line carries `error=` (TAIL of an untailable path has none). */
  readonly showError: boolean;

  /** Creates a refusal with tag `tag`. */
  constructor(tag: NamespaceErrorTag, options: NamespaceErrorOptions = {}) {
    const errorText = errorTextOf(tag, options.command);
    super(`${tag}${options.path === undefined ? "" : ` ${options.path}`}: ${errorText}`);
    this.name = "NamespaceError";
    this.tag = tag;
    this.path = options.path;
    this.reason = REASONS[tag];
    this.errorText = errorText;
    this.showError = options.showError ?? true;
  }

  /** The same refusal reported for `path` (e.g. `/queen/ctl` for a ctl command). */
  withPath(path: string | undefined): NamespaceError {
    const options: NamespaceErrorOptions = { path, showError: this.showError };
    if (this.tag === "unsupported") options.command = this.errorText.slice(21);
    return new NamespaceError(this.tag, options);
  }

  /**
   * The live `ERR` line for verb label `label`, e.g.
   * `ERR CAT reason=policy detail=invalid-path path=/x error=invalid path`. The detail is
   * formatted piece by piece into the Queen's 128-byte buffer twice, so a long path drops the
   * pieces that do not fit (PROTOCOL.md §4.3).
   */
  toErrLine(label: string, detailBytes: number = QUEEN_NAMESPACE_LIMITS.ackDetailBytes): string {
    const pieces = ["detail=", this.tag];
    if (this.path !== undefined) pieces.push(" path=", this.path);
    if (this.showError) pieces.push(" error=", this.errorText);
    const detail = fitPieces(pieces, detailBytes);
    return `ERR ${label} ${fitPieces(["reason=", this.reason, " ", detail], detailBytes)}`;
  }
}

function errorTextOf(tag: NamespaceErrorTag, command: string | undefined): string {
  switch (tag) {
    case "invalid-path":
      return "invalid path";
    case "denied":
      return "EPERM";
    case "invalid-payload":
      return "invalid payload";
    case "buffer-full":
      return "buffer full";
    case "unsupported":
      return `unsupported command: ${command ?? ""}`;
  }
}

/** Joins pieces until one does not fit in `capacity` bytes; it and the rest are lost. */
function fitPieces(pieces: readonly string[], capacity: number): string {
  let out = "";
  let used = 0;
  for (const piece of pieces) {
    const size = encoder.encode(piece).length;
    if (used + size > capacity) break;
    out += piece;
    used += size;
  }
  return out;
}
