/**
 * `cohesix gpu publish`: publish the GPU namespace and the model registry to the Queen through
 * `/gpu/bridge/ctl`, byte for byte as `gpu-bridge-host --publish` (CLI.md §6, OPERATIONS.md
 * §4.9), and check that `/gpu/bridge/status` confirms it. With `--interval-ms N` it republishes
 * every N ms until Ctrl-C, one line per round (gpu-bridge-host's loop mode). The `gpu` command
 * group routes `publish` here.
 *
 * @module
 */

import { sleepMs } from "../../core/sleep.ts";
import { gpuPublish, type GpuPublishResult, mockInventoryNodes } from "../../client/gpu_publish.ts";
import { bridgeNodeOf } from "../../client/gpu_inventory.ts";
import { loadInventoryFile } from "../../client/inventory_file.ts";
import { nvidiaSmiInventory } from "../../client/nvidia_smi_inventory.ts";
import { AbortedError, CohesixError, UsageError } from "../../core/errors.ts";
import { type PermissionNeed, readNeed, runNeed } from "../../core/permissions.ts";
import type { BridgeNode } from "../../queen/bridge_wire.ts";
import { type FlagSpec, parseArgs, stringFlag } from "../args.ts";
import { INVENTORY_FLAGS, type InventoryChoice, inventoryChoiceOf } from "../inventory_flags.ts";
import type { CommandContext } from "../command.ts";
import { openCliBackend } from "../open_backend.ts";

/** The help of `gpu publish`. */
export const GPU_PUBLISH_HELP =
  `usage: cohesix gpu publish --registry DIR [--inventory FILE | --mock-inventory | --nvidia-smi] [--interval-ms N]

Publishes the GPU namespace and the model registry DIR to the Queen through /gpu/bridge/ctl,
as 'gpu-bridge-host --publish' does (same bytes, same sha256), then checks that
/gpu/bridge/status reads 'state=ok bytes=<n> sha256=<hex>' for exactly what was sent.

WARNING: a publish REPLACES the Queen's whole /gpu snapshot. The GPU nodes are re-created from
the inventory with empty lease and status logs (active leases disappear from view),
/gpu/models holds exactly the registry's models (upstream's two default models if DIR has none),
and /gpu/models/active restarts at the registry's active model.

options:
  --registry DIR      model registry: DIR/available/<id>/manifest.toml, DIR/active
  --nvidia-smi        the host's GPUs from nvidia-smi (default; needs --allow-run=nvidia-smi)
  --mock-inventory    gpu-bridge-host's mock inventory (Mock 4090, Mock 4060)
  --inventory FILE    the nodes of FILE, a 'gpu-bridge-host --list' JSON
  --interval-ms N     republish every N ms until Ctrl-C, one line per round
  -h, --help          show this help

Prints one line per publish: 'published bytes=<n> sha256=<hex> gpus=<ids> models=<ids>
active=<id>' (with --json, one JSON object per line).
`;

/** The parsed arguments of `gpu publish`. */
export interface GpuPublishArgs {
  /** `--registry DIR`. */
  readonly registry: string;
  /** The inventory flag (nvidia-smi when none is given, as gpu-bridge-host uses NVML). */
  readonly inventory: InventoryChoice;
  /** `--interval-ms N`, if given. */
  readonly intervalMs: number | undefined;
  /** `-h`/`--help`. */
  readonly help: boolean;
}

const PUBLISH_FLAGS: readonly FlagSpec[] = [
  { names: ["--registry"], value: "DIR", help: "the model registry to publish" },
  ...INVENTORY_FLAGS,
  { names: ["--interval-ms"], value: "N", help: "republish every N ms until Ctrl-C" },
];

/** Parses the arguments after `gpu publish`. */
export function parseGpuPublishArgs(argv: readonly string[]): GpuPublishArgs {
  const args = parseArgs("gpu publish", argv, PUBLISH_FLAGS);
  if (args.help) {
    return { registry: "", inventory: { kind: "mock" }, intervalMs: undefined, help: true };
  }
  const registry = stringFlag(args, "registry");
  if (registry === undefined || registry === "") {
    throw new UsageError("gpu publish needs --registry DIR", {
      hint: "the model registry to publish (coh's default is out/model_registry)",
    });
  }
  const interval = stringFlag(args, "interval-ms");
  let intervalMs: number | undefined;
  if (interval !== undefined) {
    if (
      !/^\d+$/.test(interval) || Number(interval) < 1 || !Number.isSafeInteger(Number(interval))
    ) {
      throw new UsageError(`--interval-ms must be a positive integer (got '${interval}')`);
    }
    intervalMs = Number(interval);
  }
  // gpu-bridge-host reads the host's GPUs (NVML) unless told otherwise.
  const inventory = inventoryChoiceOf(args, { kind: "nvidia-smi" });
  return { registry, inventory, intervalMs, help: false };
}

