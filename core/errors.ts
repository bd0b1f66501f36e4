/**
 * The `CohesixError` family: every failure the client reports is one of these, with a message
 * that says what was wrong and what to do. Messages never contain the auth token or a ticket, and
 * never a control character (see `display_text.ts`).
 *
 * @module
 */

import { escapeControls } from "./display_text.ts";

/** Options shared by every error of the family. */
export interface CohesixErrorOptions {
  /** The underlying error, kept for `--verbose` output and debugging. */
  cause?: unknown;
  /** What the user can do about it, appended to the message after a hint marker. */
  hint?: string;
}

/** Base class of every error raised by this package. */
export class CohesixError extends Error {
  /** A short, stable machine-readable kind, e.g. `auth` or `limit`. */
  readonly code: string = "cohesix";
  /** What the user can do about it, if anything. */
  readonly hint: string | undefined;
  /** The message without its hint, for wrapping into another error's message. */
  readonly summary: string;

  /**
   * Creates an error; `hint` is appended to the message as ` (hint: …)`. Control characters in
   * either (a Queen-supplied name, a server line) are rendered visibly (`\x1b`, `\n`,
   * `\u202e`): a message is always one line that cannot drive the terminal.
   */
  constructor(message: string, options: CohesixErrorOptions = {}) {
    const summary = escapeControls(message);
    const hint = options.hint === undefined ? undefined : escapeControls(options.hint);
    super(
      hint ? `${summary} (hint: ${hint})` : summary,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = new.target.name;
    this.hint = hint;
    this.summary = summary;
  }
}

/** Bad input from a caller (a path, an id, a payload, a flag) refused before anything was sent. */
export class ValidationError extends CohesixError {
  /** Machine-readable kind: `invalid-input`. */
  override readonly code: string = "invalid-input";
}

/**
 * A bad command line (unknown flag, missing value, stray argument): entry points print the message
 * and their usage line and exit with 2.
 */
export class UsageError extends ValidationError {
  /** Machine-readable kind: `usage`. */
  override readonly code = "usage";
}

/** A manifest-derived bound was exceeded; names the bound and its value. */
export class LimitError extends ValidationError {
  /** Machine-readable kind: `limit`. */
  override readonly code = "limit";
  /** The bound's name, as in the defaults table (e.g. `console.max_echo_len`). */
  readonly limit: string;
  /** The bound's value. */
  readonly max: number;

  /** Creates a limit error for bound `limit` whose value is `max`. */
  constructor(message: string, limit: string, max: number, options: CohesixErrorOptions = {}) {
    super(message, options);
    this.limit = limit;
    this.max = max;
  }
}

/** The peer broke the console wire protocol (bad frame length, non-UTF-8, EOF mid-response). */
export class ProtocolError extends CohesixError {
  /** Machine-readable kind: `protocol`. */
  override readonly code = "protocol";
}

/** The TCP connection failed (refused, reset, closed) outside of a protocol violation. */
export class ConnectionError extends CohesixError {
  /** Machine-readable kind: `connection`. */
  override readonly code: string = "connection";
}

/** The console was reset right after connecting: another client holds the Queen's one console. */
export class ConsoleBusyError extends ConnectionError {
  /** Machine-readable kind: `console-busy`. */
  override readonly code = "console-busy";
}

/** The Queen refused the auth token (it closes the connection without a reply). */
export class AuthError extends CohesixError {
  /** Machine-readable kind: `auth`. */
  override readonly code = "auth";
}

/** Fields of a server `ERR` line, as parsed from its `key=value` detail. */
export interface ServerErrorFields {
  /** The ack label (`LS`, `CAT`, `ECHO`, `ATTACH`, `PARSE`, `FRAME`, …). */
  label: string;
  /** `reason=` (`policy`, `quota`, `busy`, `cut`, `invalid-length`, …), if present. */
  reason?: string;
  /** `detail=`, if present. */
  detail?: string;
  /** `path=`, if present. */
  path?: string;
  /** `error=`, if present. */
  error?: string;
  /** The whole line as received. */
  line: string;
}

/** Options of {@link CommandError}. */
export interface CommandErrorOptions extends CohesixErrorOptions {
  /** A message that explains the refusal, in place of `<verb> failed: <line>`. */
  message?: string;
}

/** The Queen answered a command with an `ERR` line (including `ERR PARSE` and `ERR FRAME`). */
export class CommandError extends CohesixError {
  /** Machine-readable kind: `command`. */
  override readonly code: string = "command";
  /** The verb that was sent (`LS`, `CAT`, `ECHO`, …). */
  readonly verb: string;
  /** The parsed `ERR` line. */
  readonly server: ServerErrorFields;

  /** Creates an error for `verb` from the server's parsed `ERR` line. */
  constructor(verb: string, server: ServerErrorFields, options: CommandErrorOptions = {}) {
    super(options.message ?? `${verb} failed: ${server.line}`, options);
    this.verb = verb;
    this.server = server;
  }

  /** `reason=` of the server line. */
  get reason(): string | undefined {
    return this.server.reason;
  }
  /** `detail=` of the server line. */
  get detail(): string | undefined {
    return this.server.detail;
  }
  /** `path=` of the server line. */
  get path(): string | undefined {
    return this.server.path;
  }
}

/** `ERR ATTACH`: the role or ticket was refused, or attaching is throttled. */
export class AttachError extends CommandError {
  /** Machine-readable kind: `attach`. */
  override readonly code = "attach";
  /** Server-side `delay_ms=` of a throttled or rate-limited refusal (server milliseconds). */
  readonly delayMs: number | undefined;

