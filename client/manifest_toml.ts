/**
 * The registry's `manifest.toml` (OPERATIONS.md §4.9), rendered byte for byte as coh and Python
 * do: three sections separated by blank lines, metrics lines only when metrics were imported,
 * every line ending in `\n`. Values are TOML basic strings; for ids and base names without
 * `"`, `\` or control characters (all real ones) that is the verbatim text upstream writes. The
 * base name keeps its backslashes verbatim as coh does, so the literal `\n` that `coh peft
 * export --mock` leaves in `base_model.ref` gives coh's own manifest bytes.
 *
 * @module
 */

import type { FileDigest } from "./local_files.ts";

/** Everything a manifest records. */
export interface ManifestFields {
  /** Model id. */
  readonly modelId: string;
  /** First non-empty line of the job's `base_model.ref`. */
  readonly base: string;
  /** LoRA job id. */
  readonly jobId: string;
  /** `adapter.safetensors`. */
  readonly adapter: FileDigest;
  /** `lora.json`. */
  readonly lora: FileDigest;
  /** `metrics.json`, when the adapter directory has one. */
  readonly metrics?: FileDigest;
  /** The job's `policy.toml`. */
  readonly policy: FileDigest;
  /** The job's `telemetry.cbor`. */
  readonly telemetry: FileDigest;
}

/** Renders a TOML basic string (quotes included). */
export function tomlString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * The `base = …` value: verbatim between quotes, as coh inserts it, unless that would not be a
 * TOML string at all (a `"` or a control character), which is then escaped in full.
 */
export function baseValue(value: string): string {
  // deno-lint-ignore no-control-regex
  return /["\x00-\x1f\x7f]/.test(value) ? tomlString(value) : `"${value}"`;
}

/** Renders `manifest.toml`. */
export function renderManifest(fields: ManifestFields): string {
  const lines = [
    "[model]",
    `id = ${tomlString(fields.modelId)}`,
    `base = ${baseValue(fields.base)}`,
    'adapter = "adapter.safetensors"',
    'lora = "lora.json"',
  ];
  if (fields.metrics) lines.push('metrics = "metrics.json"');
  lines.push(
    "",
    "[provenance]",
    `job_id = ${tomlString(fields.jobId)}`,
    'approval = "pending"',
    "",
    "[hashes]",
    `adapter_sha256 = "${fields.adapter.sha256}"`,
    `adapter_bytes = ${fields.adapter.bytes}`,
    `lora_sha256 = "${fields.lora.sha256}"`,
    `lora_bytes = ${fields.lora.bytes}`,
  );
  if (fields.metrics) {
    lines.push(
      `metrics_sha256 = "${fields.metrics.sha256}"`,
      `metrics_bytes = ${fields.metrics.bytes}`,
    );
  }
  lines.push(
    `policy_sha256 = "${fields.policy.sha256}"`,
    `policy_bytes = ${fields.policy.bytes}`,
    `telemetry_sha256 = "${fields.telemetry.sha256}"`,
    `telemetry_bytes = ${fields.telemetry.bytes}`,
  );
  return `${lines.join("\n")}\n`;
}
