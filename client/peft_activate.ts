/**
 * `peft activate` and `peft rollback` (OPERATIONS.md §4.10–§4.11), in coh's order: local
 * registry files first, then `<model>\n` ECHOed to `/gpu/models/active`. The ECHO payload is
 * checked before any local write, so a model id the console cannot carry changes nothing.
 *
 * @module
 */

import type { Backend } from "../backends/backend.ts";
import type { CohesixDefaults } from "../core/defaults.ts";
import { OperationError } from "../core/errors.ts";
import { normalizeEchoPayload } from "../wire/echo_payload.ts";
import { isFile } from "./local_files.ts";
import { validateModelId } from "./peft_import.ts";
import { loadState, manifestPathOf, type RegistryState, writeState } from "./registry_state.ts";
import { OperationRun } from "./operation_run.ts";
import type { OperationOptions } from "./remote.ts";
import { encodeUtf8 } from "./text.ts";

/** The Queen file that names the active model. */
export const MODELS_ACTIVE_PATH = "/gpu/models/active";

function requireAvailable(registryRoot: string, modelId: string): void {
  if (!isFile(manifestPathOf(registryRoot, modelId))) {
    throw new OperationError(`model ${modelId} is not available`, {
      hint: "import it with peft import first",
    });
  }
}

async function publishActive(
  backend: Backend,
  payload: Uint8Array,
  run: OperationRun,
): Promise<void> {
  const bytes = await run.append(backend, MODELS_ACTIVE_PATH, payload);
  run.audit?.pushAck("OK", "ECHO", `path=${MODELS_ACTIVE_PATH} bytes=${bytes}`);
}

/** Makes `modelId` the active model (previous := old current). */
export async function peftActivate(
  backend: Backend,
  defaults: CohesixDefaults,
  modelId: string,
  registryRoot: string,
  options: OperationOptions = {},
): Promise<RegistryState> {
  using run = new OperationRun("peft activate", options);
  const { audit } = run;
  const id = validateModelId(modelId, "model id", defaults);
  const payload = encodeUtf8(`${id}\n`);
  normalizeEchoPayload(payload, defaults);
  requireAvailable(registryRoot, id);
  const old = await loadState(registryRoot, defaults);
  const next: RegistryState = old.current
    ? { current: id, previous: old.current }
    : { current: id };
  await run.step("writing the registry state", () => writeState(registryRoot, next, defaults));
  await publishActive(backend, payload, run);
  audit?.pushLine(`peft activated model=${id}`);
  return next;
}

/** Swaps the active model back to the previous one. */
export async function peftRollback(
  backend: Backend,
  defaults: CohesixDefaults,
  registryRoot: string,
  options: OperationOptions = {},
): Promise<RegistryState> {
  using run = new OperationRun("peft rollback", options);
  const { audit } = run;
  const old = await loadState(registryRoot, defaults);
  const target = old.previous?.trim();
  if (!target) throw new OperationError("no previous model available for rollback");
  validateModelId(target, "previous model id", defaults);
  const payload = encodeUtf8(`${target}\n`);
  normalizeEchoPayload(payload, defaults);
  requireAvailable(registryRoot, target);
  const next: RegistryState = old.current
    ? { current: target, previous: old.current }
    : { current: target };
  await run.step("writing the registry state", () => writeState(registryRoot, next, defaults));
  await publishActive(backend, payload, run);
  audit?.pushLine(`peft rollback from=${old.current} to=${target}`);
  return next;
}
