/**
 * Client command lines (PROTOCOL.md §1.4–§1.5): printable ASCII only, no CR, LF or NUL, at most
 * `console.max_line_len` bytes. The Queen would silently rewrite anything else (LF discards the
 * text before it, control bytes vanish, non-ASCII is double-encoded), so such lines are refused
 * before sending.
 *
 * @module
 */

import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import { LimitError, ValidationError } from "../core/errors.ts";
import { FRAME_HEADER_LEN } from "./frame.ts";

/** Describes the first byte of `text` that the console would rewrite, or `undefined`. */
export function findUnsafeConsoleChar(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0a) return "a line feed (LF)";
    if (code === 0x0d) return "a carriage return (CR)";
    if (code === 0x00) return "a NUL byte";
    if (code < 0x20 || code === 0x7f) {
      return `control character 0x${code.toString(16).padStart(2, "0")}`;
    }
    if (code > 0x7e) return `non-ASCII character ${JSON.stringify(text[i])}`;
  }
  return undefined;
}

/** Validates a console command line and returns its bytes (without framing). */
export function encodeCommandLine(line: string, defaults: CohesixDefaults = DEFAULTS): Uint8Array {
  return encodeCommandFrame(line, defaults).subarray(FRAME_HEADER_LEN);
}

/** Validates a console command line and returns it framed, ready to send. */
export function encodeCommandFrame(line: string, defaults: CohesixDefaults = DEFAULTS): Uint8Array {
  const unsafe = findUnsafeConsoleChar(line);
  if (unsafe !== undefined) {
    throw new ValidationError(`console line contains ${unsafe}`, {
      hint: "the Queen console accepts printable ASCII only; escape or remove it",
    });
  }
  const max = defaults.console.maxLineLen;
  if (line.length > max) {
    throw new LimitError(
      `console line of ${line.length} bytes exceeds console.max_line_len ${max}`,
      "console.max_line_len",
      max,
    );
  }
  // Printable ASCII: one byte per UTF-16 unit, so the frame is filled in place (one allocation).
  const frame = new Uint8Array(FRAME_HEADER_LEN + line.length);
  const length = frame.length;
  frame[0] = length & 0xff;
  frame[1] = (length >>> 8) & 0xff;
  frame[2] = (length >>> 16) & 0xff;
  frame[3] = length >>> 24;
  for (let i = 0; i < line.length; i++) frame[FRAME_HEADER_LEN + i] = line.charCodeAt(i);
  return frame;
}