/** The permissions an inventory needs (for `peft import --publish` too). */
export function inventoryNeeds(inventory: InventoryChoice): PermissionNeed[] {
  if (inventory.kind === "file") return [readNeed("the inventory file", inventory.path)];
  if (inventory.kind === "nvidia-smi") return [runNeed("the GPU inventory", "nvidia-smi")];
  return [];
}

/** The GPU nodes of an inventory (for `peft import --publish` too). */
export async function loadInventoryNodes(
  inventory: InventoryChoice,
  signal: AbortSignal,
): Promise<BridgeNode[]> {
  switch (inventory.kind) {
    case "mock":
      return mockInventoryNodes();
    case "file":
      return await loadInventoryFile(inventory.path);
    case "nvidia-smi":
      return (await nvidiaSmiInventory({ signal })).map(bridgeNodeOf);
  }
}

function resultLine(result: GpuPublishResult): string {
  return `published bytes=${result.bytes} sha256=${result.sha256} gpus=${result.gpus.join(",")} ` +
    `models=${result.catalog.models.map((m) => m.id).join(",")} active=${result.catalog.active}`;
}

function resultJson(result: GpuPublishResult): string {
  return JSON.stringify({
    bytes: result.bytes,
    sha256: result.sha256,
    gpus: result.gpus,
    models: result.catalog.models.map((m) => m.id),
    active: result.catalog.active,
    catalog: result.catalog.source,
    status: result.status,
  });
}

/**
 * Runs `gpu publish` (arguments after `publish`). Returns 0 when the (last) publish was
 * confirmed; a failure of a single publish, or of the first round, is thrown for the CLI to
 * report. In loop mode a later round's failure is printed and the loop goes on (the Queen may be
 * rebooting); Ctrl-C ends it, with 1 if the last round failed.
 */
export async function runGpuPublish(
  argv: readonly string[],
  ctx: CommandContext,
): Promise<number> {
  const args = parseGpuPublishArgs(argv);
  if (args.help) {
    await ctx.io.out(GPU_PUBLISH_HELP);
    return 0;
  }
  using interrupt = ctx.io.trapInterrupt();
  const { backend, defaults } = await openCliBackend(ctx, {
    needs: [readNeed("the model registry", args.registry), ...inventoryNeeds(args.inventory)],
    signal: interrupt,
  });
  await using _backend = backend;
  const print = (result: GpuPublishResult, round: number | undefined) =>
    ctx.io.out(
      `${
        ctx.globals.json
          ? resultJson(result)
          : `${round === undefined ? "" : `round=${round} `}${resultLine(result)}`
      }\n`,
    );
  const publishOnce = async (): Promise<GpuPublishResult> => {
    const nodes = await loadInventoryNodes(args.inventory, interrupt);
    const result = await gpuPublish(backend, defaults, { nodes, registryRoot: args.registry }, {
      signal: interrupt,
      ...(ctx.globals.timeoutMs === undefined ? {} : { timeoutMs: ctx.globals.timeoutMs }),
    });
    if (result.catalog.source === "default") {
      await ctx.io.err(
        `note: ${args.registry} holds no models; published upstream's default catalogue ` +
          `(${result.catalog.models.map((m) => m.id).join(", ")})\n`,
      );
    }
    return result;
  };

  const first = await publishOnce();
  if (args.intervalMs === undefined) {
    await print(first, undefined);
    return 0;
  }
  await print(first, 1);
  let lastOk = true;
  for (let round = 2;; round++) {
    await sleepMs(args.intervalMs, interrupt);
    if (interrupt.aborted) break;
    try {
      await print(await publishOnce(), round);
      lastOk = true;
    } catch (error) {
      if (interrupt.aborted || error instanceof AbortedError) break;
      lastOk = false;
      const message = error instanceof CohesixError ? error.message : String(error);
      await ctx.io.out(
        ctx.globals.json
          ? `${JSON.stringify({ round, error: message })}\n`
          : `round=${round} failed: ${message}\n`,
      );
    }
  }
  return lastOk ? 0 : 1;
}
