/**
 * `run` as coh does it (OPERATIONS.md §4.4): validate the GPU's active lease, append a START
 * breadcrumb to `/gpu/<id>/status`, run the command with inherited stdio, append the EXIT
 * breadcrumb. Both breadcrumbs are checked against the console ECHO cap before anything is
 * written: live, a too-long command would leave a START without an EXIT. The command does not
 * inherit the console secrets ({@link SECRET_VARIABLES}).
 *
 * @module
 */

import type { Backend, CallOptions } from "../backends/backend.ts";
import type { CohesixDefaults } from "../core/defaults.ts";
import {
  AbortedError,
  CohesixError,
  LimitError,
  OperationError,
  PermissionError,
  ValidationError,
} from "../core/errors.ts";
import { joinPath, utf8Length } from "../core/paths.ts";
import { normalizeEchoPayload } from "../wire/echo_payload.ts";
import { buildBreadcrumbLine } from "./breadcrumb.ts";
import { GPU_ROOT, normalizeGpuId } from "./gpu.ts";
import { validateActiveLease } from "./lease_record.ts";
import { OperationRun } from "./operation_run.ts";
import type { OperationOptions } from "./remote.ts";
import { decodeUtf8, encodeUtf8 } from "./text.ts";

/** The largest exit code a breadcrumb may have to carry (POSIX status byte). */
const WORST_EXIT_CODE = 255;

/** How a run's command ended. */
export type RunOutcome =
  | { readonly kind: "exited"; readonly code: number }
  | { readonly kind: "signal"; readonly signal: string }
  | { readonly kind: "spawn-failed"; readonly error: unknown };

/** Checks a breadcrumb against the rules every backend applies to an ECHO payload. */
function checkBreadcrumbFits(line: string, command: string, defaults: CohesixDefaults): void {
  try {
    normalizeEchoPayload(encodeUtf8(line), defaults);
  } catch (error) {
    if (error instanceof LimitError) {
      const max = defaults.console.maxEchoLen;
      const over = utf8Length(line) - 1 - max;
      throw new LimitError(
        `breadcrumb for command ${JSON.stringify(command)} is ${utf8Length(line) - 1} bytes, ` +
          `above console.max_echo_len ${max}`,
        "console.max_echo_len",
        max,
        {
          hint: `shorten the command by at least ${over} bytes (wrap it in a script)`,
          cause: error,
        },
      );
    }
    const why = error instanceof Error ? error.message : String(error);
    throw new ValidationError(`command cannot go in a breadcrumb: ${why}`, { cause: error });
  }
}

function requireRunPermission(program: string): void {
  const state = Deno.permissions.querySync({ name: "run", command: program }).state;
  if (state !== "granted") {
    throw new PermissionError(`running ${program}`, `--allow-run=${program}`);
  }
}

/**
 * Environment variables a command run under a lease never inherits: the console token
 * (`COH_AUTH_TOKEN`, `COHSH_AUTH_TOKEN`) and the ticket-minting secret (`COHSH_TICKET_SECRET`).
 * A ticket is only ever a flag value, so it never reaches a child's environment.
 */
export const SECRET_VARIABLES: readonly string[] = [
  "COH_AUTH_TOKEN",
  "COHSH_AUTH_TOKEN",
  "COHSH_TICKET_SECRET",
];

/**
 * Spawns with everything inherited except {@link SECRET_VARIABLES}. Deno can drop an inherited
 * variable only by clearing all of them, so each secret this run may touch is taken out of this
 * process's environment for the (synchronous) spawn and put back at once; one it may not touch
 * is handed to the child empty.
 */
function spawnWithoutSecrets(program: string, options: Deno.CommandOptions): Deno.ChildProcess {
  const saved = new Map<string, string>();
  const blanked: Record<string, string> = {};
  for (const name of SECRET_VARIABLES) {
    const allowed = Deno.permissions.querySync({ name: "env", variable: name }).state === "granted";
    if (!allowed) {
      blanked[name] = "";
      continue;
    }
    const value = Deno.env.get(name);
    if (value !== undefined) saved.set(name, value);
  }
  try {
    for (const name of saved.keys()) Deno.env.delete(name);
    return new Deno.Command(program, { ...options, env: blanked }).spawn();
  } finally {
    for (const [name, value] of saved) Deno.env.set(name, value);
  }
}

