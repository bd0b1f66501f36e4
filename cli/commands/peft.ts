/**
 * `cohesix peft export|import|activate|rollback`: coh's PEFT verbs (OPERATIONS.md §4.8–§4.11),
 * same flags, same transcript lines. Export and import show a progress line on a terminal.
 *
 * @module
 */

import type { RegistryState } from "../../client/registry_state.ts";
import { joinLocal, statOrUndefined } from "../../client/local_files.ts";
import { DEFAULTS } from "../../core/defaults.ts";
import { UsageError } from "../../core/errors.ts";
import { type PermissionNeed, readNeed, writeNeed } from "../../core/permissions.ts";
import { INVENTORY_FLAGS, type InventoryChoice, inventoryChoiceOf } from "../inventory_flags.ts";
import { flagHelp, type FlagSpec, parseArgs, requiredFlag, stringFlag } from "../args.ts";
import { runCohOperation } from "../coh_operation.ts";
import type { CliCommand, CommandContext } from "../command.ts";
import { commandGroup, printHelp } from "../command_group.ts";
import { formatBytes } from "../progress.ts";
import { EXPORT_FILES } from "../../client/peft_export.ts";

const REGISTRY: FlagSpec = {
  names: ["--registry"],
  value: "DIR",
  help: `model registry (default ${DEFAULTS.coh.peft.import.registryRoot})`,
};
const EXPORT_FLAGS: readonly FlagSpec[] = [
  { names: ["--job"], value: "JOB", help: "LoRA job id under /queen/export/lora_jobs" },
  { names: ["--out"], value: "DIR", help: "folder to save <job>/ in" },
];
const IMPORT_FLAGS: readonly FlagSpec[] = [
  { names: ["--model"], value: "MODEL", help: "model id to register" },
  { names: ["--from"], value: "DIR", help: "adapter folder (adapter.safetensors, lora.json)" },
  { names: ["--job"], value: "JOB", help: "the exported job id" },
  { names: ["--export"], value: "DIR", help: "folder peft export wrote <job>/ into" },
  REGISTRY,
  {
    names: ["--publish"],
    help: "then publish the registry and GPUs to the Queen (REPLACES its /gpu snapshot)",
  },
  ...INVENTORY_FLAGS.map((spec) => ({ ...spec, help: `with --publish: ${spec.help}` })),
];
const ACTIVATE_FLAGS: readonly FlagSpec[] = [
  { names: ["--model"], value: "MODEL", help: "imported model id to activate" },
  REGISTRY,
];

/** `cohesix peft --help`. */
export const HELP = `cohesix peft: LoRA adapters from export to activation (coh peft)

usage:
  cohesix peft export --job JOB --out DIR
  cohesix peft import --model MODEL --from DIR --job JOB --export DIR [--registry DIR]
                      [--publish [--inventory FILE | --mock-inventory | --nvidia-smi]]
  cohesix peft activate --model MODEL [--registry DIR]
  cohesix peft rollback [--registry DIR]

export    LS /queen/export/lora_jobs/<job>, CAT telemetry.cbor, base_model.ref and policy.toml,
          save them to DIR/<job>/ (files already there are kept)
import    local only: copy the adapter into REGISTRY/available/<model>/ with hashes and write its
          manifest.toml (refused if the model was imported already); with --publish, then
          publish REGISTRY and the inventory's GPUs through /gpu/bridge/ctl as coh does. A
          publish REPLACES the Queen's whole /gpu snapshot: GPU nodes come back with empty lease
          and status logs, /gpu/models holds exactly the published models. The inventory is
          nvidia-smi (--allow-run=nvidia-smi), or the mock one with the global --mock.
activate  make MODEL current in the registry, then ECHO it to /gpu/models/active
rollback  swap back to the previous model, locally and on the Queen

export options:
${flagHelp(EXPORT_FLAGS)}

import options:
${flagHelp(IMPORT_FLAGS)}

activate/rollback options:
${flagHelp(ACTIVATE_FLAGS)}

Permissions (besides the backend's; import needs no backend permission unless --publish): export
--allow-read=DIR --allow-write=DIR; import --allow-read=FROM,EXPORT,REGISTRY
--allow-write=REGISTRY (--publish adds the backend's, and --allow-run=nvidia-smi or
--allow-read=FILE for the inventory); activate and rollback --allow-read=REGISTRY --allow-write=REGISTRY.
--json: export {"job_id","job_dir","written"}; import {"model_id","manifest","adapter_bytes"}
(+ "published": {"bytes","sha256","gpus"} with --publish);
activate and rollback {"current","previous"} (null when none); each with "transcript".
`;

function readWrite(what: string, dir: string): PermissionNeed[] {
  return [readNeed(`reading ${what} ${dir}`, dir), writeNeed(`writing ${what} ${dir}`, dir)];
}

function registryOf(args: ReturnType<typeof parseArgs>): string {
  return stringFlag(args, "registry") ?? DEFAULTS.coh.peft.import.registryRoot;
}

function stateJson(state: RegistryState): Record<string, unknown> {
  return { current: state.current, previous: state.previous ?? null };
}

