/**
 * `lifecycle <cmd>` as cohsh does it (CLI.md §2.4): read `/proc/lifecycle/state`, refuse a
 * transition the Queen would deny before sending anything, else ECHO the command to
 * `/queen/lifecycle/ctl`.
 *
 * @module
 */

import type { Backend } from "../backends/backend.ts";
import type { CohesixDefaults } from "../core/defaults.ts";
import { OperationError, ValidationError } from "../core/errors.ts";
import { OperationRun } from "./operation_run.ts";
import type { OperationOptions } from "./remote.ts";
import { decodeUtf8, encodeUtf8 } from "./text.ts";

/** The lifecycle commands cohsh accepts (case-sensitive). */
export const LIFECYCLE_COMMANDS = ["cordon", "drain", "resume", "quiesce", "reset"] as const;

/** One lifecycle command. */
export type LifecycleCommand = typeof LIFECYCLE_COMMANDS[number];

/** The Queen's lifecycle states. */
export const LIFECYCLE_STATES = [
  "BOOTING",
  "ONLINE",
  "DEGRADED",
  "DRAINING",
  "QUIESCED",
  "OFFLINE",
] as const;

/** One lifecycle state. */
export type LifecycleState = typeof LIFECYCLE_STATES[number];

/** Where the state is read from. */
export const LIFECYCLE_STATE_PATH = "/proc/lifecycle/state";

// Small: the file is one `state=<S>` line; the misc read cap keeps a hostile reply bounded.
const STATE_READ_CAP = 4096;

/** Whether cohsh allows `command` from `state` (its transition table). */
export function lifecycleAllowed(command: LifecycleCommand, state: LifecycleState): boolean {
  switch (command) {
    case "cordon":
      return state === "ONLINE" || state === "DEGRADED";
    case "drain":
      return state === "DRAINING";
    case "resume":
      return state !== "ONLINE";
    case "quiesce":
      return state === "ONLINE" || state === "DEGRADED" || state === "DRAINING";
    case "reset":
      return state !== "BOOTING";
  }
}

/** The state named by the first `state=<S>` line of `text`, or `undefined`. */
export function parseLifecycleState(text: string): LifecycleState | undefined {
  for (const line of text.split("\n")) {
    const match = /^state=([A-Z]+)$/.exec(line.trim());
    const state = match?.[1] as LifecycleState | undefined;
    if (state !== undefined && LIFECYCLE_STATES.includes(state)) return state;
  }
  return undefined;
}

/** Checks a command word (case-sensitive, as cohsh). */
export function parseLifecycleCommand(word: string): LifecycleCommand {
  const command = LIFECYCLE_COMMANDS.find((candidate) => candidate === word);
  if (command === undefined) throw new ValidationError(`unknown lifecycle command '${word}'`);
  return command;
}

/** Reads the lifecycle state (`CAT /proc/lifecycle/state`). */
export async function readLifecycleState(
  backend: Backend,
  options: OperationOptions = {},
): Promise<LifecycleState> {
  using run = new OperationRun("lifecycle state", options);
  return await readStateIn(run, backend);
}

async function readStateIn(run: OperationRun, backend: Backend): Promise<LifecycleState> {
  const { audit } = run;
  const bytes = await run.read(
    backend,
    LIFECYCLE_STATE_PATH,
    STATE_READ_CAP,
    "lifecycle state read cap",
  );
  audit?.pushAck("OK", "CAT", `path=${LIFECYCLE_STATE_PATH}`);
  const state = parseLifecycleState(decodeUtf8(bytes, LIFECYCLE_STATE_PATH));
  if (state === undefined) {
    throw new OperationError(`lifecycle state not found at ${LIFECYCLE_STATE_PATH}`, {
      hint: "the Queen did not report state=<STATE>; check that it is a Cohesix Queen",
    });
  }
  return state;
}

/**
 * Sends a lifecycle command after cohsh's transition check; a denied transition sends nothing and
 * fails with cohsh's text `lifecycle transition denied: state=<S> action=<cmd>`.
 */
export async function lifecycleControl(
  backend: Backend,
  defaults: CohesixDefaults,
  command: LifecycleCommand,
  options: OperationOptions = {},
): Promise<LifecycleState> {
  using run = new OperationRun(`lifecycle ${command}`, options);
  const { audit } = run;
  const checked = parseLifecycleCommand(command);
  const state = await readStateIn(run, backend);
  if (!lifecycleAllowed(checked, state)) {
    audit?.pushAck(
      "ERR",
      "LIFECYCLE",
      `action=${checked} state=${state} reason=invalid-transition`,
    );
    throw new OperationError(`lifecycle transition denied: state=${state} action=${checked}`, {
      hint: "nothing was sent; see the allowed transitions in cohsh's lifecycle help",
    });
  }
  const ctl = defaults.paths.queenLifecycleCtl;
  const bytes = await run.append(backend, ctl, encodeUtf8(`${checked}\n`));
  audit?.pushAck("OK", "ECHO", `path=${ctl} bytes=${bytes}`);
  audit?.pushLine(`lifecycle ${checked} requested from state=${state}`);
  return state;
}
