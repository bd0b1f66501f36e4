/**
 * The examples' entry point: parses the command line, runs the example body, writes its
 * `audit.txt`, prints the transcript, and turns failures into one or two lines on stderr with an
 * exit status (0 success, 1 failure, 2 bad command line). An expected failure (any
 * `CohesixError`: bad token, busy console, missing permission, missing export, limit exceeded, …)
 * prints no stack trace; `--verbose` adds the cause chain. Every line printed or written to
 * `audit.txt` goes through `displayText` (`core/display_text.ts`): the token and ticket masked,
 * control characters shown as `\x1b`, `\n`, `\u202e`, so a Queen-supplied name is always one
 * line. The JSON artifacts are written exactly (JSON escapes by construction).
 *
 * @module
 */

import { CohesixAudit } from "../client/audit.ts";
import { deadlineSignal } from "../core/deadline_signal.ts";
import { displayText } from "../core/display_text.ts";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import type { OperationOptions } from "../client/remote.ts";
import { adviceFor } from "../client/advice.ts";
import { AbortedError, CohesixError, CohesixTimeoutError } from "../core/errors.ts";
import { AUDIT_FILE, ensureDir, renderAudit, writeArtifact } from "./artifacts.ts";
import {
  type BackendChoice,
  backendChoice,
  backendNeeds,
  booleanFlag,
  DEFAULT_DEADLINE_S,
  type ExampleCli,
  helpText,
  outputRoot,
  type ParsedArgs,
  parseExampleArgs,
  positiveNumberFlag,
  UsageError,
  usageLine,
} from "./common.ts";
import { consoleSecretsOf } from "../client/connect.ts";
import {
  type PermissionNeed,
  readNeed,
  requirePermissions,
  toPermissionError,
  writeNeed,
} from "../core/permissions.ts";

/** Everything an example body gets. */
export interface ExampleContext {
  /** The parsed command line. */
  readonly args: ParsedArgs;
  /** The backend the flags select (open it with `openBackend`). */
  readonly backend: BackendChoice;
  /** The artifact root (`--out` or `out/examples`). */
  readonly outRoot: string;
  /** This example's artifact folder, `<outRoot>/<name>` (created before the body runs). */
  readonly outDir: string;
  /** The transcript; written to `<outDir>/audit.txt` after the body, even if it fails. */
  readonly audit: CohesixAudit;
  /** Aborts when the run's deadline (`--deadline-s`) passes: give it to `openBackend`. */
  readonly signal: AbortSignal;
  /** Options for a client operation: the transcript, and what is left of the run's deadline. */
  operation(): OperationOptions;
  /** `--verbose`. */
  readonly verbose: boolean;
  /** The bounds in force. */
  readonly defaults: CohesixDefaults;
  /** Prints a progress/notice line on stderr. */
  note(line: string): void;
}

/** Where the runner prints (the real streams by default; tests may capture). */
export interface ExampleIo {
  /** Standard output lines. */
  stdout(line: string): void;
  /** Standard error lines. */
  stderr(line: string): void;
}

const CONSOLE_IO: ExampleIo = {
  stdout: (line) => console.log(line),
  stderr: (line) => console.error(line),
};

/** An example's main: does the work, pushing transcript lines into `ctx.audit`. */
export type ExampleBody = (ctx: ExampleContext) => Promise<void>;

/** How an example runs besides its body. */
export interface RunOptions {
  /** Where to print (the real streams by default). */
  readonly io?: ExampleIo;
  /** The bounds in force (`DEFAULTS` by default). */
  readonly defaults?: CohesixDefaults;
  /** Further permissions the body needs, from its flags (e.g. `--allow-run=<command>`). */
  readonly needs?: (ctx: ExampleContext) => PermissionNeed[];
}

/**
 * Runs an example with `argv` and returns its exit status. The permissions of the output folder,
 * the backend and the body (`options.needs`) are checked together before anything is sent.
 */
