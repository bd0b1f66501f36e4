/**
 * Ack line parser (PROTOCOL.md §4.1–§4.3): `OK|ERR <LABEL> [detail]`, with the detail's
 * `key=value` fields. `data=`, `payload=` and `error=` run to the end of the line; any other
 * value runs until the next `key=` token, so `detail=argument path exceeds allowed length` and
 * `error=invalid path` keep their spaces. A detail truncated by the Queen (missing fields, a
 * trailing space) parses into whatever fields survived.
 *
 * @module
 */

import type { ServerErrorFields } from "../core/errors.ts";

/** The line that ends a stream (LS, CAT, TAIL, LOG). */
export const END_LINE = "END";

/** A parsed ack line. */
export interface Ack {
  /** `OK` or `ERR`. */
  readonly status: "OK" | "ERR";
  /** The label after the status (`LS`, `CAT`, `ATTACH`, `PARSE`, `FRAME`, …). */
  readonly label: string;
  /** Everything after the label and its separating space (may be empty). */
  readonly detail: string;
  /** The detail's `key=value` fields. */
  readonly fields: Readonly<Record<string, string>>;
  /** The whole line as received. */
  readonly line: string;
}

const TO_END_OF_LINE = new Set(["data", "payload", "error"]);
const KEY = /^([a-z_][a-z0-9_]*)=/;

/** Parses the `key=value` fields of an ack detail. */
export function parseAckFields(detail: string): Record<string, string> {
  const fields: Record<string, string> = {};
  let current: string | undefined;
  let rest = detail;
  while (rest.length > 0) {
    const space = rest.indexOf(" ");
    const token = space < 0 ? rest : rest.slice(0, space);
    const match = KEY.exec(token);
    if (match) {
      const key = match[1]!;
      if (TO_END_OF_LINE.has(key)) {
        fields[key] = rest.slice(key.length + 1);
        return fields;
      }
      fields[key] = token.slice(key.length + 1);
      current = key;
    } else if (current !== undefined && token.length > 0) {
      fields[current] += ` ${token}`;
    }
    if (space < 0) break;
    rest = rest.slice(space + 1);
  }
  return fields;
}

/** Parses `line` as an ack, or returns `undefined` if it is not one (a body line). */
export function parseAck(line: string): Ack | undefined {
  let status: "OK" | "ERR";
  let rest: string;
  if (line.startsWith("OK ")) {
    status = "OK";
    rest = line.slice(3);
  } else if (line.startsWith("ERR ")) {
    status = "ERR";
    rest = line.slice(4);
  } else {
    return undefined;
  }
  const space = rest.indexOf(" ");
  const label = space < 0 ? rest : rest.slice(0, space);
  if (label.length === 0) return undefined;
  const detail = space < 0 ? "" : rest.slice(space + 1);
  return { status, label, detail, fields: parseAckFields(detail), line };
}

/** The fields of an `ERR` ack, shaped for {@link ServerErrorFields}. */
export function serverErrorFields(ack: Ack): ServerErrorFields {
  const out: ServerErrorFields = { label: ack.label, line: ack.line };
  const { reason, detail, path, error } = ack.fields;
  if (reason !== undefined) out.reason = reason;
  if (detail !== undefined) out.detail = detail;
  if (path !== undefined) out.path = path;
  if (error !== undefined) out.error = error;
  return out;
}

/** Renders an ack line: status, one space, label, and the detail only if it is non-empty. */
export function renderAck(status: "OK" | "ERR", label: string, detail?: string): string {
  return detail ? `${status} ${label} ${detail}` : `${status} ${label}`;
}
