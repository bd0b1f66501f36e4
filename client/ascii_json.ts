/**
 * JSON strings that survive the Queen console: compact `JSON.stringify` escaping, plus every
 * character outside printable ASCII written as `\uXXXX` (as Python's `ensure_ascii`). The
 * console stores only printable ASCII; any other byte would be rewritten on the way in.
 *
 * @module
 */

const NOT_PRINTABLE_ASCII = /[^\u0020-\u007e]/g;

/** Renders `value` as a JSON string literal (with quotes) using only printable ASCII. */
export function asciiJsonString(value: string): string {
  // JSON.stringify already escapes `"`, `\` and C0 controls; what is left outside 0x20–0x7e
  // (DEL, non-ASCII, lone surrogates) becomes \uXXXX, one UTF-16 unit at a time.
  return JSON.stringify(value).replace(
    NOT_PRINTABLE_ASCII,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
