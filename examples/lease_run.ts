/**
 * Example: lease a GPU, run a command under the lease, release it — the Python `lease_run.py`
 * flow (OPERATIONS.md §7.3) on coh's operations: gpu list → pick a GPU → lease → read the lease
 * back → run the command (START/EXIT breadcrumbs) → release (kill the lease's worker).
 *
 * Artifacts in `<out>/lease_run/`: `gpu_list.json`, `lease.json`, `audit.txt`.
 *
 * ```sh
 * deno run --allow-read=out/examples --allow-write=out/examples --allow-run=echo examples/lease_run.ts --mock
 * deno run --allow-read=out/examples --allow-write=out/examples --allow-run=echo --allow-net=127.0.0.1:31337 \
 *   --allow-env=COH_AUTH_TOKEN,COHSH_AUTH_TOKEN examples/lease_run.ts -- echo ok
 * ```
 *
 * @module
 */

import { CohesixClient } from "../client/client.ts";
import type { GpuInfo } from "../client/gpu.ts";
import { DEFAULTS } from "../core/defaults.ts";
import { CommandError, OperationError, WriteRefusedError } from "../core/errors.ts";
import { joinPath } from "../core/paths.ts";
import { renderSortedJson, writeArtifact } from "./artifacts.ts";
import {
  booleanFlag,
  type ExampleCli,
  type FlagValues,
  integerFlag,
  openBackend,
  stringFlag,
  UsageError,
} from "./common.ts";
import { runNeed } from "../core/permissions.ts";
import { type ExampleContext, runExample } from "./run_example.ts";

/** The command run when none is given after `--`. */
export const DEFAULT_COMMAND: readonly string[] = ["echo", "ok"];

/** Lease request defaults (as the Python example's). */
export const LEASE_DEFAULTS = { memMb: 4096, streams: 1, ttlS: 120, priority: 1 } as const;

/** The command line of `lease_run`. */
export const LEASE_RUN_CLI: ExampleCli = {
  name: "lease_run",
  summary: "lease a GPU, run a command under the lease, then release it",
  trailing: "[-- command [args...]]",
  acceptsCommand: true,
  flags: {
    gpu: { type: "string", value: "ID", help: "GPU to lease (default: first listed, or GPU-0)" },
    "prefer-mig": { type: "boolean", help: "prefer the first MIG-* GPU listed" },
    "include-mig": { type: "boolean", help: "mock only: add a MIG-0 GPU to the namespace" },
    "mem-mb": { type: "string", value: "MB", help: `lease memory (${LEASE_DEFAULTS.memMb})` },
    streams: { type: "string", value: "N", help: `lease streams (${LEASE_DEFAULTS.streams})` },
    "ttl-s": { type: "string", value: "SECONDS", help: `lease TTL (${LEASE_DEFAULTS.ttlS})` },
    priority: { type: "string", value: "N", help: `lease priority (${LEASE_DEFAULTS.priority})` },
    "skip-release": { type: "boolean", help: "keep the lease's worker (no kill)" },
  },
};

/** The command to run: the arguments after `--`, or `echo ok`. */
export function commandOf(command: readonly string[] | undefined): readonly string[] {
  if (command === undefined || command.length === 0) return DEFAULT_COMMAND;
  if ((command[0] ?? "").trim() === "") throw new UsageError("the command after -- is empty");
  return command;
}

/** Picks the GPU: `--gpu`, else the first MIG (with `--prefer-mig`), else the first, else GPU-0. */
export function pickGpu(values: FlagValues, gpus: readonly GpuInfo[]): string {
  const explicit = stringFlag(values, "gpu")?.trim();
  if (explicit) return explicit;
  if (booleanFlag(values, "prefer-mig")) {
    const mig = gpus.find((gpu) => gpu.id.startsWith("MIG"));
    if (mig) return mig.id;
  }
  return gpus[0]?.id ?? DEFAULTS.examples.gpuId;
}

/** `gpu_list.json`: the info records with their wire keys, sorted, as Python writes them. */
export function renderGpuList(gpus: readonly GpuInfo[]): string {
  return renderSortedJson(gpus.map((gpu) => ({
    id: gpu.id,
    name: gpu.name,
    memory_mb: gpu.memoryMb,
    sm_count: gpu.smCount,
    driver_version: gpu.driverVersion,
    runtime_version: gpu.runtimeVersion,
  })));
}

