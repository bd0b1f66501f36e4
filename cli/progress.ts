/**
 * A progress line on stderr for long work (telemetry pull of many segments, a big telemetry push,
 * peft import and export): shown only when stderr is a terminal, redrawn in place (`\r`, erase
 * line), and erased before the command prints its result, so a terminal ends with exactly what a
 * pipe would get. When stderr is not a terminal nothing at all is written.
 *
 * {@link ProgressAudit} turns an operation's transcript into progress: each line it records is
 * handed to a callback, which decides what the progress line says.
 *
 * @module
 */

import { CohesixAudit } from "../client/audit.ts";
import type { CliIo } from "./io.ts";

/** Erase the current terminal line and return to its start. */
export const ERASE_LINE = "\r\x1b[2K";

/** Widest progress text drawn, so a line never wraps on a standard terminal. */
const MAX_WIDTH = 78;

/** A redrawable status line on stderr; inert unless stderr is a terminal. */
export class ProgressLine {
  readonly #io: CliIo;
  readonly #enabled: boolean;
  #pending: Promise<void> = Promise.resolve();
  #shown = false;
  #last = "";

  /** A progress line on `io`'s stderr, drawn only when it is a terminal (and `enabled`). */
  constructor(io: CliIo, enabled = true) {
    this.#io = io;
    this.#enabled = enabled && io.isTerminal.stderr;
  }

  /** Whether anything will be drawn. */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** Redraws the line with `text` (control characters dropped, cut to the terminal width). */
  update(text: string): void {
    if (!this.#enabled) return;
    // deno-lint-ignore no-control-regex
    let clean = text.replace(/[\x00-\x1f\x7f]/g, " ");
    if (clean.length > MAX_WIDTH) clean = `${clean.slice(0, MAX_WIDTH - 1)}…`;
    if (clean === this.#last) return;
    this.#last = clean;
    this.#shown = true;
    this.#pending = this.#pending.then(() => this.#io.err(`${ERASE_LINE}${clean}`));
  }

  /** Erases the line (if one was drawn) once every redraw is written. */
  async clear(): Promise<void> {
    if (this.#shown) {
      this.#shown = false;
      this.#last = "";
      this.#pending = this.#pending.then(() => this.#io.err(ERASE_LINE));
    }
    await this.#pending;
  }
}

/** A transcript that also reports each line it records, e.g. to a {@link ProgressLine}. */
export class ProgressAudit extends CohesixAudit {
  readonly #onLine: (line: string) => void;

  /** A transcript calling `onLine` after each recorded line. */
  constructor(onLine: (line: string) => void) {
    super();
    this.#onLine = onLine;
  }

  /** Records an ack line, then reports it. */
  override pushAck(status: string, verb: string, detail?: string): void {
    super.pushAck(status, verb, detail);
    this.#onLine(this.lines[this.lines.length - 1]!);
  }

  /** Records a human line, then reports it. */
  override pushLine(line: string): void {
    super.pushLine(line);
    this.#onLine(line);
  }
}

/** `n` bytes for people: `512 B`, `1.5 KiB`, `64.0 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}
