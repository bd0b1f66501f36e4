/**
 * Range checks for the integer arguments of operations (coh parses them as u8/u32/u64), with
 * messages that name the argument and its range.
 *
 * @module
 */

import { ValidationError } from "../core/errors.ts";

/** Largest value of each unsigned width this client accepts (u64 is capped to safe integers). */
export const UINT_MAX = {
  u8: 0xff,
  u32: 0xffff_ffff,
  u64: Number.MAX_SAFE_INTEGER,
} as const;

/** An unsigned integer width. */
export type UintWidth = keyof typeof UINT_MAX;

/** Checks that `value` is an integer in `0..=max(width)` and returns it. */
export function checkUint(name: string, value: unknown, width: UintWidth): number {
  const max = UINT_MAX[width];
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    throw new ValidationError(
      `${name} must be an integer in 0..=${max} (${width}); got ${String(value)}`,
    );
  }
  return value;
}
