/**
 * Where the GPU nodes of a publish come from, as flags: `--inventory FILE` (a gpu-bridge-host
 * `--list` JSON file), `--mock-inventory`, `--nvidia-smi`. Shared by `gpu publish` and
 * `peft import --publish`, in a module of its own so a plain `peft import` does not load the
 * publish code.
 *
 * @module
 */

import { UsageError } from "../core/errors.ts";
import { type FlagSpec, type ParsedArgs, stringFlag } from "./args.ts";

/** Where the GPU nodes come from. */
export type InventoryChoice =
  | { readonly kind: "nvidia-smi" }
  | { readonly kind: "mock" }
  | { readonly kind: "file"; readonly path: string };

/** The inventory flags, shared by `gpu publish` and `peft import --publish`. */
export const INVENTORY_FLAGS: readonly FlagSpec[] = [
  { names: ["--inventory"], value: "FILE", help: "GPUs from a gpu-bridge-host --list JSON file" },
  { names: ["--mock-inventory"], help: "gpu-bridge-host's mock GPUs" },
  { names: ["--nvidia-smi"], help: "this host's GPUs from nvidia-smi" },
];

/**
 * The inventory the flags name (at most one of them), or `fallback` when none is given.
 */
export function inventoryChoiceOf(
  args: ParsedArgs,
  fallback: InventoryChoice,
): InventoryChoice {
  const file = stringFlag(args, "inventory");
  const chosen: InventoryChoice[] = [
    ...(file === undefined ? [] : [{ kind: "file", path: file } as const]),
    ...(args.flags["mock-inventory"] === true ? [{ kind: "mock" } as const] : []),
    ...(args.flags["nvidia-smi"] === true ? [{ kind: "nvidia-smi" } as const] : []),
  ];
  if (chosen.length > 1) {
    throw new UsageError("give one of --inventory FILE, --mock-inventory, --nvidia-smi");
  }
  return chosen[0] ?? fallback;
}
