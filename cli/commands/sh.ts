/**
 * `cohesix sh`: cohsh's shell. Interactive (banner, `coh> ` prompt, every shell command with
 * cohsh's output, idle keepalive `PING`, reconnects), with line editing, history and tab
 * completion on a terminal; commands from stdin when it is not a terminal; `--script FILE` runs
 * a `.coh` script and `--check FILE` validates one (CLI.md §2, §3). Exit codes as cohsh's: 0
 * when the shell or script ends, 1 for a script failure or an unopenable script, 2 for usage.
 *
 * Differences from cohsh, on purpose: closing an attached session sends `quit` (cohsh drops the
 * connection, which cuts root for the Queen's workers); flags beat `COHSH_TCP_*`.
 *
 * @module
 */

import { outputLineFilter } from "../output_text.ts";
import { CohesixError, UsageError } from "../../core/errors.ts";
import type { CliCommand, CommandContext } from "../command.ts";
import {
  checkScript,
  parseScriptLines,
  runScript,
  ScriptFailureError,
} from "../shell/coh_script.ts";
import { type LineInput, PipedLines, TerminalLines } from "../shell/line_input.ts";
import { openShell } from "../shell/open_shell.ts";
import { BANNER, checkOkLine, DETACHED, errorLine, PROMPT, tcpDiag } from "../shell/render.ts";
import { roleLabel } from "../shell/shell_checks.ts";
import { shellCompleter } from "../shell/shell_completion.ts";
import { shellSettings } from "../shell/shell_policy.ts";
import type { ShellSession } from "../shell/shell_session.ts";

const INTERRUPTED = Symbol("interrupted");

/** Resolves when `signal` aborts. */
function interrupted(signal: AbortSignal): Promise<typeof INTERRUPTED> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(INTERRUPTED);
    signal.addEventListener("abort", () => resolve(INTERRUPTED), { once: true });
  });
}

/** Idle time after which the REPL sends a silent `PING` while attached (fixed, as cohsh). */
export const REPL_KEEPALIVE_MS = 15_000;

const HELP = `usage: cohesix sh [--script FILE | --check FILE] [--role ROLE [--ticket T]]
                  [--tcp-host H] [--tcp-port P] [--auth-token T] [--mock | --fs-root DIR]

cohsh's shell. Without --script it is interactive ('help' lists the commands); commands are read
from stdin when stdin is not a terminal. --role attaches at start (--ticket for worker roles).

  --script FILE   run a .coh script (EXPECT OK|ERR|SUBSTR|NOT, WAIT ms; # starts a comment)
  --check FILE    validate a .coh script without connecting
  --transport tcp accepted for cohsh compatibility (use --mock for the mock Queen)

Exit status: 0 the shell or script ended, 1 a script failed (report on stderr), 2 bad usage.
`;

interface ShArgs {
  script?: string;
  check?: string;
}

function parseArgs(argv: readonly string[]): ShArgs | "help" {
  const args: ShArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") return "help";
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined || v === "") throw new UsageError(`${name} needs a value (FILE)`);
      return v;
    };
    if (name === "--script") args.script = value();
    else if (name === "--check") args.check = value();
    else if (name === "--transport") {
      const v = value();
      if (v !== "tcp") {
        throw new UsageError(`--transport ${v} is not supported: use --mock for the mock Queen`);
      }
    } else throw new UsageError(`unexpected argument '${arg}'`);
  }
  if (args.script !== undefined && args.check !== undefined) {
    throw new UsageError("--script cannot be used with --check");
  }
  return args;
}

async function readScript(ctx: CommandContext, path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    const cause = error instanceof Deno.errors.NotFound
      ? "No such file or directory (os error 2)"
      : error instanceof Deno.errors.NotCapable
      ? `permission denied: run with --allow-read=${path}`
      : error instanceof Error
      ? error.message
      : String(error);
    await ctx.io.err(
      `${errorLine(`failed to open script "${path}"`)}\n\nCaused by:\n    ${cause}\n`,
    );
    return undefined;
  }
}

/** `--role` as given on the command line (cohsh's attach at start), or `undefined`. */
function startRole(ctx: CommandContext): { label: string; ticket: string | undefined } | undefined {
  const role = ctx.globals.values.role;
  if (typeof role !== "string") return undefined;
  let label: string;
  try {
    label = roleLabel(role.trim());
  } catch {
    throw new UsageError(`invalid value '${role}' for '--role <ROLE>'`);
  }
  const ticket = ctx.globals.values.ticket;
  return { label, ticket: typeof ticket === "string" ? ticket : undefined };
}

async function check(ctx: CommandContext, path: string): Promise<number> {
  await shellSettings(ctx); // cohsh: the policy must load, though nothing connects
  const text = await readScript(ctx, path);
  if (text === undefined) return 1;
  try {
    checkScript(text);
  } catch (error) {
    if (!(error instanceof ScriptFailureError)) throw error;
    await ctx.io.err(`${errorLine(error.report)}\n`);
    return 1;
  }
  await ctx.io.out(`${checkOkLine(path)}\n`);
  return 0;
}

