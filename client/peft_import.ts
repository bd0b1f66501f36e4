/**
 * `peft import` (host only, no remote call; OPERATIONS.md §4.9) with coh's checks and
 * messages: copy the adapter files into `<registry>/available/<model>/` with streamed hashing
 * (a 64 MiB adapter is never held in memory), then write `manifest.toml` last, atomically, so
 * its presence means "imported".
 *
 * @module
 */

import type { CohesixDefaults } from "../core/defaults.ts";
import { LimitError, OperationError, ValidationError } from "../core/errors.ts";
import { enforceIdBytes, ensureJsonString, utf8Length, validateComponent } from "../core/paths.ts";
import { OperationRun } from "./operation_run.ts";
import type { Backend } from "../backends/backend.ts";
import type { BridgeNode } from "../queen/bridge_wire.ts";
import { gpuPublish, type GpuPublishResult } from "./gpu_publish.ts";
import type { OperationOptions } from "./remote.ts";
import {
  copyFileWithHash,
  ensureDir,
  type FileDigest,
  hashFileBounded,
  isDirectory,
  isFile,
  joinLocal,
  pathExists,
  readFileBounded,
  statOrUndefined,
  writeFileAtomic,
} from "./local_files.ts";
import { renderManifest } from "./manifest_toml.ts";
import { decodeUtf8, encodeUtf8, firstNonEmptyLine } from "./text.ts";

/** Arguments of a PEFT import. */
export interface PeftImportArgs {
  /** Model id to register (a path component, ≤ `max_model_id_bytes`). */
  readonly modelId: string;
  /** Directory holding `adapter.safetensors`, `lora.json` and optionally `metrics.json`. */
  readonly adapterDir: string;
  /** Directory a `peft export` wrote into (holds `<jobId>/`). */
  readonly exportRoot: string;
  /** The exported LoRA job id. */
  readonly jobId: string;
  /** Model registry root (coh's default is `coh.peft.import.registry_root`). */
  readonly registryRoot: string;
}

/**
 * Publishing after an import (coh `peft import --publish`): the registry, with this inventory,
 * is published to the Queen through `/gpu/bridge/ctl`. **This replaces the Queen's whole `/gpu`
 * snapshot** (GPU nodes re-created with empty lease and status logs, exactly the registry's
 * models, the active pointer reset); see `gpuPublish`.
 */
export interface PeftImportPublish {
  /** The Queen to publish to (`CohesixClient.peftImport` fills in its own backend). */
  readonly backend?: Backend;
  /** The GPU nodes (upstream's mock inventory when absent). */
  readonly nodes?: readonly BridgeNode[];
}

/**
 * Options of a PEFT import: the common operation options, and `publish` to publish the registry
 * afterwards as coh `--publish` does (`true`: upstream's mock inventory). A publish replaces the
 * Queen's `/gpu` snapshot. The import itself sends no request; `signal` and `deadlineMs` stop it
 * before each file it writes (removing what it wrote), and one deadline covers the publish too.
 */
export interface PeftImportOptions extends OperationOptions {
  /** Publish the registry after the import; see {@link PeftImportPublish}. */
  readonly publish?: boolean | PeftImportPublish;
}

/** What an import wrote. */
export interface PeftImportResult {
  /** The model id. */
  readonly modelId: string;
  /** `<registry>/available/<model>/manifest.toml`. */
  readonly manifestPath: string;
  /** Bytes of `adapter.safetensors`. */
  readonly adapterBytes: number;
  /** The publish that followed, when one was asked for. */
  readonly published?: GpuPublishResult;
}

/** Checks a model or job id: a path component, JSON/TOML-safe, within the id byte cap. */
export function validateModelId(id: string, label: string, defaults: CohesixDefaults): string {
  validateComponent(id);
  ensureJsonString(id, label);
  return enforceIdBytes(id, defaults);
}

/** Refuses an empty source or one above its cap before anything is copied. */
function precheckSize(path: string, max: number, limit: string): void {
  const info = statOrUndefined(path);
  if (info === undefined) return; // reported by the caller's presence check
  if (info.size === 0) throw new OperationError(`${path} is empty`);
  if (info.size > max) {
    throw new LimitError(`${path} exceeds max bytes ${max}`, limit, max);
  }
}

/**
 * Imports an adapter produced by job `jobId` as model `modelId`; with `publish`, then publishes
 * the registry to the Queen as coh does (the import stays written if the publish fails, and
 * the `peft import …` line is only added once both succeeded).
 */
export async function peftImport(
  defaults: CohesixDefaults,
  args: PeftImportArgs,
  options: PeftImportOptions = {},
): Promise<PeftImportResult> {
  const { publish, ...rest } = options;
  const publishTo = publish === true ? {} : publish === false ? undefined : publish;
  if (publishTo !== undefined && publishTo.backend === undefined) {
    throw new ValidationError("peft import with publish needs the backend to publish to", {
      hint: "use CohesixClient.peftImport, or pass publish: { backend }",
    });
  }
  using run = new OperationRun("peft import", rest);
  const imported = await importModel(defaults, args, run);
  if (publishTo === undefined) {
    rest.audit?.pushLine(importLine(imported));
    return imported;
  }
  const remaining = run.remainingMs;
  const published = await gpuPublish(publishTo.backend!, defaults, {
    registryRoot: args.registryRoot,
    ...(publishTo.nodes === undefined ? {} : { nodes: publishTo.nodes }),
  }, remaining === undefined ? rest : { ...rest, deadlineMs: remaining });
  rest.audit?.pushLine(importLine(imported));
  return { ...imported, published };
}

