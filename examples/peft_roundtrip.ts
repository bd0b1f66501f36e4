/**
 * Example: the PEFT/LoRA round trip of the Python `peft_roundtrip.py` (OPERATIONS.md §7.3) on
 * coh's operations: write demo adapter files → export the job from the Queen → import the model
 * and the previous model into a local registry → activate the previous, then the model → roll
 * back.
 *
 * Artifacts in `<out>/peft_roundtrip/`: `adapter/` (demo adapter files, rewritten each run),
 * `export/<job>/` (the job's files; kept, like every export: files already present are not
 * fetched again), `registry/` (recreated on every run, so the demo can be re-run — the Python
 * example fails a second run with "model … already imported"), `audit.txt`.
 *
 * The live Queen 0.3.0-alpha2 serves no `/queen/export`: the export then fails with a message
 * saying how to obtain one (`coh peft export --mock …` into `<out>/peft_roundtrip/export`), and
 * a job already present there is used as is.
 *
 * @module
 */

import { CohesixClient } from "../client/client.ts";
import { EXPORT_FILES } from "../client/peft_export.ts";
import { type CohesixError, CommandError, OperationError } from "../core/errors.ts";
import { ensureDir, removeIfPresent, writeArtifact } from "./artifacts.ts";
import { describeBackend, type ExampleCli, openBackend, stringFlag } from "./common.ts";
import { type ExampleContext, runExample } from "./run_example.ts";
import { DEFAULTS } from "../core/defaults.ts";

/** The model activated before the demo model, then rolled back to. */
export const DEFAULT_PREVIOUS_MODEL_ID = "llama3-edge-v6";

/** The demo adapter files (no trailing newlines), as the Python example writes them. */
export const DEMO_ADAPTER_FILES: Readonly<Record<string, string>> = {
  "adapter.safetensors": "adapter-bytes",
  "lora.json": '{"rank":8}',
  "metrics.json": '{"loss":0.02}',
};

/** The command line of `peft_roundtrip`. */
export const PEFT_ROUNDTRIP_CLI: ExampleCli = {
  name: "peft_roundtrip",
  summary: "export a LoRA job, import it into a local registry, activate and roll back",
  flags: {
    "job-id": { type: "string", value: "ID", help: `export job (${DEFAULTS.examples.jobId})` },
    "model-id": {
      type: "string",
      value: "ID",
      help: `model to import and activate (${DEFAULTS.examples.modelId})`,
    },
    "previous-model-id": {
      type: "string",
      value: "ID",
      help: `model activated first, then rolled back to (${DEFAULT_PREVIOUS_MODEL_ID})`,
    },
  },
};

/** The example body. */
export async function peftRoundtrip(ctx: ExampleContext): Promise<void> {
  const { values } = ctx.args;
  const jobId = stringFlag(values, "job-id") ?? ctx.defaults.examples.jobId;
  const modelId = stringFlag(values, "model-id") ?? ctx.defaults.examples.modelId;
  const previousId = stringFlag(values, "previous-model-id") ?? DEFAULT_PREVIOUS_MODEL_ID;
  const adapterDir = `${ctx.outDir}/adapter`;
  const exportRoot = `${ctx.outDir}/export`;
  const registryRoot = `${ctx.outDir}/registry`;

  await ensureDir(adapterDir);
  for (const [name, content] of Object.entries(DEMO_ADAPTER_FILES)) {
    await writeArtifact(`${adapterDir}/${name}`, content);
  }
  // A fresh registry each run: import refuses a model that is already there.
  await removeIfPresent(registryRoot);

  await using backend = await openBackend(ctx.backend, { defaults: ctx.defaults });
  const client = new CohesixClient(backend, ctx.defaults);

  try {
    await client.peftExport(jobId, exportRoot, { audit: ctx.audit });
  } catch (error) {
    if (!isMissingRemote(error, ctx.defaults.coh.peft.export.root)) throw error;
    if (!(await hasLocalExport(`${exportRoot}/${jobId}`))) {
      throw new OperationError(
        `${describeBackend(ctx.backend)} has no ${ctx.defaults.coh.peft.export.root}: ` +
          "this Queen release serves no LoRA export jobs",
        {
          cause: error,
          hint: `obtain the export with 'coh peft export --mock --job ${jobId} --out ` +
            `${exportRoot}' (coh's host-side NineDoor), then run again; or use --mock`,
        },
      );
    }
    ctx.note(`the Queen has no export jobs; using the export already in ${exportRoot}/${jobId}`);
  }

  for (const id of [modelId, previousId]) {
    await client.peftImport(
      { modelId: id, adapterDir, exportRoot, jobId, registryRoot },
      { audit: ctx.audit },
    );
  }
  try {
    await client.peftActivate(previousId, registryRoot, { audit: ctx.audit });
    await client.peftActivate(modelId, registryRoot, { audit: ctx.audit });
    await client.peftRollback(registryRoot, { audit: ctx.audit });
  } catch (error) {
    if (!isMissingRemote(error, "/gpu/models")) throw error;
    throw new OperationError(
      `${describeBackend(ctx.backend)} has no /gpu/models/active: the local registry in ` +
        `${registryRoot} was updated, but the Queen was not told`,
      {
        cause: error,
        hint: "the Queen serves /gpu/models once a registry is published " +
          "('coh peft import --publish', which needs NVML on the host)",
      },
    );
  }
}

/** Whether `error` is the Queen refusing a path under `root` as absent (invalid-path). */
function isMissingRemote(error: unknown, root: string): error is CohesixError {
  if (!(error instanceof CommandError)) return false;
  const path = error.path ?? "";
  return error.detail === "invalid-path" && (path === root || path.startsWith(`${root}/`));
}

async function hasLocalExport(jobDir: string): Promise<boolean> {
  for (const file of EXPORT_FILES) {
    try {
      const info = await Deno.stat(`${jobDir}/${file}`);
      if (!info.isFile || info.size === 0) return false;
    } catch {
      return false;
    }
  }
  return true;
}

if (import.meta.main) {
  Deno.exit(await runExample(PEFT_ROUNDTRIP_CLI, Deno.args, peftRoundtrip, { readsOutput: true }));
}
