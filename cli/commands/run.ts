/**
 * `cohesix run --gpu ID [--] CMD…`: coh's run (OPERATIONS.md §4.4): check the GPU's active lease,
 * append the START breadcrumb, run the command here with its output on the terminal, append the
 * EXIT breadcrumb. The command needs `--allow-run=<program>`.
 *
 * @module
 */

import { UsageError } from "../../core/errors.ts";
import { runNeed } from "../../core/permissions.ts";
import { flagHelp, type FlagSpec, parseArgs, requiredFlag } from "../args.ts";
import { runCohOperation } from "../coh_operation.ts";
import type { CliCommand } from "../command.ts";
import { printHelp } from "../command_group.ts";

const FLAGS: readonly FlagSpec[] = [
  { names: ["--gpu"], value: "ID", help: "GPU whose active lease the command runs under" },
];

/** `cohesix run --help`. */
export const HELP = `cohesix run: run a command under a GPU's active lease (coh run)

usage: cohesix run --gpu ID [--] CMD [ARG...]

Reads /gpu/<id>/lease (the last line must be an ACTIVE gpu-lease/v1 lease for that GPU), appends
a START breadcrumb to /gpu/<id>/status, runs CMD here (stdin, stdout and stderr are this
terminal's), then appends the EXIT breadcrumb with its exit code. Exit status 1 when the command
fails. Everything after the first argument that is not an option (or after --) is the command.

options:
${flagHelp(FLAGS)}

Permissions: --allow-run=CMD besides the backend's.
--deadline-s does not apply: the command runs as long as it needs (Ctrl-C stops it; the EXIT
breadcrumb is still written).
--json: {"gpu_id","command":[...],"exit_code":0,"transcript"}; the command's stdout goes to
stderr so that stdout holds only the JSON document.
`;

/** Splits `run`'s arguments: options up to `--` or the first non-option, then the command. */
function splitCommand(argv: readonly string[]): { options: string[]; command: string[] } {
  const options: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") return { options, command: argv.slice(i + 1) };
    if (!arg.startsWith("-")) return { options, command: argv.slice(i) };
    options.push(arg);
    // A value flag takes the next argument (unless given as --gpu=ID).
    if (arg === "--gpu" && i + 1 < argv.length) options.push(argv[++i]!);
  }
  return { options, command: [] };
}

/** `cohesix run`. */
export const command: CliCommand = {
  name: "run",
  summary: "run a command under a GPU's active lease, with breadcrumbs (coh run)",
  async run(argv, ctx) {
    const split = splitCommand(argv);
    const args = parseArgs("run", split.options, FLAGS);
    if (args.help) return await printHelp(ctx, HELP);
    const gpu = requiredFlag(args, "run", "gpu");
    const commandLine = split.command;
    const program = commandLine[0];
    if (program === undefined || program.trim() === "") {
      throw new UsageError("no command given", {
        hint: "usage: cohesix run --gpu ID -- CMD [ARG...]",
      });
    }
    return await runCohOperation(ctx, {
      verb: "RUN",
      command: "run",
      deadline: false,
      needs: [runNeed(`running ${program}`, program)],
      run: ({ client, options }) =>
        client.runCommand(gpu, commandLine, {
          ...options,
          commandStdout: ctx.globals.json ? "stderr" : "inherit",
        }),
      json: () => ({ gpu_id: gpu.trim(), command: commandLine, exit_code: 0 }),
    });
  },
};