function importLine(result: PeftImportResult): string {
  return `peft import model=${result.modelId} manifest=${result.manifestPath}`;
}

async function importModel(
  defaults: CohesixDefaults,
  args: PeftImportArgs,
  run: OperationRun,
): Promise<PeftImportResult> {
  const exportPolicy = defaults.coh.peft.export;
  const importPolicy = defaults.coh.peft.import;
  const modelId = validateModelId(args.modelId, "model id", defaults);
  const jobId = validateModelId(args.jobId, "job id", defaults);
  if (!isDirectory(args.adapterDir)) {
    throw new OperationError(`adapter directory ${args.adapterDir} does not exist`);
  }
  const jobDir = joinLocal(args.exportRoot, jobId);
  if (!isDirectory(jobDir)) {
    throw new OperationError(`export job directory ${jobDir} does not exist`, {
      hint: "run peft export for this job first",
    });
  }

  const basePath = joinLocal(jobDir, "base_model.ref");
  const baseBytes = await readFileBounded(
    basePath,
    exportPolicy.maxBaseModelBytes,
    "coh.peft.export.max_base_model_bytes",
  );
  const base = firstNonEmptyLine(decodeUtf8(baseBytes, basePath));
  if (base === undefined) throw new OperationError(`${basePath} is empty`);
  const policy = await hashFileBounded(
    joinLocal(jobDir, "policy.toml"),
    exportPolicy.maxPolicyBytes,
    "coh.peft.export.max_policy_bytes",
  );
  const telemetry = await hashFileBounded(
    joinLocal(jobDir, "telemetry.cbor"),
    exportPolicy.maxTelemetryBytes,
    "coh.peft.export.max_telemetry_bytes",
  );

  const adapterSrc = joinLocal(args.adapterDir, "adapter.safetensors");
  const loraSrc = joinLocal(args.adapterDir, "lora.json");
  const metricsSrc = joinLocal(args.adapterDir, "metrics.json");
  if (!isFile(adapterSrc)) throw new OperationError(`missing adapter file ${adapterSrc}`);
  if (!isFile(loraSrc)) throw new OperationError(`missing lora metadata file ${loraSrc}`);
  const hasMetrics = isFile(metricsSrc);

  const modelDir = joinLocal(args.registryRoot, "available", modelId);
  const manifestPath = joinLocal(modelDir, "manifest.toml");
  if (pathExists(manifestPath)) {
    throw new OperationError(`model ${modelId} already imported`, {
      hint: `remove ${modelDir} to import it again, or pick another model id`,
    });
  }
  // Size checks up front, so an oversized file is refused before anything is copied.
  precheckSize(adapterSrc, importPolicy.maxAdapterBytes, "coh.peft.import.max_adapter_bytes");
  precheckSize(loraSrc, importPolicy.maxLoraBytes, "coh.peft.import.max_lora_bytes");
  if (hasMetrics) {
    precheckSize(
      metricsSrc,
      importPolicy.maxMetricsBytes,
      "coh.peft.import.max_metrics_bytes",
    );
  }

  // Everything below writes into the model directory: a failure half-way removes what this
  // call wrote (and the directory, if this call created it), so no orphan files stay behind.
  const createdDir = !pathExists(modelDir);
  ensureDir(modelDir, "model directory");
  const written: string[] = [];
  try {
    const adapterDest = joinLocal(modelDir, "adapter.safetensors");
    const adapter = await run.step(`copying ${adapterSrc}`, () =>
      copyFileWithHash(
        adapterSrc,
        adapterDest,
        importPolicy.maxAdapterBytes,
        "coh.peft.import.max_adapter_bytes",
      ));
    written.push(adapterDest);
    const loraDest = joinLocal(modelDir, "lora.json");
    const lora = await run.step(`copying ${loraSrc}`, () =>
      copyFileWithHash(
        loraSrc,
        loraDest,
        importPolicy.maxLoraBytes,
        "coh.peft.import.max_lora_bytes",
      ));
    written.push(loraDest);
    let metrics: FileDigest | undefined;
    if (hasMetrics) {
      const metricsDest = joinLocal(modelDir, "metrics.json");
      metrics = await run.step(`copying ${metricsSrc}`, () =>
        copyFileWithHash(
          metricsSrc,
          metricsDest,
          importPolicy.maxMetricsBytes,
          "coh.peft.import.max_metrics_bytes",
        ));
      written.push(metricsDest);
    }
    const manifest = renderManifest({
      modelId,
      base,
      jobId,
      adapter,
      lora,
      policy,
      telemetry,
      ...(metrics ? { metrics } : {}),
    });
    const manifestBytes = utf8Length(manifest);
    if (manifestBytes > importPolicy.maxManifestBytes) {
      throw new LimitError(
        `manifest bytes ${manifestBytes} exceeds max_manifest_bytes ${importPolicy.maxManifestBytes}`,
        "coh.peft.import.max_manifest_bytes",
        importPolicy.maxManifestBytes,
      );
    }
    await run.step(
      `writing ${manifestPath}`,
      () => writeFileAtomic(manifestPath, encodeUtf8(manifest)),
    );
    return { modelId, manifestPath, adapterBytes: adapter.bytes };
  } catch (error) {
    removeQuietly(written, createdDir ? modelDir : undefined);
    throw error;
  }
}

/** Best-effort cleanup after a failed import: the files it wrote, then its empty directory. */
function removeQuietly(files: readonly string[], dir: string | undefined): void {
  for (const path of [...files, ...(dir === undefined ? [] : [dir])]) {
    try {
      Deno.removeSync(path);
    } catch {
      // Already gone, or (the directory) not empty: leave it.
    }
  }
}