async function script(ctx: CommandContext, path: string): Promise<number> {
  const text = await readScript(ctx, path);
  if (text === undefined) return 1;
  let lines;
  try {
    lines = parseScriptLines(text);
  } catch (error) {
    if (!(error instanceof ScriptFailureError)) throw error;
    await ctx.io.err(`${errorLine(error.report)}\n`);
    return 1;
  }
  const role = startRole(ctx);
  await using shell = await openShell(ctx, { scriptMode: true });
  await ctx.io.out(`${BANNER}\n`);
  using interrupt = ctx.io.trapInterrupt();
  const shown = outputLineFilter(ctx);
  const print = (line: string) => ctx.io.out(`${shown(line)}\n`);
  if (role !== undefined) {
    try {
      for (const line of await shell.session.attachAs(role.label, role.ticket)) await print(line);
    } catch (error) {
      if (!(error instanceof CohesixError)) throw error;
      for (const ack of shell.session.console.drainAcks()) await print(`[console] ${ack}`);
      await ctx.io.err(`${errorLine(error.summary)}\n`);
      return 1;
    }
  } else {
    await print(DETACHED);
  }
  try {
    await runScript(shell.session, lines, { print, signal: interrupt });
  } catch (error) {
    if (error instanceof ScriptFailureError) {
      await ctx.io.err(`${errorLine(error.report)}\n`);
      return 1;
    }
    throw error;
  }
  return 0;
}

/** Waits for `next` while sending cohsh's silent keepalive `PING` every 15 s of idle time. */
export async function nextWithKeepalive(
  session: ShellSession,
  next: Promise<string | undefined>,
  keepaliveMs: number,
): Promise<string | undefined> {
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const idle = new Promise<"idle">((resolve) =>
      timer = setTimeout(() => resolve("idle"), keepaliveMs)
    );
    const result = await Promise.race([next, idle]);
    clearTimeout(timer);
    if (result !== "idle") return result;
    if (!session.attached) continue;
    const queued = session.console.queuedAcks;
    try {
      await session.console.ping();
    } catch (error) {
      if (!(error instanceof CohesixError)) throw error;
    } finally {
      session.console.dropAcksAfter(queued);
    }
  }
}

async function repl(ctx: CommandContext): Promise<number> {
  const role = startRole(ctx);
  await using shell = await openShell(ctx);
  const session = shell.session;
  const shown = outputLineFilter(ctx);
  const print = (line: string) => ctx.io.out(`${shown(line)}\n`);
  await print(BANNER);
  if (role !== undefined) {
    try {
      for (const line of await session.attachAs(role.label, role.ticket)) await print(line);
      const log = await session.execute("log");
      for (const line of log) {
        await print(line.startsWith("Error: ") ? `auto-log failed: ${line.slice(7)}` : line);
      }
    } catch (error) {
      if (!(error instanceof CohesixError)) throw error;
      for (const ack of session.console.drainAcks()) await print(`[console] ${ack}`);
      await ctx.io.err(`${tcpDiag.attachFailed(error.summary)}\n`);
      await print(DETACHED);
    }
  } else {
    await print(DETACHED);
  }
  const terminal = ctx.io.isTerminal.stdin;
  const input: LineInput = terminal
    ? new TerminalLines({
      stdin: ctx.io.stdin,
      write: (text) => ctx.io.out(text),
      prompt: PROMPT,
      setRaw: (raw) => Deno.stdin.setRaw(raw),
      complete: shellCompleter(session),
    })
    : new PipedLines(ctx.io.stdin);
  try {
    for (;;) {
      await ctx.io.out(PROMPT);
      let line: string | undefined | typeof INTERRUPTED;
      {
        // Ctrl-C while waiting for a command ends the shell cleanly (with `quit`).
        using waiting = ctx.io.trapInterrupt();
        line = await Promise.race([
          nextWithKeepalive(session, input.next(), REPL_KEEPALIVE_MS),
          interrupted(waiting),
        ]);
      }
      if (line === undefined || line === INTERRUPTED) {
        await ctx.io.out("\n");
        return 0;
      }
      if (line.trim() === "") continue;
      // Ctrl-C during a command cancels that command only.
      using running = ctx.io.trapInterrupt();
      const outcome = await session.run(line, { signal: running });
      for (const printed of outcome.printed) await print(printed.text);
      if (outcome.quit) return 0;
    }
  } finally {
    input.close();
  }
}

/** The `sh` subcommand. */
export const command: CliCommand = {
  name: "sh",
  summary: "cohsh's shell: interactive, --script FILE (.coh), --check FILE",
  async run(argv, ctx) {
    const args = parseArgs(argv);
    if (args === "help") {
      await ctx.io.out(HELP);
      return 0;
    }
    if (args.check !== undefined) return await check(ctx, args.check);
    if (args.script !== undefined) return await script(ctx, args.script);
    return await repl(ctx);
  },
};
