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
 * a job already present there is used as is. `--export-root DIR` skips the remote export and
 * imports from an export already on disk (`DIR/<job>/`; the job is `--job-id`, or the only job
 * directory in DIR).
 *
 * That Queen also has no `/gpu/models` until a registry is published. `--publish` (always on
 * with `--mock`) publishes the registry after the imports, as `coh peft import --publish` does,
 * with upstream's mock GPU inventory: import → publish → activate → activate → rollback, and
 * `/gpu/models/active` ends on the rolled-back model. **A publish replaces the Queen's whole
 * `/gpu` snapshot** (GPU nodes with empty lease and status logs, exactly this registry's models).
 *
 * @module
 */

import { CohesixClient } from "../client/client.ts";
import { EXPORT_FILES } from "../client/peft_export.ts";
import { type CohesixError, CommandError, OperationError } from "../core/errors.ts";
import { ensureDir, removeIfPresent, writeArtifact } from "./artifacts.ts";
import {
  booleanFlag,
  describeBackend,
  type ExampleCli,
  openBackend,
  stringFlag,
  UsageError,
} from "./common.ts";
import { type ExampleContext, runExample } from "./run_example.ts";
import { DEFAULTS } from "../core/defaults.ts";
import { fileError } from "../core/permissions.ts";

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
    "export-root": {
      type: "string",
      value: "DIR",
      help: "import from an export already in DIR/<job>/ (e.g. from 'coh peft export --mock') " +
        "instead of fetching /queen/export",
    },
    publish: {
      type: "boolean",
      help: "publish the registry (mock GPU inventory) to the Queen after importing, as " +
        "'coh peft import --publish'; REPLACES the Queen's /gpu snapshot (always on with --mock)",
    },
  },
};

/** The example body. */
export async function peftRoundtrip(ctx: ExampleContext): Promise<void> {
  const { values } = ctx.args;
  const givenExportRoot = stringFlag(values, "export-root");
  const jobId = stringFlag(values, "job-id") ??
    (givenExportRoot === undefined ? ctx.defaults.examples.jobId : onlyJobIn(givenExportRoot));
  const modelId = stringFlag(values, "model-id") ?? ctx.defaults.examples.modelId;
  const previousId = stringFlag(values, "previous-model-id") ?? DEFAULT_PREVIOUS_MODEL_ID;
  const publish = booleanFlag(values, "publish") || ctx.backend.kind === "mock";
  const adapterDir = `${ctx.outDir}/adapter`;
  const exportRoot = givenExportRoot ?? `${ctx.outDir}/export`;
  const registryRoot = `${ctx.outDir}/registry`;

  ensureDir(adapterDir);
  for (const [name, content] of Object.entries(DEMO_ADAPTER_FILES)) {
    await writeArtifact(`${adapterDir}/${name}`, content);
  }
  // A fresh registry each run: import refuses a model that is already there.
  removeIfPresent(registryRoot);

  await using backend = await openBackend(ctx.backend, {
    defaults: ctx.defaults,
    signal: ctx.signal,
  });
  const client = new CohesixClient(backend, ctx.defaults);

  try {
    if (givenExportRoot === undefined) {
      await client.peftExport(jobId, exportRoot, ctx.operation());
    } else if (!hasLocalExport(`${exportRoot}/${jobId}`)) {
      throw new OperationError(`${exportRoot}/${jobId} is not a complete export`, {
        hint: `it needs ${EXPORT_FILES.join(", ")} (as 'coh peft export' writes them)`,
      });
    }
  } catch (error) {
    if (!isMissingRemote(error, ctx.defaults.coh.peft.export.root)) throw error;
    if (!hasLocalExport(`${exportRoot}/${jobId}`)) {
      throw new OperationError(
        `${describeBackend(ctx.backend)} has no ${ctx.defaults.coh.peft.export.root}: ` +
          "this Queen release serves no LoRA export jobs",
        {
          cause: error,
          hint: `obtain the export with 'coh peft export --mock --job ${jobId} --out ` +
            `${exportRoot}' (coh's host-side NineDoor), then run again (or pass --export-root ` +
            "DIR for an export elsewhere); or use --mock",
        },
      );
    }
    ctx.note(`the Queen has no export jobs; using the export already in ${exportRoot}/${jobId}`);
  }

  const ids = [modelId, previousId];
  for (const [i, id] of ids.entries()) {
    // As coh: the publish follows the import it is asked with (the last one, so both are in).
    await client.peftImport(
      { modelId: id, adapterDir, exportRoot, jobId, registryRoot },
      { ...ctx.operation(), publish: publish && i === ids.length - 1 },
    );
  }
  try {
    await client.peftActivate(previousId, registryRoot, ctx.operation());
    await client.peftActivate(modelId, registryRoot, ctx.operation());
    await client.peftRollback(registryRoot, ctx.operation());
  } catch (error) {
    if (!isMissingRemote(error, "/gpu/models")) throw error;
    throw new OperationError(
      `${describeBackend(ctx.backend)} has no /gpu/models/active: the local registry in ` +
        `${registryRoot} was updated, but the Queen was not told`,
      {
        cause: error,
        hint: "the Queen serves /gpu/models once a registry is published: run again with " +
          "--publish (this replaces the Queen's /gpu snapshot)",
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

/** The one job directory of an export root (`--job-id` picks one when there are several). */
function onlyJobIn(exportRoot: string): string {
  const jobs: string[] = [];
  try {
    for (const entry of Deno.readDirSync(exportRoot)) {
      if (entry.isDirectory) jobs.push(entry.name);
    }
  } catch (cause) {
    throw fileError("list", exportRoot, cause);
  }
  if (jobs.length !== 1) {
    throw new UsageError(
      `--export-root ${exportRoot} holds ${
        jobs.length === 0 ? "no job directory" : `${jobs.length} jobs (${jobs.sort().join(", ")})`
      }; name one with --job-id`,
    );
  }
  return jobs[0]!;
}

function hasLocalExport(jobDir: string): boolean {
  for (const file of EXPORT_FILES) {
    try {
      const info = Deno.statSync(`${jobDir}/${file}`);
      if (!info.isFile || info.size === 0) return false;
    } catch {
      return false;
    }
  }
  return true;
}

if (import.meta.main) {
  Deno.exit(await runExample(PEFT_ROUNDTRIP_CLI, Deno.args, peftRoundtrip));
}
