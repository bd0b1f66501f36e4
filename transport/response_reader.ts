/**
 * Reading one console response (PROTOCOL.md §4.6), as a pure state machine: the connection
 * feeds it the lines it receives and it says when the response is complete, which line answers
 * the request, and what is wrong with a reply that breaks the protocol. No I/O, no timers, no
 * secrets: server text that an error would quote (an `ERR` answer, `ERR CONSOLE`) is handed
 * back to the connection, which masks it.
 *
 * @module
 */

import { ConnectionError, ProtocolError } from "../core/errors.ts";
import { listCapError, readCapError } from "../core/read_caps.ts";
import { utf8Length } from "../core/paths.ts";
import { type Ack, END_LINE, parseAck } from "../wire/ack.ts";

/**
 * How a verb's response ends (PROTOCOL.md §4.6): `stream` = `OK <V>`, body lines, `END`
 * (LS, CAT, TAIL, LOG); `ack` = the first `OK|ERR <V>` (ECHO, ATTACH); `ping` = `OK PING` and
 * `PONG`, in either order.
 */
export type ResponseShape = "stream" | "ack" | "ping";

/** One console request. */
export interface ConsoleRequest {
  /** The exact command line to send (ASCII, ≤ `console.max_line_len`, no CR/LF). */
  readonly line: string;
  /** The ack label that answers it (`LS`, `CAT`, `ECHO`, `ATTACH`, `PING`, …). */
  readonly verb: string;
  /** How the response ends. */
  readonly shape: ResponseShape;
  /** The requested path: an `OK <V>` naming another `path=` is a stale line and is skipped. */
  readonly path?: string;
  /**
   * Ack fields this request's ack must carry with these values when it carries them at all
   * (e.g. ECHO's `bytes=`): an ack naming other values answers an earlier request, so it is a
   * stale line and is skipped, like one naming another `path=`.
   */
  readonly expect?: Readonly<Record<string, string>>;
  /**
   * Most body bytes the caller will accept; default `readCaps.maxDirListBytes`. A file's body
   * counts its lines joined with `\n`; an `LS` listing counts its entry names only, as coh
   * does. A peer that sends more is cut off with a `LimitError` (the wording every backend
   * uses) and the connection is dropped, so a hostile server cannot make the client buffer
   * without bound.
   */
  readonly maxBodyBytes?: number;
}

/** A successful response: its ack and, for streams (and PING's `PONG`), its body lines. */
export interface ConsoleResponse {
  /** The `OK <V>` ack line, parsed. */
  readonly ack: Ack;
  /** Body lines in arrival order (streams: everything between the ack and `END`). */
  readonly lines: string[];
}

/** What one line did to the response being read. */
export type ResponseStep =
  /** Not complete yet: feed the next line. */
  | { readonly kind: "more" }
  /** Complete; `after` names its last part (`END`, `its ack`) for a stale-lines message. */
  | { readonly kind: "done"; readonly response: ConsoleResponse; readonly after: string }
  /** The request was answered with an `ERR` line (the verb's, `ERR PARSE` or `ERR FRAME`). */
  | { readonly kind: "refused"; readonly ack: Ack }
  /** `ERR CONSOLE`: the Queen ended the session. */
  | { readonly kind: "console-ended"; readonly line: string };

/** Reads the response to one request, line by line. */
export class ResponseReader {
  readonly #request: ConsoleRequest;
  readonly #maxBodyBytes: number;
  readonly #lines: string[] = [];
  #ack: Ack | undefined;
  #pong = false;
  #bodyBytes = 0;
  // LS announces its entry count: with it, an entry named `END` is read as an entry, and a
  // listing longer than announced is caught instead of leaving stale lines behind.
  #entries: number | undefined;
  #stallNote: string | undefined;
  #outOfStep = false;

  /** Starts reading the response to `request`, accepting at most `maxBodyBytes` of body. */
  constructor(request: ConsoleRequest, maxBodyBytes: number) {
    this.#request = request;
    this.#maxBodyBytes = request.maxBodyBytes ?? maxBodyBytes;
  }

  /** What the reply so far explains about a later timeout (e.g. a short listing), if anything. */
  get stallNote(): string | undefined {
    return this.#stallNote;
  }

  /**
   * True once the reply showed the console is out of step with the request (more lines than
   * announced): the socket works, so the connection may still say QUIT before dropping it.
   */
  get outOfStep(): boolean {
    return this.#outOfStep;
  }

