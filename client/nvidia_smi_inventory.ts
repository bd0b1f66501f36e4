/**
 * The host's GPUs from `nvidia-smi`, for hosts without NVML bindings (gpu-bridge-host reads
 * NVML; CLI.md §6.3 gives its mapping): one `nvidia-smi --query-gpu=index,name,memory.total,
 * driver_version --format=csv,noheader,nounits` gives id `GPU-<index>`, the name, total memory
 * in MiB and the driver version; the CUDA version of plain `nvidia-smi`'s header
 * (`CUDA Version: 12.4`) is the runtime version (`unknown` if absent). nvidia-smi does not
 * report SM counts, so `sm_count` is 0, upstream's value for "unknown".
 *
 * Needs `--allow-run=nvidia-smi`. A missing or failing nvidia-smi is an `InventoryError` that
 * names the two other inventories (the mock one and an inventory file).
 *
 * @module
 */

import { InventoryError, PermissionError } from "../core/errors.ts";
import type { GpuInventoryEntry } from "./gpu_inventory.ts";

/** The query gpu-bridge-host's fields come from. */
export const NVIDIA_SMI_QUERY_ARGS: readonly string[] = [
  "--query-gpu=index,name,memory.total,driver_version",
  "--format=csv,noheader,nounits",
];

/** Options of {@link nvidiaSmiInventory}. */
export interface NvidiaSmiOptions {
  /** The program to run (`nvidia-smi`, found on PATH, by default). */
  readonly command?: string;
  /** Gives up after this many ms (10 s by default). */
  readonly timeoutMs?: number;
  /** Aborts the run. */
  readonly signal?: AbortSignal;
}

const OTHER_OPTIONS = "use the mock inventory (--mock-inventory) or an inventory file " +
  "(--inventory FILE, the JSON of 'gpu-bridge-host --list')";
const MAX_STDERR_CHARS = 200;

/** The GPUs nvidia-smi reports, in its order. */
export async function nvidiaSmiInventory(
  options: NvidiaSmiOptions = {},
): Promise<GpuInventoryEntry[]> {
  const command = options.command ?? "nvidia-smi";
  const csv = await runNvidiaSmi(command, NVIDIA_SMI_QUERY_ARGS, options);
  const gpus = parseNvidiaSmiCsv(csv);
  let runtime = "unknown";
  try {
    runtime = parseCudaVersion(await runNvidiaSmi(command, [], options)) ?? "unknown";
  } catch (error) {
    if (error instanceof PermissionError) throw error;
    // The query worked; only the CUDA version is missing, which upstream also tolerates.
  }
  return gpus.map((gpu) => ({ ...gpu, runtimeVersion: runtime }));
}

/** Parses the query's CSV: `index, name, memory MiB, driver` per line. */
export function parseNvidiaSmiCsv(text: string): GpuInventoryEntry[] {
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "");
  if (lines.length === 0) {
    throw new InventoryError("nvidia-smi reported no GPUs", { hint: OTHER_OPTIONS });
  }
  return lines.map((line) => {
    const fields = line.split(",").map((field) => field.trim());
    // A name may itself hold commas: index first, memory and driver last, the name between.
    const index = fields[0];
    const name = fields.slice(1, -2).join(", ");
    const [memory, driver] = fields.slice(-2);
    if (
      fields.length < 4 || !/^\d+$/.test(index!) || !/^\d+$/.test(memory!) ||
      Number(memory) > 0xffff_ffff || name === "" || driver === ""
    ) {
      throw new InventoryError(
        `nvidia-smi printed an unexpected line: ${JSON.stringify(line.slice(0, 120))}`,
        { hint: `expected 'index, name, memory.total, driver_version'; or ${OTHER_OPTIONS}` },
      );
    }
    return {
      id: `GPU-${Number(index)}`,
      name: name!,
      memoryMb: Number(memory),
      smCount: 0,
      driverVersion: driver!,
      runtimeVersion: "unknown",
    };
  });
}

/** `12.4` from `… CUDA Version: 12.4 …`, or `undefined`. */
export function parseCudaVersion(text: string): string | undefined {
  return /CUDA Version\s*:\s*(\d+)\.(\d+)/.exec(text)?.slice(1, 3).join(".");
}

async function runNvidiaSmi(
  command: string,
  args: readonly string[],
  options: NvidiaSmiOptions,
): Promise<string> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(command, {
      args: [...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal,
    }).output();
  } catch (cause) {
    if (cause instanceof Deno.errors.NotCapable) {
      throw new PermissionError(`run ${command}`, `--allow-run=${command}`, { cause });
    }
    if (cause instanceof Deno.errors.NotFound) {
      throw new InventoryError(`${command} was not found on PATH`, {
        cause,
        hint: `install the NVIDIA driver tools, or ${OTHER_OPTIONS}`,
      });
    }
    throw new InventoryError(`could not run ${command}: ${String(cause)}`, {
      cause,
      hint: OTHER_OPTIONS,
    });
  }
  if (signal.aborted) {
    throw new InventoryError(`${command} did not finish`, { hint: OTHER_OPTIONS });
  }
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim().split("\n")[0] ?? "";
    throw new InventoryError(
      `${command} failed with exit code ${output.code}` +
        (stderr === "" ? "" : `: ${stderr.slice(0, MAX_STDERR_CHARS)}`),
      { hint: OTHER_OPTIONS },
    );
  }
  return new TextDecoder().decode(output.stdout);
}