/** The example body. */
export async function leaseRun(ctx: ExampleContext): Promise<void> {
  const { values } = ctx.args;
  const command = commandOf(ctx.args.command);
  const lease = {
    memMb: integerFlag(values, "mem-mb", LEASE_DEFAULTS.memMb),
    streams: integerFlag(values, "streams", LEASE_DEFAULTS.streams),
    ttlS: integerFlag(values, "ttl-s", LEASE_DEFAULTS.ttlS),
    priority: integerFlag(values, "priority", LEASE_DEFAULTS.priority),
  };
  await using backend = await openBackend(ctx.backend, {
    defaults: ctx.defaults,
    signal: ctx.signal,
  });
  const client = new CohesixClient(backend, ctx.defaults);

  const gpus = await client.gpuList(ctx.operation());
  await writeArtifact(`${ctx.outDir}/gpu_list.json`, renderGpuList(gpus));
  const gpuId = pickGpu(values, gpus);

  try {
    await client.gpuLease({ gpuId, ...lease }, ctx.operation());
  } catch (error) {
    // A refusal explained by the lifecycle state or the role already says what to do.
    if (!(error instanceof CommandError) || error instanceof WriteRefusedError) throw error;
    throw new OperationError(`the Queen refused the lease of ${gpuId}: ${error.server.line}`, {
      cause: error,
      hint: `pick a listed GPU with --gpu (${gpus.map((gpu) => gpu.id).join(", ") || "none"}) ` +
        "and keep --mem-mb, --streams, --ttl-s at 1 or more; a full lease log or 8 workers " +
        "also refuse",
    });
  }
  // Read the lease back (as the Python example does) to learn the worker it was granted to.
  const leasePath = joinPath("/gpu", gpuId, "lease");
  // Python reads it with its 64 KiB generic cap (MAX_DIR_LIST_BYTES), not the 1 KiB run cap.
  const bytes = await backend.readFile(leasePath, ctx.defaults.readCaps.maxDirListBytes, {
    signal: ctx.signal,
  });
  ctx.audit.pushAck("OK", "CAT", `path=${leasePath}`);
  const leaseLine = lastNonEmptyLine(new TextDecoder().decode(bytes));
  if (leaseLine === undefined) {
    throw new OperationError(`no lease line in ${leasePath} after the lease request`, {
      hint: "the Queen did not record the lease; check /queen/ctl and the worker limit",
    });
  }
  await writeArtifact(`${ctx.outDir}/lease.json`, `${leaseLine}\n`);

  try {
    await client.runCommand(gpuId, [...command], ctx.operation());
  } finally {
    // Release even when the command failed, so a failed demo leaves no worker behind. Best
    // effort, as in the Python example: a failed release is reported, not fatal. It is
    // attempted even after the run's deadline (one write, bounded by --timeout-s), as the run
    // writes its EXIT breadcrumb, so a timed-out demo leaves no worker behind either.
    if (!booleanFlag(values, "skip-release")) {
      try {
        await client.queenKill(workerIdOf(leaseLine, leasePath), { audit: ctx.audit });
      } catch (error) {
        ctx.note(`release failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

function lastNonEmptyLine(text: string): string | undefined {
  return text.split("\n").map((line) => line.trim()).filter((line) => line !== "").at(-1);
}

function workerIdOf(leaseLine: string, leasePath: string): string {
  let record: unknown;
  try {
    record = JSON.parse(leaseLine);
  } catch (cause) {
    throw new OperationError(`lease line in ${leasePath} is not JSON`, { cause });
  }
  const worker = (record as { worker_id?: unknown } | null)?.worker_id;
  if (typeof worker !== "string" || worker.trim() === "") {
    throw new OperationError(`lease line in ${leasePath} names no worker_id`);
  }
  return worker;
}

if (import.meta.main) {
  Deno.exit(
    await runExample(LEASE_RUN_CLI, Deno.args, leaseRun, {
      needs: (ctx) => {
        const program = commandOf(ctx.args.command)[0] ?? "";
        return [runNeed(`running ${program}`, program)];
      },
    }),
  );
}
