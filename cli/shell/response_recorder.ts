/**
 * What one shell command printed, and the response lines cohsh records for `.coh` scripts
 * (CLI.md §3.3): `[console]` acks are recorded without the prefix as `ack`, other lines as
 * `out`; the last response is the last ack, else the last out line; at most 8 lines of history.
 *
 * @module
 */

import { consoleLine, type ResponseRecord } from "./render.ts";

/** Most response lines a command keeps for the failure report. */
export const MAX_RESPONSE_HISTORY = 8;

/** One printed line, tagged as cohsh records it. */
export interface PrintedLine {
  /** `ack` (`[console] …`), `out` (plain), `error` (`Error: …`, never recorded). */
  readonly kind: "ack" | "out" | "error";
  /** The line as printed (with its `[console] ` or `Error: ` prefix). */
  readonly text: string;
}

/** Collects what one command prints and records. */
export class ResponseRecorder {
  /** Every printed line, in order. */
  readonly printed: PrintedLine[] = [];
  /** Recorded response lines, at most {@link MAX_RESPONSE_HISTORY}. */
  readonly history: ResponseRecord[] = [];
  /** The last response line (§3.3). */
  lastResponse: ResponseRecord | undefined;
  #fromAck = false;

  /** Prints `[console] <ack>` and records it. */
  ack(ack: string): void {
    this.printed.push({ kind: "ack", text: consoleLine(ack) });
    this.record({ source: "ack", text: ack });
  }

  /** Prints `line` and records it. */
  out(line: string): void {
    this.printed.push({ kind: "out", text: line });
    this.record({ source: "out", text: line });
  }

  /** Records a response line without printing it (self-test commands print nothing). */
  record(record: ResponseRecord): void {
    if (this.history.length >= MAX_RESPONSE_HISTORY) this.history.shift();
    this.history.push(record);
    if (record.source === "ack") {
      this.lastResponse = record;
      this.#fromAck = true;
    } else if (!this.#fromAck) {
      this.lastResponse = record;
    }
  }
}
