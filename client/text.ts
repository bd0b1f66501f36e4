/**
 * Text helpers shared by the operations (OPERATIONS.md §3): strict UTF-8 decoding and the
 * "last non-empty line" rule used for leases, status, `latest` and `active`.
 *
 * @module
 */

import { OperationError } from "../core/errors.ts";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/** Decodes UTF-8 strictly; `what` names the content in the error (e.g. `lease file`). */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return strictUtf8.decode(bytes);
  } catch (cause) {
    throw new OperationError(`${what} is not UTF-8`, { cause });
  }
}

/** Encodes text as UTF-8. */
export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The trimmed lines of `text` that are not empty, in order. */
export function nonEmptyLines(text: string): string[] {
  return text.split(/\r?\n|\r/).map((line) => line.trim()).filter((line) => line.length > 0);
}

/** The last non-empty trimmed line of `text`, or `undefined` if there is none. */
export function lastNonEmptyLine(text: string): string | undefined {
  const lines = nonEmptyLines(text);
  return lines[lines.length - 1];
}

/** The first non-empty trimmed line of `text`, or `undefined` if there is none. */
export function firstNonEmptyLine(text: string): string | undefined {
  return nonEmptyLines(text)[0];
}
