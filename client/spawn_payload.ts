/**
 * The end every `/queen/ctl` spawn payload shares (a GPU lease and a heartbeat worker alike):
 * the optional `"budget"` object, the closing brace, the `console.max_json_len` bound and the
 * trailing newline — one place, so both spawns are bounded and shaped the same way.
 *
 * @module
 */

import type { CohesixDefaults } from "../core/defaults.ts";
import { LimitError } from "../core/errors.ts";
import { utf8Length } from "../core/paths.ts";
import { checkUint } from "./integers.ts";

/** A worker budget; the object is sent only when a field is given. */
export interface SpawnBudget {
  /** Budget TTL in seconds (u64). */
  readonly budgetTtlS?: number;
  /** Budget operations (u64). */
  readonly budgetOps?: number;
}

/**
 * Closes `json` (the payload's fields so far, without its `}`): adds the budget object, checks
 * the whole against `console.max_json_len` and returns it with its `\n`. `labels` name the budget
 * fields in error messages as the caller's command line names them.
 */
export function finishSpawnPayload(
  json: string,
  budget: SpawnBudget,
  defaults: CohesixDefaults,
  labels: { readonly ttlS: string; readonly ops: string },
): string {
  const fields: string[] = [];
  if (budget.budgetTtlS !== undefined) {
    fields.push(`"ttl_s":${checkUint(labels.ttlS, budget.budgetTtlS, "u64")}`);
  }
  if (budget.budgetOps !== undefined) {
    fields.push(`"ops":${checkUint(labels.ops, budget.budgetOps, "u64")}`);
  }
  const payload = `${json}${fields.length > 0 ? `,"budget":{${fields.join(",")}}` : ""}}`;
  const max = defaults.console.maxJsonLen;
  const length = utf8Length(payload);
  if (length > max) {
    throw new LimitError(
      `spawn payload of ${length} bytes exceeds console.max_json_len ${max}`,
      "console.max_json_len",
      max,
    );
  }
  return `${payload}\n`;
}
