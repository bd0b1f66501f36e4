/**
 * The model catalogue a publish carries, read from a local model registry as gpu-bridge-host
 * reads it (CLI.md §6.3): every `<root>/available/<id>/` holding a regular `manifest.toml` is a
 * model (manifest verbatim), sorted by id in byte order; the active model is the first
 * non-empty trimmed line of `<root>/active` when it names one of them, else the first model.
 * A registry with no models (or no `available/`) gives upstream's default catalogue.
 *
 * Where gpu-bridge-host silently falls back to its default catalogue (a manifest over 8192
 * bytes or not UTF-8, an unreadable registry), this client refuses with a typed error instead,
 * before anything is sent: publishing two demo models in place of the operator's registry
 * would replace the Queen's models with the wrong ones.
 *
 * @module
 */

import { LimitError, ValidationError } from "../core/errors.ts";
import { fileError } from "../core/permissions.ts";
import { BRIDGE_LIMITS, type BridgeLimits, type BridgeModel } from "../queen/bridge_wire.ts";
import { isDirectory, joinLocal, readFileBounded, statOrUndefined } from "./local_files.ts";
import { decodeUtf8 } from "./text.ts";

/** The models of a publish and where they came from. */
export interface ModelCatalog {
  /** Models sorted by id (byte order). */
  readonly models: readonly BridgeModel[];
  /** The active model id. */
  readonly active: string;
  /** `registry` when read from the registry, `default` for upstream's built-in catalogue. */
  readonly source: "registry" | "default";
}

/** gpu-bridge-host's built-in catalogue (no registry, or a registry without models). */
export const DEFAULT_MODEL_CATALOG: ModelCatalog = Object.freeze({
  models: Object.freeze([
    Object.freeze({
      id: "vision-base-v1",
      manifest:
        '[model]\nid = "vision-base-v1"\nsource = "s3://artifacts/models/vision-base-v1/"\n' +
        'format = "gguf"\n\n[metadata]\ntokens = 4096\nowner = "mlops"\nactivation = "cold-reload"',
    }),
    Object.freeze({
      id: "vision-lora-edge",
      manifest: '[model]\nid = "vision-lora-edge"\nbase = "vision-base-v1"\n' +
        'lora = "s3://artifacts/models/lora/edge-pack-01/"\nformat = "gguf+lora"\n\n' +
        '[metadata]\ntokens = 4096\nowner = "mlops"\nactivation = "hot-swap"',
    }),
  ]),
  active: "vision-lora-edge",
  source: "default",
});

const encoder = new TextEncoder();

/** Compares two ids by their UTF-8 bytes, as Rust's `String` ordering does. */
export function compareBytes(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! - y[i]!;
  }
  return x.length - y.length;
}

/**
 * Checks an id the Queen will take as a path component and a `key=value` field: printable ASCII
 * without spaces or `/`, not `.`/`..`, 1..=128 bytes.
 */
export function checkBridgeId(
  id: string,
  label: string,
  limits: BridgeLimits = BRIDGE_LIMITS,
): void {
  if (encoder.encode(id).length > limits.maxModelIdBytes) {
    throw new LimitError(
      `${label} ${JSON.stringify(id)} exceeds ${limits.maxModelIdBytes} bytes`,
      "gpu_bridge.max_model_id_bytes",
      limits.maxModelIdBytes,
    );
  }
  if (!/^[\x21-\x7e]+$/.test(id) || id.includes("/") || id === "." || id === "..") {
    throw new ValidationError(
      `${label} ${JSON.stringify(id)} cannot be published`,
      { hint: "ids must be printable ASCII without spaces or '/', and not '.' or '..'" },
    );
  }
}

/** Reads the catalogue of the registry at `root` (see the module notes). */
export async function loadModelCatalog(
  root: string,
  limits: BridgeLimits = BRIDGE_LIMITS,
): Promise<ModelCatalog> {
  const availableRoot = joinLocal(root, "available");
  if (!isDirectory(availableRoot)) return DEFAULT_MODEL_CATALOG;
  const models: BridgeModel[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(availableRoot)];
  } catch (cause) {
    throw fileError("list", availableRoot, cause);
  }
  for (const entry of entries) {
    const dir = joinLocal(availableRoot, entry.name);
    if (entry.name.trim().length === 0 || !isDirectory(dir)) continue;
    const manifestPath = joinLocal(dir, "manifest.toml");
    if (!statOrUndefined(manifestPath)?.isFile) continue;
    checkBridgeId(entry.name, "model id", limits);
    const bytes = await readFileBounded(
      manifestPath,
      limits.maxManifestBytes,
      "gpu_bridge.max_manifest_bytes",
    );
    models.push({ id: entry.name, manifest: decodeUtf8(bytes, manifestPath) });
  }
  if (models.length === 0) return DEFAULT_MODEL_CATALOG;
  models.sort((a, b) => compareBytes(a.id, b.id));
  const named = await readActivePointer(joinLocal(root, "active"), limits);
  const active = models.some((m) => m.id === named) ? named! : models[0]!.id;
  return { models, active, source: "registry" };
}

/** The first non-empty trimmed line of `<root>/active` (≤ 128 bytes), or `undefined`. */
async function readActivePointer(
  path: string,
  limits: BridgeLimits,
): Promise<string | undefined> {
  if (!statOrUndefined(path)?.isFile) return undefined;
  try {
    const bytes = await readFileBounded(path, limits.maxModelIdBytes + 1, "active");
    const line = new TextDecoder("utf-8", { fatal: true }).decode(bytes).split("\n")
      .map((l) => l.trim()).find((l) => l.length > 0);
    return line !== undefined && encoder.encode(line).length <= limits.maxModelIdBytes
      ? line
      : undefined;
  } catch {
    // Upstream: an unreadable, oversized or non-UTF-8 pointer means "the first model".
    return undefined;
  }
}
