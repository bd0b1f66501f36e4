/**
 * `cohesix gpu list|status|lease`: coh's GPU verbs (OPERATIONS.md §4.1–§4.3), same flags, same
 * transcript lines.
 *
 * @module
 */

import type { GpuInfo } from "../../client/gpu.ts";
import {
  flagHelp,
  type FlagSpec,
  parseArgs,
  requiredFlag,
  stringFlag,
  uintValue,
} from "../args.ts";
import { runCohOperation } from "../coh_operation.ts";
import type { CliCommand, CommandContext } from "../command.ts";
import { commandGroup, printHelp } from "../command_group.ts";

const STATUS_FLAGS: readonly FlagSpec[] = [
  { names: ["--gpu"], value: "ID", help: "GPU id (e.g. GPU-0)" },
];

const LEASE_FLAGS: readonly FlagSpec[] = [
  { names: ["--gpu"], value: "ID", help: "GPU id (e.g. GPU-0)" },
  { names: ["--mem-mb"], value: "MB", help: "memory in MiB (u32)" },
  { names: ["--streams"], value: "N", help: "stream count (0..=255)" },
  { names: ["--ttl-s"], value: "SECONDS", help: "lease time to live (u32)" },
  { names: ["--priority"], value: "N", help: "priority (0..=255, default 0)" },
  { names: ["--budget-ttl-s"], value: "SECONDS", help: "worker budget time to live (u64)" },
  { names: ["--budget-ops"], value: "N", help: "worker budget operations (u64)" },
];

/** `cohesix gpu --help`. */
export const HELP = `cohesix gpu: the Queen's GPUs (coh gpu)

usage:
  cohesix gpu list
  cohesix gpu status --gpu ID
  cohesix gpu lease --gpu ID --mem-mb MB --streams N --ttl-s SECONDS [--priority N]
                    [--budget-ttl-s SECONDS] [--budget-ops N]
  cohesix gpu publish --registry DIR [...]   (gpu-bridge-host --publish; see gpu publish --help)

list     LS /gpu, then CAT /gpu/<id>/info for each GPU (LS order; models, telemetry and
         bridge are not GPUs); prints coh's "gpu id=... name=... mem_mb=..." lines
status   the last line of /gpu/<id>/status (EMPTY when there is none)
lease    asks the Queen for a lease: ECHO of coh's spawn request to /queen/ctl
publish  replaces the Queen's /gpu snapshot with this host's GPUs and a model registry

status options:
${flagHelp(STATUS_FLAGS)}

lease options:
${flagHelp(LEASE_FLAGS)}

--json: list {"gpus":[{"id","name","memory_mb","sm_count","driver_version","runtime_version"}]},
status {"gpu_id","status"}, lease {"gpu_id","mem_mb","streams","ttl_s","priority"[,"budget_ttl_s"]
[,"budget_ops"]}; each with "transcript" (the lines coh prints).
`;

/** A GPU record with its wire keys (the `/gpu/<id>/info` JSON). */
export function gpuRecord(info: GpuInfo): Record<string, string | number> {
  return {
    id: info.id,
    name: info.name,
    memory_mb: info.memoryMb,
    sm_count: info.smCount,
    driver_version: info.driverVersion,
    runtime_version: info.runtimeVersion,
  };
}

async function list(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const args = parseArgs("gpu list", argv, []);
  if (args.help) return await printHelp(ctx, HELP);
  return await runCohOperation(ctx, {
    verb: "GPU",
    command: "gpu list",
    run: ({ client, options }) => client.gpuList(options),
    json: (gpus) => ({ gpus: gpus.map(gpuRecord) }),
  });
}

async function status(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const args = parseArgs("gpu status", argv, STATUS_FLAGS);
  if (args.help) return await printHelp(ctx, HELP);
  const gpu = requiredFlag(args, "gpu status", "gpu");
  return await runCohOperation(ctx, {
    verb: "GPU",
    command: "gpu status",
    run: ({ client, options }) => client.gpuStatus(gpu, options),
    json: (line) => ({ gpu_id: gpu.trim(), status: line }),
  });
}

async function lease(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const args = parseArgs("gpu lease", argv, LEASE_FLAGS);
  if (args.help) return await printHelp(ctx, HELP);
  const command = "gpu lease";
  const uint = (name: string, placeholder: string, type: "u8" | "u32" | "u64") =>
    uintValue(`--${name}`, placeholder, requiredFlag(args, command, name), type);
  const optionalUint = (name: string, placeholder: string, type: "u8" | "u64") => {
    const text = stringFlag(args, name);
    return text === undefined ? undefined : uintValue(`--${name}`, placeholder, text, type);
  };
  const gpuId = requiredFlag(args, command, "gpu");
  const memMb = uint("mem-mb", "MEM_MB", "u32");
  const streams = uint("streams", "STREAMS", "u8");
  const ttlS = uint("ttl-s", "TTL_S", "u32");
  const priority = optionalUint("priority", "PRIORITY", "u8");
  const budgetTtlS = optionalUint("budget-ttl-s", "BUDGET_TTL_S", "u64");
  const budgetOps = optionalUint("budget-ops", "BUDGET_OPS", "u64");
  const leaseArgs = {
    gpuId,
    memMb,
    streams,
    ttlS,
    ...(priority === undefined ? {} : { priority }),
    ...(budgetTtlS === undefined ? {} : { budgetTtlS }),
    ...(budgetOps === undefined ? {} : { budgetOps }),
  };
  return await runCohOperation(ctx, {
    verb: "GPU",
    command,
    run: ({ client, options }) => client.gpuLease(leaseArgs, options),
    json: () => ({
      gpu_id: gpuId.trim(),
      mem_mb: memMb,
      streams,
      ttl_s: ttlS,
      priority: priority ?? 0,
      ...(budgetTtlS === undefined ? {} : { budget_ttl_s: budgetTtlS }),
      ...(budgetOps === undefined ? {} : { budget_ops: budgetOps }),
    }),
  });
}

/** `cohesix gpu`. */
export const command: CliCommand = commandGroup(
  "gpu",
  "list GPUs, show a GPU's status, request a lease (coh gpu)",
  HELP,
  {
    list,
    status,
    lease,
    // Loaded only for a publish: the snapshot and inventory code is not needed by the others.
    publish: async (argv, ctx) => (await import("./gpu_publish.ts")).runGpuPublish(argv, ctx),
  },
);
