/**
 * The Queen's two outbound lanes (PROTOCOL.md §4.4–§4.5). Lines starting `OK ` or `ERR `, or
 * exactly `END`, go to the priority lane; everything else to the data lane. Queuing a priority
 * line flushes at once: priority lines leave first, except that an `END` waits until the data
 * lane is empty. Data lines wait for the next flush. So acks overtake body lines that were
 * produced before them (PING → `OK PING`, `PONG`), and body lines that look like protocol lines
 * are reordered exactly as on the live Queen. Empty or whitespace-only lines are never sent.
 *
 * Pure: the lanes return the lines to send; the caller writes them.
 *
 * @module
 */

import { END_LINE } from "../wire/ack.ts";
import { QUEEN_LIMITS } from "./queen_limits.ts";

/** True for lines that travel in the priority lane. */
export function isPriorityLine(line: string): boolean {
  return line === END_LINE || line.startsWith("OK ") || line.startsWith("ERR ");
}

/** How a data line is queued. */
export interface QueueOptions {
  /**
   * `true` for non-streaming emitters (HELP, CACHELOG, …): a full data lane drops the line.
   * Streams (the default) never lose lines: a full lane is flushed first.
   */
  readonly droppable?: boolean;
}

/** The two outbound lanes of one console connection. */
export class OutputLanes {
  readonly #priority: string[] = [];
  readonly #data: string[] = [];
  readonly #dataCapacity: number;

  /** Creates empty lanes; `dataCapacity` defaults to the Queen's 8 lines. */
  constructor(dataCapacity: number = QUEEN_LIMITS.dataQueueLines) {
    this.#dataCapacity = dataCapacity;
  }

  /** Lines waiting in the data lane. */
  get pendingData(): number {
    return this.#data.length;
  }

  /** Queues `line` and returns whatever must be sent now, in order. */
  push(line: string, options: QueueOptions = {}): string[] {
    if (line.trim().length === 0) return [];
    if (isPriorityLine(line)) {
      this.#priority.push(line);
      return this.flush();
    }
    const out: string[] = [];
    if (this.#data.length >= this.#dataCapacity) {
      if (options.droppable) return out;
      out.push(...this.flush());
    }
    this.#data.push(line);
    return out;
  }

  /** Empties both lanes in send order and returns the lines. */
  flush(): string[] {
    const out: string[] = [];
    while (this.#priority.length > 0) {
      if (this.#priority[0] === END_LINE && this.#data.length > 0) {
        out.push(...this.#data.splice(0));
        continue;
      }
      out.push(this.#priority.shift()!);
    }
    out.push(...this.#data.splice(0));
    return out;
  }
}