  /** Feeds the next received line. Throws `ProtocolError` / `LimitError` for a bad reply. */
  push(line: string): ResponseStep {
    const request = this.#request;
    const ack = this.#ack;
    if (ack !== undefined && request.shape === "stream") return this.#body(ack, line);
    if (request.shape === "ping" && line === "PONG") {
      this.#pong = true;
      return ack === undefined
        ? { kind: "more" }
        : { kind: "done", response: { ack, lines: [line] }, after: "its ack" };
    }
    const parsed = parseAck(line);
    if (parsed === undefined) return { kind: "more" }; // A stray body line (a late PONG) first.
    if (parsed.label === "CONSOLE") return { kind: "console-ended", line };
    if (!answers(parsed, request)) return { kind: "more" };
    if (parsed.status === "ERR") return { kind: "refused", ack: parsed };
    this.#ack = parsed;
    if (request.shape === "stream" && request.verb === "LS") {
      this.#entries = announcedEntries(parsed);
    }
    if (request.shape === "ack" || (request.shape === "ping" && this.#pong)) {
      return {
        kind: "done",
        response: { ack: parsed, lines: this.#pong ? ["PONG"] : [] },
        after: "its ack",
      };
    }
    return { kind: "more" };
  }

  /** The error for a stream that ended before the response was complete. */
  end(): ConnectionError | ProtocolError {
    const { verb } = this.#request;
    if (this.#ack === undefined && !this.#pong) {
      return new ConnectionError(`the Queen closed the connection before answering ${verb}`);
    }
    return new ProtocolError(`the Queen closed the connection in the middle of the ${verb} reply`);
  }

  #body(ack: Ack, line: string): ResponseStep {
    const request = this.#request;
    const entries = this.#entries;
    const lines = this.#lines;
    if (entries !== undefined && lines.length === entries && line !== END_LINE) {
      this.#outOfStep = true;
      throw new ProtocolError(
        `the ${describeRequest(request)} reply announced entries=${entries} but sent more ` +
          "lines; the connection was dropped",
        { hint: "the server is out of step or not a Cohesix console; retry" },
      );
    }
    if (line === END_LINE && (entries === undefined || lines.length >= entries)) {
      return { kind: "done", response: { ack, lines }, after: "END" };
    }
    if (line === END_LINE) {
      this.#stallNote = `${describeRequest(request)} announced entries=${entries} and ` +
        `sent END after ${lines.length}; waiting for the rest`;
    }
    // No copy: this runs once per body line. A listing counts names, a file its joined lines.
    const listing = request.verb === "LS";
    this.#bodyBytes += utf8Length(line) + (listing || lines.length === 0 ? 0 : 1);
    if (this.#bodyBytes > this.#maxBodyBytes) {
      const path = request.path ?? request.verb;
      const hint = {
        hint: "the connection was dropped; raise the read limit if the node really is that big",
      };
      throw listing
        ? listCapError(path, this.#maxBodyBytes, "max_bytes", hint)
        : readCapError(path, this.#maxBodyBytes, "max_bytes", hint);
    }
    lines.push(line); // Body lines are opaque, even ones that look like acks.
    return { kind: "more" };
  }
}

/**
 * One request in flight means nothing may follow a complete reply. Lines already received
 * after it are stale: content that looked like protocol lines (a line `END` cuts a CAT short
 * and leaves the rest behind, §4.4) or a server out of step. The reply cannot be trusted and
 * the connection would mis-attribute those lines to the next request: this is the error.
 */
export function staleLinesError(request: ConsoleRequest, after: string): ProtocolError {
  const what = describeRequest(request);
  return new ProtocolError(
    request.shape === "stream"
      ? `the ${what} reply was followed by more lines after ${after}: the node's content ` +
        "holds lines that look like protocol lines (END, OK …, ERR …), so the reply cannot " +
        "be trusted; the connection was dropped"
      : `the ${what} reply was followed by unexpected lines after ${after}: the console is ` +
        "out of step (stale lines of an earlier reply?); the connection was dropped",
    {
      hint: request.shape === "stream"
        ? "read this node through a mounted namespace, or remove the offending lines"
        : "retry on a new connection",
    },
  );
}

/** Whether `ack` answers `request`: its verb's ack for the same path, or `ERR PARSE|FRAME`. */
export function answers(ack: Ack, request: ConsoleRequest): boolean {
  if (ack.label === request.verb) {
    // A different path= (or bytes=, …) is a stale reply to an earlier request, not ours.
    const { path, expect } = request;
    if (path !== undefined && ack.fields.path !== undefined && ack.fields.path !== path) {
      return false;
    }
    for (const [key, value] of Object.entries(expect ?? {})) {
      const field = ack.fields[key];
      if (field !== undefined && field !== value) return false;
    }
    return true;
  }
  return ack.status === "ERR" && (ack.label === "PARSE" || ack.label === "FRAME");
}

/** `LS /x` (verb and path) for messages. */
function describeRequest(request: ConsoleRequest): string {
  return request.path === undefined ? request.verb : `${request.verb} ${request.path}`;
}

/** The `entries=` count of an `OK LS` ack, when it is a plain decimal. */
function announcedEntries(ack: Ack): number | undefined {
  const text = ack.fields.entries;
  if (text === undefined || !/^\d{1,9}$/.test(text)) return undefined;
  return Number(text);
}
