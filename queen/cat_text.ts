/**
 * How the Queen turns a node's text into CAT output (PROTOCOL.md §6.1): the body lines, and the
 * lossy `data=` summary of the `OK CAT` ack.
 *
 * @module
 */

import { utf8Length } from "../core/paths.ts";
import { QUEEN_NAMESPACE_LIMITS, type QueenNamespaceLimits } from "./queen_constants.ts";

/**
 * Splits node text into lines as the Queen does: on `\n`, removing one `\r` before each `\n`;
 * a final newline gives no empty last line, and empty text gives no lines.
 */
export function splitNodeLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((line, i) => i < lines.length - 1 || text.endsWith("\n") ? dropCr(line) : line);
}

function dropCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/**
 * The `data=` summary of `CAT path` whose candidate lines are `lines` (§6.1): walking backwards,
 * lines of at most 64 bytes that still fit in 128 bytes joined by `|` are picked, skipping lines
 * starting with `[` unless that picks nothing; with no pick, the last line; the result in file
 * order, cut to what fits in the 128-byte ack detail after `path=<p> data=`.
 */
export function catSummary(
  lines: readonly string[],
  path: string,
  limits: QueenNamespaceLimits = QUEEN_NAMESPACE_LIMITS,
): string {
  let picked = pickSummaryLines(lines, true, limits);
  if (picked.length === 0) picked = pickSummaryLines(lines, false, limits);
  const summary = picked.length > 0 ? picked.join("|") : (lines[lines.length - 1] ?? "");
  const room = limits.ackDetailBytes - "path=".length - utf8Length(path) - " data=".length;
  return truncateUtf8(summary, Math.max(0, room));
}

function pickSummaryLines(
  lines: readonly string[],
  skipBracketed: boolean,
  limits: QueenNamespaceLimits,
): string[] {
  const picked: string[] = [];
  let used = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    const size = utf8Length(line);
    if (size > limits.summaryLineBytes) continue;
    if (skipBracketed && line.startsWith("[")) continue;
    const cost = picked.length === 0 ? size : size + 1;
    if (used + cost > limits.summaryBytes) continue;
    picked.unshift(line);
    used += cost;
  }
  return picked;
}

/** The longest prefix of `text` made of whole characters whose UTF-8 size is at most `max`. */
export function truncateUtf8(text: string, max: number): string {
  if (utf8Length(text) <= max) return text;
  let out = "";
  let used = 0;
  for (const char of text) {
    const size = utf8Length(char);
    if (used + size > max) break;
    out += char;
    used += size;
  }
  return out;
}