export async function runExample(
  cli: ExampleCli,
  argv: readonly string[],
  body: ExampleBody,
  options: RunOptions = {},
): Promise<number> {
  const io = options.io ?? CONSOLE_IO;
  const defaults = options.defaults ?? DEFAULTS;
  let args: ParsedArgs;
  let backend: BackendChoice;
  let outRoot: string;
  let deadlineMs: number;
  try {
    args = parseExampleArgs(cli, argv);
    if (booleanFlag(args.values, "help")) {
      io.stdout(helpText(cli));
      return 0;
    }
    backend = backendChoice(args.values, {
      includeMig: booleanFlag(args.values, "include-mig"),
      defaults,
    });
    outRoot = outputRoot(args.values, defaults);
    deadlineMs = Math.round(
      positiveNumberFlag(args.values, "deadline-s", DEFAULT_DEADLINE_S) * 1000,
    );
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${cli.name}: ${error.message}`);
      io.stderr(usageLine(cli));
      return 2;
    }
    throw error;
  }
  const verbose = booleanFlag(args.values, "verbose");
  // From here on every printed or audited line may quote the Queen: one sanitizer for all.
  const secrets = consoleSecretsOf(backend);
  const raw = io;
  const shown = (line: string) => displayText(line, secrets);
  const safe: ExampleIo = {
    stdout: (line) => raw.stdout(shown(line)),
    stderr: (line) => raw.stderr(shown(line)),
  };
  const outDir = `${outRoot}/${cli.name}`;
  const audit = new CohesixAudit();
  // One deadline for the whole run: connecting, every operation, every retry.
  const deadlineAt = performance.now() + deadlineMs;
  using expired = deadlineSignal(deadlineMs);
  const ctx: ExampleContext = {
    args,
    backend,
    outRoot,
    outDir,
    audit,
    signal: expired.signal,
    operation: () => ({ audit, deadlineMs: Math.max(0, deadlineAt - performance.now()) }),
    verbose,
    defaults,
    note: (line) => safe.stderr(`${cli.name}: ${line}`),
  };
  let outReady = false;
  try {
    // Every permission, checked before anything is sent, so the message lists them all.
    await requirePermissions([
      // Replacing a file atomically is a rename, which Deno grants only with read access too.
      readNeed(`replacing files in ${outDir}`, outDir, outRoot),
      writeNeed(`writing ${outDir}`, outDir, outRoot),
      ...backendNeeds(backend),
      ...(options.needs?.(ctx) ?? []),
    ]);
    ensureDir(outDir);
    outReady = true;
    await body(ctx);
    await writeArtifact(`${outDir}/${AUDIT_FILE}`, renderAudit(ctx.audit.lines.map(shown)));
  } catch (error) {
    if (error instanceof UsageError) {
      safe.stderr(`${cli.name}: ${error.message}`);
      safe.stderr(usageLine(cli));
      return 2;
    }
    // Keep what happened up to the failure; a failure to write it must not hide the cause.
    if (outReady) {
      await writeArtifact(`${outDir}/${AUDIT_FILE}`, renderAudit(ctx.audit.lines.map(shown)))
        .catch(() => {});
    }
    if (verbose) { for (const line of ctx.audit.lines) safe.stdout(line); }
    const failure = error instanceof AbortedError && performance.now() >= deadlineAt
      ? runDeadlineError(cli.name, deadlineMs, error)
      : error;
    reportFailure(cli.name, toPermissionError(failure), ctx, safe);
    return 1;
  }
  for (const line of ctx.audit.lines) safe.stdout(line);
  safe.stdout(`${cli.name}: ok, artifacts in ${outDir}/`);
  return 0;
}

/** The run's deadline passed outside an operation (e.g. while connecting). */
function runDeadlineError(name: string, deadlineMs: number, cause: AbortedError) {
  return new CohesixTimeoutError(
    `${name}: the run's deadline of ${deadlineMs / 1000} s passed (${cause.summary})`,
    { cause, hint: "raise --deadline-s, or check why the Queen answers slowly" },
  );
}

/** Prints a failure: the message, then what to do (unless the message has a hint already). */
function reportFailure(name: string, error: unknown, ctx: ExampleContext, io: ExampleIo): void {
  if (!(error instanceof CohesixError)) {
    // Not an expected failure: this is a bug, so show everything.
    io.stderr(`${name}: unexpected failure (please report it): ${describe(error)}`);
    if (error instanceof Error && error.stack) io.stderr(error.stack);
    return;
  }
  io.stderr(`${name}: ${error.message}`);
  const advice = adviceFor(error, ctx.backend);
  if (advice) io.stderr(`${name}: ${advice}`);
  if (ctx.verbose) {
    let cause: unknown = error.cause;
    while (cause !== undefined) {
      io.stderr(`  caused by: ${describe(cause)}`);
      cause = cause instanceof Error ? cause.cause : undefined;
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
