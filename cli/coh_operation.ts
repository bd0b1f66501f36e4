/**
 * How `cohesix` runs one of coh's operations (`gpu`, `run`, `telemetry pull`, `peft`) and prints
 * it as coh does (CLI.md §5.2, OPERATIONS.md §1.6): the transcript (ack lines and human lines,
 * byte for byte) on stdout when the operation ends; on failure the transcript so far, then
 * `ERR <VERB> reason=<message>` on stdout, then the failure line and hint on stderr, exit 1.
 * Failures before the operation starts (usage, permissions, the policy file) print no `ERR`
 * line, as coh prints none for a policy failure. With `--json`: one JSON document on stdout
 * (the command's fields plus `transcript`), or the JSON error object on stderr.
 *
 * Ctrl-C aborts the operation cleanly (the backend is closed, the transcript so far printed);
 * `--deadline-s` bounds it as a whole (connecting included): the abort signal of every call
 * fires when it passes, and the failure says which limit it was.
 *
 * @module
 */

import { deadlineSignal } from "../core/deadline_signal.ts";
import type { Backend } from "../backends/backend.ts";
import type { CohesixAudit } from "../client/audit.ts";
import { CohesixClient } from "../client/client.ts";
import type { OperationOptions } from "../client/remote.ts";
import type { CohesixDefaults } from "../core/defaults.ts";
import { CohesixError, CohesixTimeoutError, OperationError } from "../core/errors.ts";
import { type PermissionNeed, requirePermissions, toPermissionError } from "../core/permissions.ts";
import type { CommandContext } from "./command.ts";
import { cliDefaults, openCliBackend } from "./open_backend.ts";
import { policyNeeds } from "./policy.ts";
import { ProgressAudit, ProgressLine } from "./progress.ts";
import { reportFailure } from "./report.ts";

/** What an operation body gets. */
export interface OperationContext {
  /** The client over the selected backend (a local-only stand-in for `remote: false`). */
  readonly client: CohesixClient;
  /** The bounds in force (`--policy`, else the release's). */
  readonly defaults: CohesixDefaults;
  /** The transcript; pass it (in `options`) to every client call. */
  readonly audit: CohesixAudit;
  /** Audit, abort signal (Ctrl-C) and deadline, ready to pass to a client method. */
  readonly options: OperationOptions;
  /** The progress line (inert unless stderr is a terminal). */
  readonly progress: ProgressLine;
}

/** One of coh's operations as a `cohesix` subcommand runs it. */
export interface CohOperation<T> {
  /** The verb of coh's failure line (`GPU`, `RUN`, `TELEMETRY`, `PEFT`). */
  readonly verb: string;
  /** The subcommand as typed (`gpu list`), for messages. */
  readonly command: string;
  /** Permissions the operation needs besides the backend's and the policy file's. */
  readonly needs?: readonly PermissionNeed[];
  /** Whether it talks to the Queen (`peft import` does not: no backend is opened). */
  readonly remote?: boolean;
  /** Whether it shows a progress line on a terminal. */
  readonly progress?: boolean;
  /** Whether `--deadline-s` bounds it (not `run`, whose command runs as long as it needs). */
  readonly deadline?: boolean;
  /** coh's failure line for `error` (default `ERR <verb> reason=<message>`). */
  readonly failureLine?: (error: unknown) => string;
  /** Called with each transcript line as it is recorded (progress updates). */
  readonly onLine?: (line: string, progress: ProgressLine) => void;
  /** The operation itself. */
  readonly run: (op: OperationContext) => Promise<T>;
  /** The command's fields of the `--json` document (`transcript` is added). */
  readonly json: (result: T) => Record<string, unknown>;
}

/** A backend for operations that never reach the Queen: any call is a bug, said plainly. */
const LOCAL_ONLY: Backend = {
  kind: "local",
  listDir: () => Promise.reject(localOnly()),
  readFile: () => Promise.reject(localOnly()),
  writeAppend: () => Promise.reject(localOnly()),
  close: () => Promise.resolve(),
  [Symbol.asyncDispose]: () => Promise.resolve(),
};

function localOnly(): OperationError {
  return new OperationError("this operation is local and does not talk to the Queen");
}

/**
 * coh's failure line: `ERR <verb> [<detail> ]reason=<message>`, the outermost message on one
 * line (CR and LF become spaces, as cohsh does).
 */
export function cohFailureLine(verb: string, error: unknown, detail?: string): string {
  const message = error instanceof CohesixError
    ? error.summary
    : error instanceof Error
    ? error.message
    : String(error);
  const prefix = detail ? `${detail} ` : "";
  return `ERR ${verb} ${prefix}reason=${message.replace(/[\r\n]/g, " ")}`;
}

/** Runs `operation` for `ctx` and returns the exit status; never throws. */
export async function runCohOperation<T>(
  ctx: CommandContext,
  operation: CohOperation<T>,
): Promise<number> {
  const { io, globals } = ctx;
  const progress = new ProgressLine(io, operation.progress === true);
  const audit = new ProgressAudit((line) => operation.onLine?.(line, progress));
  const failureContext = { io, globals, commandName: operation.command };
  using interrupt = io.trapInterrupt();
  // --deadline-s: one timer for the whole operation (connecting included), besides Ctrl-C;
  // disposed when the command ends (core/deadline_signal.ts says why it is not a setTimeout).
  using limit = operation.deadline === false ? undefined : deadlineSignal(globals.deadlineMs);
  const deadline = limit?.signal;
  const signal = deadline === undefined ? interrupt : AbortSignal.any([interrupt, deadline]);
  let started = false;
  let backend: Backend | undefined;
  try {
    let defaults: CohesixDefaults;
    if (operation.remote === false) {
      await requirePermissions([...policyNeeds(globals), ...(operation.needs ?? [])]);
      defaults = await cliDefaults(ctx, "coh");
      started = true;
    } else {
      const opened = await openCliBackend(ctx, {
        needs: operation.needs ?? [],
        policy: "coh",
        signal,
        beforeConnect: () => started = true,
      });
      backend = opened.backend;
      defaults = opened.defaults;
    }
    // The deadline is both the signal (so connecting is bounded too, and the failure names
    // --deadline-s) and the operation's own `deadlineMs`.
    const options: OperationOptions = {
      audit,
      signal,
      ...(operation.deadline === false ? {} : { deadlineMs: globals.deadlineMs }),
    };
    const client = new CohesixClient(backend ?? LOCAL_ONLY, defaults);
    const result = await operation.run({ client, defaults, audit, options, progress });
    await progress.clear();
    if (globals.json) {
      const document = { ...operation.json(result), transcript: audit.lines };
      await io.out(JSON.stringify(document) + "\n");
    } else if (audit.lines.length > 0) {
      await io.out(audit.lines.join("\n") + "\n");
    }
    return 0;
  } catch (raw) {
    await progress.clear();
    const error = deadline?.aborted && !interrupt.aborted
      ? new CohesixTimeoutError(
        `${operation.command} did not finish within --deadline-s ${globals.deadlineMs / 1000}`,
        { cause: raw, hint: "raise --deadline-s, or check that the Queen is answering" },
      )
      : toPermissionError(raw);
    if (!globals.json && started) {
      const failure = operation.failureLine?.(error) ?? cohFailureLine(operation.verb, error);
      await io.out([...audit.lines, failure].join("\n") + "\n");
    }
    return await reportFailure(error, {
      ...failureContext,
      ...(started ? { transcript: audit.lines } : {}),
    });
  } finally {
    await backend?.close().catch(() => {});
  }
}
