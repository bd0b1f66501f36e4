/**
 * `cohesix test [--mode quick|full] [--json] [--timeout S] [--no-mutate]`: the Queen's own
 * self-tests from `/proc/tests`, run as cohsh's `test` command does (preflight ping, the
 * negative script first, placeholders, deferral, `--no-mutate`), with cohsh's report: one JSON
 * line (`--json`) or the human lines. Exit 0 when every check passed, 1 otherwise.
 *
 * Never run `--mode full` on a shared Queen: its script kills `worker-1`, whoever owns it.
 *
 * @module
 */

import type { CliCommand } from "../command.ts";
import { CohesixError, UsageError } from "../../core/errors.ts";
import { runOneShot } from "../shell/one_shot.ts";
import { parseSelftestOptions, selftestOutput, selftestReport } from "../shell/selftest.ts";

const HELP = `usage: cohesix test [--mode quick|full] [--json] [--timeout S] [--no-mutate]

Runs the Queen's self-test scripts (/proc/tests): selftest_negative.coh, then selftest_quick.coh
(or selftest_full.coh). --timeout 1..120 s (30). --no-mutate skips spawn, kill and worker tails.
`;

/** The `test` subcommand. */
export const command: CliCommand = {
  name: "test",
  summary: "run the Queen's self-tests (cohsh test)",
  async run(argv, ctx) {
    if (argv.includes("-h") || argv.includes("--help")) {
      await ctx.io.out(HELP);
      return 0;
    }
    let options;
    try {
      options = parseSelftestOptions(ctx.globals.json ? [...argv, "--json"] : argv);
    } catch (error) {
      if (error instanceof CohesixError) throw new UsageError(error.summary, { cause: error });
      throw error;
    }
    let ok = false;
    await runOneShot(ctx, async (session, signal) => {
      const report = await selftestReport(session, options, signal);
      ok = report.ok;
      for (const line of selftestOutput(report, options.json)) await ctx.io.out(`${line}\n`);
      return { human: [], json: undefined };
    });
    return ok ? 0 : 1;
  },
};