async function execute(argv: readonly string[], signal?: AbortSignal): Promise<RunOutcome> {
  const [program, ...args] = argv as [string, ...string[]];
  let child: Deno.ChildProcess;
  try {
    const spawnOptions: Deno.CommandOptions = {
      args,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    };
    if (signal) spawnOptions.signal = signal;
    child = spawnWithoutSecrets(program, spawnOptions);
  } catch (error) {
    return { kind: "spawn-failed", error };
  }
  const status = await child.status;
  if (status.signal !== null) return { kind: "signal", signal: status.signal };
  return { kind: "exited", code: status.code };
}

/**
 * Runs `argv` on `gpuId` under its active lease, with breadcrumbs. Fails with
 * `command exited with code <n>` / `command terminated by signal` after the EXIT breadcrumb.
 */
export async function runCommand(
  backend: Backend,
  defaults: CohesixDefaults,
  gpuId: string,
  argv: readonly string[],
  options: OperationOptions = {},
): Promise<void> {
  using run = new OperationRun("run", options);
  const { audit } = run;
  const id = normalizeGpuId(gpuId);
  if (!Array.isArray(argv) || argv.length === 0 || String(argv[0]).trim().length === 0) {
    throw new ValidationError("command must not be empty");
  }
  const program = argv[0]!;
  const command = argv.join(" ");
  const start = buildBreadcrumbLine(defaults, "START", "RUNNING", command);
  checkBreadcrumbFits(start, command, defaults);
  checkBreadcrumbFits(
    buildBreadcrumbLine(defaults, "EXIT", "ERR", command, WORST_EXIT_CODE),
    command,
    defaults,
  );
  requireRunPermission(program);

  const leasePath = joinPath(GPU_ROOT, id, "lease");
  run.plan(3);
  const leaseBytes = await run.read(
    backend,
    leasePath,
    defaults.coh.run.lease.maxBytes,
    "coh.run.lease.max_bytes",
  );
  audit?.pushAck("OK", "CAT", `path=${leasePath}`);
  validateActiveLease(decodeUtf8(leaseBytes, "lease file"), id, defaults);

  const statusPath = joinPath(GPU_ROOT, id, "status");
  const pushAck = (bytes: number) =>
    audit?.pushAck("OK", "ECHO", `path=${statusPath} bytes=${bytes}`);
  pushAck(await run.append(backend, statusPath, encodeUtf8(start)));

  // The command is killed when the caller aborts or the deadline passes.
  const outcome = await run.step(`running ${program}`, () => execute(argv, run.signal));
  // The EXIT breadcrumb is written even after an abort or the deadline, so the status log is
  // never left open: with the per-request timeout only.
  const exitOptions: CallOptions = options.timeoutMs === undefined
    ? {}
    : { timeoutMs: options.timeoutMs };
  const append = async (line: string, lineOptions: CallOptions) => {
    pushAck(await backend.writeAppend(statusPath, encodeUtf8(line), lineOptions));
  };
  switch (outcome.kind) {
    case "spawn-failed": {
      await append(buildBreadcrumbLine(defaults, "EXIT", "ERR", command), exitOptions);
      const cause = outcome.error;
      if (cause instanceof Deno.errors.NotCapable) {
        throw new PermissionError(`running ${program}`, `--allow-run=${program}`, { cause });
      }
      if (cause instanceof CohesixError) throw cause;
      throw new OperationError(`spawn ${program}`, {
        cause,
        hint: cause instanceof Deno.errors.NotFound
          ? "the program was not found; check its name and PATH"
          : (cause instanceof Error ? cause.message : String(cause)),
      });
    }
    case "signal":
      await append(buildBreadcrumbLine(defaults, "EXIT", "ERR", command), exitOptions);
      if (run.expired) throw run.deadlineError();
      if (options.signal?.aborted) {
        throw new AbortedError(`run of ${program} was aborted; the command was killed`);
      }
      throw new OperationError("command terminated by signal", {
        hint: `${program} was killed by ${outcome.signal}`,
      });
    case "exited": {
      const ok = outcome.code === 0;
      await append(
        buildBreadcrumbLine(defaults, "EXIT", ok ? "OK" : "ERR", command, outcome.code),
        exitOptions,
      );
      if (!ok) throw new OperationError(`command exited with code ${outcome.code}`);
    }
  }
}