  /** Creates an attach error from the server's parsed `ERR ATTACH` line. */
  constructor(server: ServerErrorFields, delayMs?: number, options: CohesixErrorOptions = {}) {
    super("ATTACH", server, options);
    this.delayMs = delayMs;
  }
}

/**
 * The Queen refused a write (EPERM) for a reason outside the request itself: its lifecycle state
 * (not ONLINE: the message says which, and that `lifecycle resume` lifts it) or the console role
 * and ticket. It is a `CommandError` carrying the Queen's line (`server`); the message explains
 * it, and the original error is the `cause`.
 */
export class WriteRefusedError extends CommandError {
  /** Machine-readable kind: `write-refused`. */
  override readonly code = "write-refused";
  /** Why: the Queen's lifecycle state, or the role/ticket the console is attached with. */
  readonly why: "lifecycle" | "role";
  /** The lifecycle state read after the refusal (`QUIESCED`, `DRAINING`, …), if it was read. */
  readonly lifecycleState: string | undefined;

  /** Creates the error; `message` says what was refused and why. */
  constructor(
    message: string,
    server: ServerErrorFields,
    details: { why: "lifecycle" | "role"; lifecycleState?: string },
    options: CohesixErrorOptions = {},
  ) {
    super("ECHO", server, { ...options, message });
    this.why = details.why;
    this.lifecycleState = details.lifecycleState;
  }
}

/** A request did not complete within its timeout. */
export class CohesixTimeoutError extends CohesixError {
  /** Machine-readable kind: `timeout`. */
  override readonly code: string = "timeout";
}

/** What was in progress when an operation's deadline passed. */
export interface DeadlineProgress {
  /** The operation, e.g. `telemetry pull`. */
  readonly operation: string;
  /** The deadline the operation was given, in wall milliseconds. */
  readonly deadlineMs: number;
  /** What it was doing, e.g. `reading /gpu/telemetry/x/seg/3`. */
  readonly activity: string;
  /** Requests to the Queen completed before the deadline. */
  readonly requestsDone: number;
  /** Requests the operation planned in all, when it knew. */
  readonly requestsPlanned?: number;
}

/**
 * A whole operation (all its requests, retries and local steps) outlived its deadline; the
 * message names the operation and what was in progress.
 */
export class OperationDeadlineError extends CohesixTimeoutError {
  /** Machine-readable kind: `deadline`. */
  override readonly code = "deadline";
  /** What was in progress. */
  readonly progress: DeadlineProgress;

  /** Creates the error for `progress`. */
  constructor(progress: DeadlineProgress, options: CohesixErrorOptions = {}) {
    const seconds = Number((progress.deadlineMs / 1000).toFixed(3));
    const planned = progress.requestsPlanned === undefined ? "" : ` of ${progress.requestsPlanned}`;
    super(
      `${progress.operation}: deadline of ${seconds} s passed while ${progress.activity} ` +
        `(${progress.requestsDone}${planned} requests done)`,
      {
        hint: "raise the deadline (deadlineMs, --deadline-s) or check why the Queen answers " +
          "slowly",
        ...options,
      },
    );
    this.progress = progress;
  }
}

/** The caller aborted the request through its `AbortSignal`. */
export class AbortedError extends CohesixError {
  /** Machine-readable kind: `aborted`. */
  override readonly code = "aborted";
}

/** A Deno permission the operation needs was not granted; the message names the flag. */
export class PermissionError extends CohesixError {
  /** Machine-readable kind: `permission`. */
  override readonly code = "permission";
  /** The exact flag to add, e.g. `--allow-net=127.0.0.1:31337`. */
  readonly flag: string;

  /** Creates an error telling the user to add `flag`. */
  constructor(what: string, flag: string, options: CohesixErrorOptions = {}) {
    super(`${what} needs the Deno permission ${flag}`, {
      hint: `re-run with ${flag}`,
      ...options,
    });
    this.flag = flag;
  }
}

/** A capability ticket is malformed or does not fit the requested role. */
export class TicketError extends ValidationError {
  /** Machine-readable kind: `ticket`. */
  override readonly code = "ticket";
}

/** A policy file is unreadable, tampered with, or invalid. */
export class PolicyError extends CohesixError {
  /** Machine-readable kind: `policy`. */
  override readonly code = "policy";
}

/** A client operation failed for a reason of its own (no active lease, model not available, …). */
export class OperationError extends CohesixError {
  /** Machine-readable kind: `operation`. */
  override readonly code = "operation";
}

/** A local file or directory could not be read or written. */
export class LocalFileError extends CohesixError {
  /** Machine-readable kind: `local-file`. */
  override readonly code = "local-file";
}

/**
 * A GPU namespace publish was not confirmed: `/gpu/bridge/status` did not read
 * `state=ok bytes=<n> sha256=<hex>` for what was sent (or a publish line was refused).
 */
export class PublishError extends CohesixError {
  /** Machine-readable kind: `publish`. */
  override readonly code = "publish";
  /** The status line the Queen showed (empty if it could not be read). */
  readonly statusLine: string;

  /** Creates an error quoting the Queen's status line. */
  constructor(message: string, statusLine: string, options: CohesixErrorOptions = {}) {
    super(message, options);
    this.statusLine = statusLine;
  }
}

/** A GPU inventory could not be obtained (nvidia-smi missing or failing, a bad inventory file). */
export class InventoryError extends CohesixError {
  /** Machine-readable kind: `inventory`. */
  override readonly code = "inventory";
}
