/**
 * Telemetry push payloads (OPERATIONS.md §4.6): the ctl request `{"new":"segment","mime":…}`
 * and the record envelope `{"schema":…,"seq":n,"mime":…,"payload":…}`, each plus `\n`. Text is
 * split so every record fits one ECHO: ≤ min(`telemetry_push.max_record_bytes`,
 * `console.max_echo_len` + 1) bytes with its newline. JSON is ASCII (`\uXXXX`), because the
 * Queen console rewrites any other byte; splitting never cuts a character (cohsh's multi-byte
 * hang is not reproduced).
 *
 * @module
 */

import type { CohesixDefaults } from "../core/defaults.ts";
import { LimitError, ValidationError } from "../core/errors.ts";
import { asciiJsonString } from "./ascii_json.ts";

/** The mime type a push uses when none is given. */
export const DEFAULT_TELEMETRY_MIME = "text/plain";

/** Checks a mime type: non-empty printable ASCII without spaces, `"` or `\`. */
export function validateMime(mime: string): string {
  if (!/^[\x21-\x7e]+$/.test(mime) || /["\\]/.test(mime)) {
    throw new ValidationError(
      `telemetry mime ${JSON.stringify(mime)} is not a plain type such as text/plain`,
    );
  }
  return mime;
}

/** The ctl payload that opens a new segment, e.g. `{"new":"segment","mime":"text/plain"}\n`. */
export function buildTelemetryCtlPayload(mime: string): string {
  return `{"new":"segment","mime":${asciiJsonString(validateMime(mime))}}\n`;
}

/** One record line (with its `\n`). */
export function buildTelemetryRecord(
  schema: string,
  seq: number,
  mime: string,
  payload: string,
): string {
  return `{"schema":${asciiJsonString(schema)},"seq":${seq},"mime":${
    asciiJsonString(mime)
  },"payload":${asciiJsonString(payload)}}\n`;
}

/** The effective per-record cap and the bound it comes from. */
export function telemetryRecordCap(defaults: CohesixDefaults): { max: number; limit: string } {
  const record = defaults.telemetryPush.maxRecordBytes;
  const echo = defaults.console.maxEchoLen + 1; // the record's own newline is stripped on ECHO
  return echo < record
    ? { max: echo, limit: "console.max_echo_len" }
    : { max: record, limit: "telemetry_push.max_record_bytes" };
}

/**
 * Splits `text` into records, each the longest prefix (whole characters) whose record fits the
 * cap, `seq` from 1. Records are ASCII, so their string length is their byte length.
 */
export function buildTelemetryRecords(
  text: string,
  mime: string,
  defaults: CohesixDefaults,
): string[] {
  const { max, limit } = telemetryRecordCap(defaults);
  const schema = defaults.telemetryPush.schema;
  const chars = Array.from(text);
  const records: string[] = [];
  let index = 0;
  while (index < chars.length) {
    const seq = records.length + 1;
    const recordFor = (count: number) =>
      buildTelemetryRecord(schema, seq, mime, chars.slice(index, index + count).join(""));
    // Record size grows with the prefix, so binary-search the longest prefix that fits.
    let low = 0;
    // Every character takes at least one byte, so no record holds more than `max` of them.
    let high = Math.min(chars.length - index, max);
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (recordFor(mid).length <= max) low = mid;
      else high = mid - 1;
    }
    if (low === 0) {
      throw new LimitError(
        `telemetry record exceeds max_record_bytes ${max} (${limit})`,
        limit,
        max,
        { hint: "use a shorter mime type" },
      );
    }
    records.push(recordFor(low));
    index += low;
  }
  return records;
}
