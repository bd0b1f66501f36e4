/**
 * `queen kill` (cohsh `kill`, Python `queen_kill`; OPERATIONS.md §4.5): `{"kill":"<id>"}` plus
 * `\n`, ECHOed to `/queen/ctl`. The Queen removes the worker but leaves its lease line ACTIVE.
 *
 * @module
 */

import type { Backend } from "../backends/backend.ts";
import type { CohesixDefaults } from "../core/defaults.ts";
import { ValidationError } from "../core/errors.ts";
import { ensureJsonString, validateComponent } from "../core/paths.ts";
import { normalizeEchoPayload } from "../wire/echo_payload.ts";
import { OperationRun } from "./operation_run.ts";
import type { OperationOptions } from "./remote.ts";
import { encodeUtf8 } from "./text.ts";

/** Builds the kill payload for a worker id (trimmed, checked), e.g. `{"kill":"worker-1"}\n`. */
export function buildKillPayload(workerId: string): string {
  const id = String(workerId ?? "").trim();
  if (id.length === 0) throw new ValidationError("worker id must not be empty");
  validateComponent(id);
  ensureJsonString(id, "worker id");
  return `{"kill":"${id}"}\n`;
}

/** Asks the Queen to kill worker `workerId`. */
export async function queenKill(
  backend: Backend,
  defaults: CohesixDefaults,
  workerId: string,
  options: OperationOptions = {},
): Promise<void> {
  using run = new OperationRun("queen kill", options);
  const { audit } = run;
  const payload = encodeUtf8(buildKillPayload(workerId));
  normalizeEchoPayload(payload, defaults);
  const ctl = defaults.paths.queenCtl;
  const bytes = await run.append(backend, ctl, payload);
  audit?.pushAck("OK", "ECHO", `path=${ctl} bytes=${bytes}`);
  audit?.pushLine(`kill requested worker_id=${workerId.trim()}`);
}
