/**
 * The operation transcript ("audit", OPERATIONS.md §1.6 and §9.1): the ack lines an operation
 * synthesises after each primitive succeeds, interleaved with its human lines. Only calls given
 * an audit produce lines; the golden-transcript comparison keeps just the ack lines.
 *
 * @module
 */

import { ValidationError } from "../core/errors.ts";
import { renderAck } from "../wire/ack.ts";

/** Collects transcript lines, as the Python `CohesixAudit` and coh's transcript do. */
export class CohesixAudit {
  /** Every line pushed so far, in order. */
  readonly lines: string[] = [];

  /**
   * Appends an ack line: `OK|ERR <VERB>` plus ` <detail>` when the detail is non-empty.
   * `status` is case-insensitive; anything but OK/ERR is a `ValidationError`.
   */
  pushAck(status: string, verb: string, detail?: string): void {
    const upper = String(status).toUpperCase();
    if (upper !== "OK" && upper !== "ERR") {
      throw new ValidationError(`status must be OK or ERR (got ${JSON.stringify(status)})`);
    }
    this.lines.push(renderAck(upper, verb, detail));
  }

  /** Appends a human line (e.g. `gpu id=GPU-0 ...`) as is. */
  pushLine(line: string): void {
    this.lines.push(line);
  }

  /** Appends several lines in order. */
  extend(lines: Iterable<string>): void {
    for (const line of lines) this.lines.push(line);
  }

  /** The golden-transcript form of these lines (see {@link toTranscript}). */
  toTranscript(): string {
    return toTranscript(this.lines);
  }
}

/**
 * Keeps the lines a golden transcript compares (OPERATIONS.md §9.1): `END`, and lines starting
 * with `OK ` or `ERR ` except `OK AUTH…`/`ERR AUTH…`. Human lines are dropped.
 */
export function normalizeTranscript(lines: readonly string[]): string[] {
  return lines.filter((line) => {
    if (line === "END") return true;
    if (line.startsWith("OK AUTH") || line.startsWith("ERR AUTH")) return false;
    return line.startsWith("OK ") || line.startsWith("ERR ");
  });
}

/** The kept lines of {@link normalizeTranscript} joined with `\n`, plus a final `\n`. */
export function toTranscript(lines: readonly string[]): string {
  return `${normalizeTranscript(lines).join("\n")}\n`;
}
