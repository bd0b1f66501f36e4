/**
 * How a failure reaches the page: the `CohesixError`'s message and hint (the client layers keep
 * both free of the token and tickets), never a stack; anything else as an unexpected failure
 * naming only its kind.
 *
 * @module
 */

import { CohesixError } from "../../core/errors.ts";
import type { ShownError } from "./hive_snapshot.ts";

/** The page's form of `error`. */
export function shownError(error: unknown): ShownError {
  if (error instanceof CohesixError) return { message: error.summary, hint: error.hint ?? null };
  const kind = error instanceof Error ? error.name : typeof error;
  return {
    message: `unexpected failure (${kind})`,
    hint: "run cohesix ui with -v and see its stderr; please report it",
  };
}
