/**
 * `cohesix tail [--follow [--interval-ms N]] PATH`: cohsh's `tail` (one `TAIL`, the lines up to
 * `END`). With `--follow` it polls with the manifest's tail bounds (every 1000 ms by default,
 * 250 to 10000 allowed) and prints only lines it has not printed yet, keeps going across a
 * reconnect, and ends cleanly on Ctrl-C (the session is closed with `quit`). `--json` prints
 * `{path, lines}`; with `--follow`, one `{path, line}` object per line (JSON Lines).
 *
 * @module
 */

import { outputLineFilter } from "../output_text.ts";
import { CohesixError, UsageError } from "../../core/errors.ts";
import type { CliCommand, CommandContext } from "../command.ts";
import { ShellError } from "../shell/cohsh_console.ts";
import { cliError, linesOf, runOneShot } from "../shell/one_shot.ts";
import { checkPath } from "../shell/shell_checks.ts";
import { sleepMs } from "../../core/sleep.ts";
import { RELEASE_TAIL_POLL_MS, shellSettings } from "../shell/shell_policy.ts";
import type { ShellSession } from "../shell/shell_session.ts";

/** The release's tail poll bounds, in ms (`--policy` may set others). */
export const TAIL_POLL_MS = RELEASE_TAIL_POLL_MS;

const HELP = `usage: cohesix tail [--follow [--interval-ms N]] PATH

Prints the lines TAIL returns. --follow polls every N ms (default ${TAIL_POLL_MS.default}, ` +
  `${TAIL_POLL_MS.min}..${TAIL_POLL_MS.max}) and prints new lines until Ctrl-C.
`;

/** The lines of `next` that follow what `previous` already showed (TAIL returns a window). */
export function newLines(previous: readonly string[], next: readonly string[]): string[] {
  for (let overlap = Math.min(previous.length, next.length); overlap > 0; overlap--) {
    let matches = true;
    for (let i = 0; i < overlap; i++) {
      if (previous[previous.length - overlap + i] !== next[i]) {
        matches = false;
        break;
      }
    }
    if (matches) return next.slice(overlap);
  }
  return [...next];
}

async function follow(
  ctx: CommandContext,
  session: ShellSession,
  path: string,
  intervalMs: number,
  signal: AbortSignal,
): Promise<void> {
  let previous: string[] = [];
  let first = true;
  const shown = outputLineFilter(ctx);
  while (!signal.aborted) {
    try {
      const queued = session.console.queuedAcks;
      const result = await session.console.stream("TAIL", path, signal);
      session.console.dropAcksAfter(queued);
      const fresh = first ? result.lines : newLines(previous, result.lines);
      first = false;
      previous = result.lines;
      for (const line of fresh) {
        const text = ctx.globals.json ? JSON.stringify({ path, line }) : line;
        await ctx.io.out(`${shown(text)}\n`);
      }
    } catch (error) {
      if (signal.aborted) return;
      // A connection that could not be recovered this round: say so and try again next round.
      if (error instanceof ShellError && /^connection dropped/.test(error.summary)) {
        await ctx.io.err(`cohesix tail: ${error.summary}; retrying\n`);
      } else {
        throw error;
      }
    }
    await sleepMs(intervalMs, signal);
  }
}

/** The `tail` subcommand. */
export const command: CliCommand = {
  name: "tail",
  summary: "print a file's tail; --follow polls for new lines (cohsh tail)",
  async run(argv, ctx) {
    let followMode = false;
    let intervalText: string | undefined;
    const rest: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (arg === "-h" || arg === "--help") {
        await ctx.io.out(HELP);
        return 0;
      }
      if (arg === "--follow" || arg === "-f") followMode = true;
      else if (arg === "--interval-ms" || arg.startsWith("--interval-ms=")) {
        intervalText = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i];
        if (intervalText === undefined || !/^\d+$/.test(intervalText)) {
          throw new UsageError("--interval-ms needs a number of milliseconds");
        }
      } else if (arg.startsWith("-")) throw new UsageError(`cohesix tail does not take '${arg}'`);
      else rest.push(arg);
    }
    if (rest.length === 0) throw new UsageError("tail requires a path");
    if (rest.length > 1) throw new UsageError("tail takes exactly one argument: path");
    const path = rest[0]!;
    try {
      checkPath(path);
    } catch (error) {
      throw cliError(error);
    }
    const bounds = (await shellSettings(ctx)).tailPollMs;
    const intervalMs = intervalText === undefined ? bounds.default : Number(intervalText);
    if (intervalMs < bounds.min || intervalMs > bounds.max) {
      throw new UsageError(
        `--interval-ms must be ${bounds.min}..${bounds.max} (the policy's tail bounds)`,
      );
    }
    return await runOneShot(ctx, async (session, signal) => {
      if (!followMode) {
        const { out } = linesOf(await session.run(`tail ${path}`, { signal }));
        return { human: out, json: { path, lines: out } };
      }
      try {
        await follow(ctx, session, path, intervalMs, signal);
      } catch (error) {
        if (!(error instanceof CohesixError) || !signal.aborted) throw error;
      }
      return { human: [], json: undefined };
    });
  },
};
