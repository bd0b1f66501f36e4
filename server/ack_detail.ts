/**
 * Ack detail formatting with the Queen's silent truncation (PROTOCOL.md §4.3): a detail is
 * written piece by piece (each literal and each value of a format string) into a fixed buffer;
 * the first piece that does not fit is dropped together with everything after it. Refusals are
 * formatted a second time as `reason=<r> <detail>`, so a long detail can vanish entirely and
 * leave `reason=policy ` with its trailing space.
 *
 * @module
 */

import { utf8Length } from "../core/paths.ts";
import { QUEEN_LIMITS } from "./queen_limits.ts";

/** Joins `pieces` until one does not fit in `capacity` bytes; that one and the rest are lost. */
export function formatDetail(
  pieces: readonly string[],
  capacity: number = QUEEN_LIMITS.ackDetailBytes,
): string {
  let out = "";
  let used = 0;
  for (const piece of pieces) {
    const size = utf8Length(piece);
    if (used + size > capacity) break;
    out += piece;
    used += size;
  }
  return out;
}

/** Pieces of a namespace-style refusal detail: `detail=<tag>[ path=<p>][ error=<msg>]`. */
export function refusalPieces(
  tag: string | undefined,
  fields: { readonly path?: string | undefined; readonly error?: string | undefined } = {},
): string[] {
  const pieces: string[] = [];
  if (tag !== undefined) pieces.push("detail=", tag);
  if (fields.path !== undefined) pieces.push(pieces.length ? " path=" : "path=", fields.path);
  if (fields.error !== undefined) pieces.push(pieces.length ? " error=" : "error=", fields.error);
  return pieces;
}

/**
 * Renders a refusal line `ERR <label> reason=<reason> <detail>`, applying both formatting
 * passes of the Queen.
 */
export function renderRefusal(
  label: string,
  reason: string,
  detailPieces: readonly string[],
  capacity: number = QUEEN_LIMITS.ackDetailBytes,
): string {
  const detail = formatDetail(detailPieces, capacity);
  return `ERR ${label} ${formatDetail(["reason=", reason, " ", detail], capacity)}`;
}

/** Renders a success ack `OK <label>[ <detail>]` from detail pieces. */
export function renderOk(
  label: string,
  detailPieces: readonly string[] = [],
  capacity: number = QUEEN_LIMITS.ackDetailBytes,
): string {
  const detail = formatDetail(detailPieces, capacity);
  return detail.length > 0 ? `OK ${label} ${detail}` : `OK ${label}`;
}
