/**
 * The one wording of a read above its cap, whichever backend (console, mount, mock) or layer
 * (the console's response reader, the backend, the client's bounded listing) notices it first,
 * so the same over-large node fails with the same message everywhere.
 *
 * @module
 */

import { type CohesixErrorOptions, LimitError } from "./errors.ts";

/**
 * `read <path> exceeds max bytes <max>`: a file holding more than the caller's `max` bytes.
 * `limit` names the bound (`max_bytes` when the caller did not say which).
 */
export function readCapError(
  path: string,
  max: number,
  limit = "max_bytes",
  options: CohesixErrorOptions = {},
): LimitError {
  return new LimitError(`read ${path} exceeds max bytes ${max}`, limit, max, options);
}

/**
 * `list <path> exceeds max bytes <max>`: a listing whose entry names (without separators, as
 * coh counts them) sum to more than `max` bytes.
 */
export function listCapError(
  path: string,
  max: number,
  limit = "max_bytes",
  options: CohesixErrorOptions = {},
): LimitError {
  return new LimitError(`list ${path} exceeds max bytes ${max}`, limit, max, options);
}
