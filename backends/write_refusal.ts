/**
 * Diagnosing a refused write: the Queen answers a write it will not take with EPERM whatever the
 * reason, and the reason is usually not the request. When it is the Queen's lifecycle state
 * (`/proc/lifecycle/state` not ONLINE: every new lease, run breadcrumb or telemetry segment is
 * refused until an operator resumes it) or the role and ticket the console is attached with,
 * the error says that, and what lifts it.
 *
 * @module
 */

import {
  type CohesixError,
  CommandError,
  type ServerErrorFields,
  WriteRefusedError,
} from "../core/errors.ts";

/** Where the Queen publishes its lifecycle state (`state=<STATE>`). */
export const LIFECYCLE_STATE_PATH = "/proc/lifecycle/state";

/** The state in which the Queen takes every write its policy allows. */
const ONLINE = "ONLINE";

/** What {@link explainRefusedWrite} needs to know about the backend. */
export interface RefusalContext {
  /** The console role (`queen`, `worker-heartbeat`, …); `queen` for backends without one. */
  readonly role: string;
  /** Whether a ticket was presented at ATTACH. */
  readonly hasTicket: boolean;
  /** Reads `/proc/lifecycle/state` (any failure means: unknown). */
  readLifecycleState(): Promise<Uint8Array>;
}

/**
 * Whether `error` is the Queen refusing a write with EPERM: `error=EPERM`, or its `denied` tag
 * (`reason=policy detail=denied`, which a role refusal carries without `error=`).
 */
export function isRefusedWrite(error: unknown): error is CommandError {
  if (!(error instanceof CommandError) || error.verb !== "ECHO") return false;
  const { server } = error;
  return server.error === "EPERM" || (server.reason === "policy" && server.detail === "denied");
}

/** `QUIESCED` from `state=QUIESCED`; `undefined` when unreadable or not of that shape. */
async function lifecycleStateOf(context: RefusalContext): Promise<string | undefined> {
  try {
    const text = new TextDecoder().decode(await context.readLifecycleState());
    return /^state=([A-Z_]+)$/m.exec(text.trim())?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Explains the Queen's EPERM refusal of a write to `path`: a {@link WriteRefusedError} when the
 * lifecycle state (not ONLINE) or a non-queen role is the reason, else `error` unchanged.
 */
export async function explainRefusedWrite(
  error: CohesixError,
  path: string,
  context: RefusalContext,
): Promise<CohesixError> {
  const state = await lifecycleStateOf(context);
  const server = serverFieldsOf(error, path);
  if (state !== undefined && state !== ONLINE) {
    return new WriteRefusedError(
      `the Queen refused the write to ${path} (EPERM) because its lifecycle state is ${state}: ` +
        `it takes new leases, runs and telemetry only when ${ONLINE}`,
      server,
      { why: "lifecycle", lifecycleState: state },
      {
        cause: error,
        hint: "an operator lifts it with `lifecycle resume` (cohsh; on the wire: ECHO " +
          "/queen/lifecycle/ctl resume); /proc/lifecycle/reason says why it changed",
      },
    );
  }
  if (context.role !== "queen") {
    const who = context.hasTicket
      ? `the role ${context.role} and its ticket do`
      : `the role ${context.role} does`;
    return new WriteRefusedError(
      `the Queen refused the write to ${path} (EPERM): ${who} not allow writing there`,
      server,
      { why: "role", ...(state === undefined ? {} : { lifecycleState: state }) },
      {
        cause: error,
        hint: "attach as queen (--role queen), or use a ticket whose scope covers this path",
      },
    );
  }
  return error;
}

/**
 * The Queen's refusal as `ERR` fields: its own line over the console, else (a mount turns it
 * into the operating system's EPERM) the OS message with `error=EPERM`.
 */
function serverFieldsOf(error: CohesixError, path: string): ServerErrorFields {
  if (error instanceof CommandError) return error.server;
  return { label: "ECHO", path, error: "EPERM", line: error.summary };
}