async function exportJob(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const command = "peft export";
  const args = parseArgs(command, argv, EXPORT_FLAGS);
  if (args.help) return await printHelp(ctx, HELP);
  const job = requiredFlag(args, command, "job");
  const out = requiredFlag(args, command, "out");
  let files = 0;
  return await runCohOperation(ctx, {
    verb: "PEFT",
    command,
    progress: true,
    needs: readWrite("the export folder", out),
    onLine: (line, progress) => {
      if (!line.startsWith("OK CAT ")) return;
      files += 1;
      progress.update(`peft export: ${job}: file ${files}/${EXPORT_FILES.length}`);
    },
    run: ({ client, options }) => client.peftExport(job, out, options),
    json: (result) => ({ job_id: job, job_dir: result.jobDir, written: result.written }),
  });
}

async function importModel(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const command = "peft import";
  const args = parseArgs(command, argv, IMPORT_FLAGS);
  if (args.help) return await printHelp(ctx, HELP);
  const modelId = requiredFlag(args, command, "model");
  const adapterDir = requiredFlag(args, command, "from");
  const jobId = requiredFlag(args, command, "job");
  const exportRoot = requiredFlag(args, command, "export");
  const registryRoot = registryOf(args);
  const publish = args.flags.publish === true;
  const inventory = inventoryOf(args, ctx, publish);
  return await runCohOperation(ctx, {
    verb: "PEFT",
    command,
    remote: publish,
    progress: true,
    needs: [
      readNeed(`reading the adapter in ${adapterDir}`, adapterDir),
      readNeed(`reading the export in ${exportRoot}`, exportRoot),
      ...readWrite("the model registry", registryRoot),
      ...(inventory === undefined ? [] : await publishNeeds(inventory)),
    ],
    run: async ({ client, options, progress }) => {
      if (progress.enabled) {
        const adapter = statOrUndefined(joinLocal(adapterDir, "adapter.safetensors"));
        const size = adapter === undefined ? "" : ` (adapter ${formatBytes(adapter.size)})`;
        progress.update(`peft import: copying and hashing ${modelId}${size}`);
      }
      const importArgs = { modelId, adapterDir, jobId, exportRoot, registryRoot };
      if (inventory === undefined) return await client.peftImport(importArgs, options);
      // Loaded only for a publish: a plain import stays local and light.
      const { loadInventoryNodes } = await import("./gpu_publish.ts");
      const signal = options.signal ?? new AbortController().signal;
      const nodes = await loadInventoryNodes(inventory, signal);
      return await client.peftImport(importArgs, { ...options, publish: { nodes } });
    },
    json: (result) => ({
      model_id: result.modelId,
      manifest: result.manifestPath,
      adapter_bytes: result.adapterBytes,
      ...(result.published === undefined ? {} : {
        published: {
          bytes: result.published.bytes,
          sha256: result.published.sha256,
          gpus: result.published.gpus,
        },
      }),
    }),
  });
}

/**
 * The inventory a `--publish` uses: the flag given, else the mock one on the mock Queen (as
 * `coh --mock`), else nvidia-smi (coh uses NVML). Inventory flags without `--publish` are refused.
 */
function inventoryOf(
  args: ReturnType<typeof parseArgs>,
  ctx: CommandContext,
  publish: boolean,
): InventoryChoice | undefined {
  if (!publish) {
    const given = INVENTORY_FLAGS.find((spec) => args.flags[spec.names[0]!.slice(2)] !== undefined);
    if (given !== undefined) {
      throw new UsageError("--inventory, --mock-inventory and --nvidia-smi need --publish", {
        hint: "add --publish to publish the registry after the import",
      });
    }
    return undefined;
  }
  const onMock = ctx.globals.values.mock === true || ctx.globals.values["mock-root"] !== undefined;
  return inventoryChoiceOf(args, onMock ? { kind: "mock" } : { kind: "nvidia-smi" });
}

async function publishNeeds(inventory: InventoryChoice): Promise<PermissionNeed[]> {
  const { inventoryNeeds } = await import("./gpu_publish.ts");
  return inventoryNeeds(inventory);
}

async function activate(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const command = "peft activate";
  const args = parseArgs(command, argv, ACTIVATE_FLAGS);
  if (args.help) return await printHelp(ctx, HELP);
  const model = requiredFlag(args, command, "model");
  const registry = registryOf(args);
  return await runCohOperation(ctx, {
    verb: "PEFT",
    command,
    needs: readWrite("the model registry", registry),
    run: ({ client, options }) => client.peftActivate(model, registry, options),
    json: stateJson,
  });
}

async function rollback(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const command = "peft rollback";
  const args = parseArgs(command, argv, [REGISTRY]);
  if (args.help) return await printHelp(ctx, HELP);
  const registry = registryOf(args);
  return await runCohOperation(ctx, {
    verb: "PEFT",
    command,
    needs: readWrite("the model registry", registry),
    run: ({ client, options }) => client.peftRollback(registry, options),
    json: stateJson,
  });
}

/** `cohesix peft`. */
export const command: CliCommand = commandGroup(
  "peft",
  "export a LoRA job, import, activate or roll back a model (coh peft)",
  HELP,
  { export: exportJob, import: importModel, activate, rollback },
);
