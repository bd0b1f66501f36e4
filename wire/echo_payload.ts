/**
 * ECHO payload rules shared by every backend (PROTOCOL.md §7, OPERATIONS.md §1.4): one trailing
 * newline is stripped (as coh does), what remains must be one line of printable ASCII, non-empty,
 * at most `console.max_echo_len` bytes. The caller's byte count (newline included) is what
 * operations report.
 *
 * @module
 */

import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import { LimitError, ValidationError } from "../core/errors.ts";
import { findUnsafeConsoleChar } from "./command_line.ts";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Strips one trailing `\n` from `payload`, validates the rest, and returns it as text. */
export function normalizeEchoPayload(
  payload: Uint8Array,
  defaults: CohesixDefaults = DEFAULTS,
): string {
  const end = payload.length > 0 && payload[payload.length - 1] === 0x0a
    ? payload.length - 1
    : payload.length;
  let text: string;
  try {
    text = strictUtf8.decode(payload.subarray(0, end));
  } catch (cause) {
    throw new ValidationError("echo payload is not UTF-8 text", { cause });
  }
  if (text.includes("\n") || text.includes("\r")) {
    throw new ValidationError("echo payload must be a single line", {
      hint: "write each line with its own append",
    });
  }
  const unsafe = findUnsafeConsoleChar(text);
  if (unsafe !== undefined) {
    throw new ValidationError(`echo payload contains ${unsafe}`, {
      hint: "the Queen console stores printable ASCII only; escape it (JSON \\uXXXX) first",
    });
  }
  if (text.trim().length === 0) {
    throw new ValidationError("echo payload must not be empty");
  }
  const max = defaults.console.maxEchoLen;
  if (text.length > max) {
    throw new LimitError(
      `echo payload of ${text.length} bytes exceeds console.max_echo_len ${max}`,
      "console.max_echo_len",
      max,
    );
  }
  return text;
}
