/**
 * `peft export` as coh does it (OPERATIONS.md §4.8): the job must hold exactly
 * `telemetry.cbor`, `base_model.ref` and `policy.toml`; each is read (bounded), must not be
 * empty, and is saved to `<out>/<job>/<file>` unless already present (atomic write).
 *
 * @module
 */

import type { Backend } from "../backends/backend.ts";
import type { CohesixDefaults } from "../core/defaults.ts";
import { OperationError } from "../core/errors.ts";
import { enforceIdBytes, joinPath, validateComponent } from "../core/paths.ts";
import { ensureDir, joinLocal, writeFileIfAbsent } from "./local_files.ts";
import { OperationRun } from "./operation_run.ts";
import type { OperationOptions } from "./remote.ts";

/** The files of an export job, in the order they are read. */
export const EXPORT_FILES = ["telemetry.cbor", "base_model.ref", "policy.toml"] as const;

/** What an export saved. */
export interface PeftExportResult {
  /** `<out>/<job>`. */
  readonly jobDir: string;
  /** Files written by this call (files already present are skipped, not listed). */
  readonly written: readonly string[];
}

/** The read cap of each export file, and the bound it comes from. */
function capOf(
  file: (typeof EXPORT_FILES)[number],
  defaults: CohesixDefaults,
): { max: number; limit: string } {
  const policy = defaults.coh.peft.export;
  switch (file) {
    case "telemetry.cbor":
      return { max: policy.maxTelemetryBytes, limit: "coh.peft.export.max_telemetry_bytes" };
    case "base_model.ref":
      return { max: policy.maxBaseModelBytes, limit: "coh.peft.export.max_base_model_bytes" };
    case "policy.toml":
      return { max: policy.maxPolicyBytes, limit: "coh.peft.export.max_policy_bytes" };
  }
}

/** Exports LoRA job `jobId` into `outDir/<jobId>`. */
export async function peftExport(
  backend: Backend,
  defaults: CohesixDefaults,
  jobId: string,
  outDir: string,
  options: OperationOptions = {},
): Promise<PeftExportResult> {
  using run = new OperationRun("peft export", options);
  const { audit } = run;
  const job = validateComponent(jobId);
  enforceIdBytes(job, defaults);
  ensureDir(outDir, "export output dir");
  const root = defaults.coh.peft.export.root;
  const jobs = await run.list(backend, root, defaults);
  audit?.pushAck("OK", "LS", `path=${root}`);
  if (!jobs.includes(job)) {
    throw new OperationError(`export job ${job} not found`, {
      hint: `${root} lists ${jobs.length} job(s); check the job id`,
    });
  }
  const jobPath = joinPath(root, job);
  const entries = await run.list(backend, jobPath, defaults);
  audit?.pushAck("OK", "LS", `path=${jobPath}`);
  for (const file of EXPORT_FILES) {
    if (!entries.includes(file)) throw new OperationError(`export missing required file ${file}`);
  }
  for (const entry of entries) {
    if (!(EXPORT_FILES as readonly string[]).includes(entry)) {
      throw new OperationError(`export unexpected file ${entry}`);
    }
  }
  run.plan(2 + EXPORT_FILES.length);
  const jobDir = joinLocal(outDir, job);
  const written: string[] = [];
  for (const file of EXPORT_FILES) {
    const path = joinPath(jobPath, file);
    const { max, limit } = capOf(file, defaults);
    const data = await run.read(backend, path, max, limit);
    audit?.pushAck("OK", "CAT", `path=${path}`);
    if (data.length === 0) throw new OperationError(`export file ${path} is empty`);
    const local = joinLocal(jobDir, file);
    if (await run.step(`saving ${local}`, () => writeFileIfAbsent(local, data))) {
      written.push(file);
    }
  }
  return { jobDir, written };
}
