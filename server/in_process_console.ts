/**
 * The console server's command handling without a socket: frame payloads in, the lines the
 * Queen would send out, in wire order (output lanes, late lines and all). The mock backend of
 * the CLI shell drives this, so `cohesix sh --mock` sees the same acks and bodies as a client of
 * `deno task mock-queen`, from the same code.
 *
 * @module
 */

import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import type { QueenNamespace } from "../queen/queen_namespace.ts";
import { type ParseOutcome, parsePayload } from "./command_parser.ts";
import { ConsoleSession, type QueenState, type SessionReply } from "./console_session.ts";
import { OutputLanes } from "./output_lanes.ts";
import { createQueenState } from "./queen_state.ts";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * How the Queen takes one frame payload: too long for a console line (`frame-error`, answered
 * `ERR FRAME reason=invalid-length`), not UTF-8 (`not-utf8`, the connection is closed), or
 * parsed into a command or an `ERR PARSE` message.
 */
export function classifyPayload(
  payload: Uint8Array,
  defaults: CohesixDefaults,
): ParseOutcome | "frame-error" | "not-utf8" {
  if (payload.length > defaults.console.maxLineLen) return "frame-error";
  try {
    strictUtf8.decode(payload);
  } catch {
    return "not-utf8";
  }
  return parsePayload(payload, defaults);
}

/** The frame-error reply. */
export const FRAME_ERROR_REPLY: SessionReply = {
  lines: [{ line: "ERR FRAME reason=invalid-length" }],
};

/** Options of {@link InProcessConsole}. */
export interface InProcessConsoleOptions {
  /** The namespace served (shared with whatever else uses it, e.g. a MockBackend). */
  readonly namespace: QueenNamespace;
  /** Server clock in server milliseconds; default wall time since creation. */
  readonly now?: () => number;
  /** Manifest bounds; default {@link DEFAULTS}. */
  readonly defaults?: CohesixDefaults;
}

/** One Queen whose console is reached by function calls; one connection at a time. */
export class InProcessConsole {
  readonly #queen: QueenState;
  #session: ConsoleSession | undefined;
  #lanes = new OutputLanes();

  /** Creates the console over `options.namespace`. */
  constructor(options: InProcessConsoleOptions) {
    const started = performance.now();
    this.#queen = createQueenState({
      namespace: options.namespace,
      now: options.now ?? (() => performance.now() - started),
      defaults: options.defaults ?? DEFAULTS,
    });
  }

  /** Whether a connection is open. */
  get connected(): boolean {
    return this.#session !== undefined;
  }

  /** Opens a fresh connection (already authenticated) and returns its greeting lines. */
  connect(): string[] {
    this.disconnect();
    this.#session = new ConsoleSession(this.#queen);
    this.#lanes = new OutputLanes(this.#queen.limits.dataQueueLines);
    return ["OK AUTH"];
  }

  /**
   * Handles one frame payload; returns the lines sent back in wire order and whether the Queen
   * closed the connection after them (QUIT, a non-UTF-8 payload).
   */
  exchange(payload: Uint8Array): { lines: string[]; closed: boolean } {
    const session = this.#session;
    if (session === undefined) return { lines: [], closed: true };
    const outcome = classifyPayload(payload, this.#queen.defaults);
    if (outcome === "not-utf8") {
      this.disconnect();
      return { lines: [], closed: true };
    }
    const reply = outcome === "frame-error" ? FRAME_ERROR_REPLY : session.handle(outcome);
    const lines: string[] = [];
    for (const emission of reply.lines) {
      lines.push(...this.#lanes.push(emission.line, emission.droppable ? { droppable: true } : {}));
    }
    lines.push(...this.#lanes.flush());
    if (reply.close) {
      this.#session = undefined;
      return { lines, closed: true };
    }
    if (reply.late !== undefined) lines.push(...this.#lanes.push(reply.late));
    return { lines, closed: false };
  }

  /** Ends the connection (a queen session dropped without QUIT cuts root, as live). */
  disconnect(): void {
    this.#session?.disconnected();
    this.#session = undefined;
  }
}
