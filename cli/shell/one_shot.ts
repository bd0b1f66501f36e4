/**
 * cohsh's verbs as one-shot `cohesix` subcommands: open the console the global flags select,
 * attach (`--role`, default queen, with `--ticket`), run one shell command, print its result for
 * people (the body, or the Queen's ack for writes) or as one JSON document (`--json`), and end
 * the session with `quit`. A refusal by the Queen becomes a `CommandError` (so `--json` errors
 * carry `verb`, `reason`, `detail`); a local check is a `UsageError` (exit 2).
 *
 * @module
 */

import { outputLineFilter } from "../output_text.ts";
import { CohesixError, CommandError, UsageError } from "../../core/errors.ts";
import { parseAck, serverErrorFields } from "../../wire/ack.ts";
import type { CommandContext } from "../command.ts";
import { ShellError } from "./cohsh_console.ts";
import { openShell } from "./open_shell.ts";
import { roleLabel } from "./shell_checks.ts";
import type { CommandOutcome, ShellSession } from "./shell_session.ts";

/** What a one-shot printed: lines for people, one document for `--json`. */
export interface OneShotResult {
  /** Lines for stdout without `--json`. */
  readonly human: readonly string[];
  /** The `--json` document. */
  readonly json: unknown;
}

/** The acks and body lines of a command that succeeded. */
export interface CommandLines {
  /** The Queen's acks (without `[console] `). */
  readonly acks: string[];
  /** The other lines (bodies, `ping: pong`). */
  readonly out: string[];
}

/** Splits a successful outcome; throws the failure as a typed error. */
export function linesOf(outcome: CommandOutcome): CommandLines {
  if (outcome.error !== undefined) throw cliError(new ShellError(outcome.error));
  const acks: string[] = [];
  const out: string[] = [];
  for (const printed of outcome.printed) {
    if (printed.kind === "ack") acks.push(printed.text.replace(/^\[console\] /, ""));
    else if (printed.kind === "out") out.push(printed.text);
  }
  return { acks, out };
}

const LOCAL_ERRORS = [
  /^paths must be absolute$/,
  /^path /,
  / requires /,
  / takes /,
  / must not be empty$/,
  / contains unsupported character$/,
  /^invalid /,
  /^duplicate option/,
  /^missing required option/,
  /^unknown /,
  /^payload must/,
  /^echo requires syntax/,
];

/** A shell error as the CLI reports it: Queen refusals as `CommandError`, bad input as usage. */
export function cliError(error: unknown): unknown {
  if (!(error instanceof ShellError)) return error;
  const line = /(?:^|: )((?:ERR) \S+.*)$/.exec(error.summary)?.[1];
  const ack = line === undefined ? undefined : parseAck(line);
  if (ack !== undefined && ack.status === "ERR") {
    return new CommandError(ack.label, serverErrorFields(ack), { cause: error });
  }
  if (LOCAL_ERRORS.some((pattern) => pattern.test(error.summary))) {
    return new UsageError(error.summary, { cause: error });
  }
  return error;
}

/** Rejects options a one-shot does not know (`-x`, `--x`). */
export function rejectFlags(name: string, args: readonly string[]): void {
  const flag = args.find((arg) => arg.startsWith("-") && arg !== "-");
  if (flag !== undefined) throw new UsageError(`cohesix ${name} does not take '${flag}'`);
}

/**
 * Opens the shell, attaches, runs `body`, prints its result, and ends the session.
 * Returns the exit status (0); failures are thrown for the dispatcher to report.
 */
export async function runOneShot(
  ctx: CommandContext,
  body: (session: ShellSession, signal: AbortSignal) => Promise<OneShotResult>,
): Promise<number> {
  const diag = ctx.globals.verbose ? undefined : () => {};
  await using shell = await openShell(ctx, diag === undefined ? {} : { diag });
  using interrupt = ctx.io.trapInterrupt();
  const roleText = ctx.globals.values.role;
  const ticket = ctx.globals.values.ticket;
  let label = "queen";
  if (typeof roleText === "string") {
    try {
      label = roleLabel(roleText.trim());
    } catch {
      throw new UsageError(`unknown role '${roleText}'`, {
        hint: "use queen, worker-heartbeat, worker-gpu, worker-bus or worker-lora",
      });
    }
  }
  try {
    await shell.session.attachAs(
      label,
      typeof ticket === "string" ? ticket : undefined,
      undefined,
      interrupt,
    );
    shell.session.console.drainAcks();
    const result = await body(shell.session, interrupt);
    const shown = outputLineFilter(ctx);
    if (ctx.globals.json && result.json !== undefined) {
      // JSON escapes controls by construction; the secrets are masked all the same.
      await ctx.io.out(`${shown(JSON.stringify(result.json))}\n`);
    } else if (result.human.length > 0) {
      await ctx.io.out(`${result.human.map(shown).join("\n")}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof CohesixError) throw cliError(error);
    throw error;
  }
}

/** `bytes=` of an `OK ECHO` ack, as a number. */
export function ackBytes(ack: string | undefined): number | undefined {
  const text = ack === undefined ? undefined : /\bbytes=(\d+)/.exec(ack)?.[1];
  return text === undefined ? undefined : Number(text);
}

/** A subcommand that runs one shell command writing `/queen/ctl` or a ctl file. */
export interface WriteCommandSpec {
  /** Subcommand and shell command word. */
  readonly name: string;
  /** One line for the top-level help. */
  readonly summary: string;
  /** The usage text. */
  readonly help: string;
  /** The JSON written (checks the arguments; throws cohsh's errors). */
  readonly payload: (args: readonly string[]) => string;
  /** The file written. */
  readonly path: string;
}

/** Builds the `run` of a write subcommand: prints the Queen's ack, or `{path, payload, ack}`. */
export function writeCommand(
  spec: WriteCommandSpec,
): (argv: readonly string[], ctx: CommandContext) => Promise<number> {
  return async (argv, ctx) => {
    if (argv.includes("-h") || argv.includes("--help")) {
      await ctx.io.out(spec.help);
      return 0;
    }
    let payload: string;
    try {
      payload = spec.payload(argv);
    } catch (error) {
      throw cliError(error);
    }
    return await runOneShot(ctx, async (session, signal) => {
      const { acks } = linesOf(await session.run(`${spec.name} ${argv.join(" ")}`, { signal }));
      const ack = acks.at(-1) ?? null;
      return {
        human: acks,
        json: { path: spec.path, payload, ack, bytes: ackBytes(ack ?? undefined) ?? null },
      };
    });
  };
}
