/**
 * The `gpu-bridge-snapshot/v1` wire text that gpu-bridge-host and `coh peft import --publish`
 * send through `/gpu/bridge/ctl` (CLI.md §6.4), and the Queen's limits on it (§6.5): shared by
 * the client that renders it and the namespace model that ingests it.
 *
 * One line per item, each ending in `\n`; every payload is standard padded base64 (an empty
 * payload is an empty string):
 * ```
 * schema gpu-bridge-snapshot/v1
 * node id=<id> info=<b64> ctl=<b64> lease=<b64> status=<b64>   (inventory order)
 * model id=<id> manifest=<b64>                                 (catalogue order)
 * active id=<id>
 * telemetry schema=<b64 of the descriptor>
 * end
 * ```
 *
 * @module
 */

import { NamespaceError } from "./namespace_error.ts";

/** The schema line's value. */
export const BRIDGE_SNAPSHOT_SCHEMA = "gpu-bridge-snapshot/v1";
/** Where a publish is written. */
export const BRIDGE_CTL_PATH = "/gpu/bridge/ctl";
/** The one-line publish status the Queen keeps. */
export const BRIDGE_STATUS_PATH = "/gpu/bridge/status";
/** Prefix of a base64 chunk line. */
export const BRIDGE_CHUNK_PREFIX = "b64:";

/** The Queen's caps on a publish (ninedoor.rs `GPU_BRIDGE_*`, `GPU_MODEL_*`). */
export interface BridgeLimits {
  /** Largest snapshot a `begin` may announce, bytes (`GPU_BRIDGE_MAX_BYTES`). */
  readonly maxSnapshotBytes: number;
  /** The ctl log keeps the lines since `begin` up to this many bytes (`GPU_BRIDGE_CTL_MAX_BYTES`). */
  readonly maxCtlLogBytes: number;
  /** Largest model manifest, bytes (`GPU_MODEL_MANIFEST_MAX_BYTES`). */
  readonly maxManifestBytes: number;
  /** Longest model id, bytes (`GPU_MODEL_ID_MAX_BYTES`). */
  readonly maxModelIdBytes: number;
  /** Largest `/gpu/bridge/status` line, bytes (`GPU_BRIDGE_STATUS_MAX_BYTES`). */
  readonly maxStatusBytes: number;
}

/** The values of the live Queen, release 0.3.0-alpha2. */
export const BRIDGE_LIMITS: BridgeLimits = Object.freeze({
  maxSnapshotBytes: 128 * 1024,
  maxCtlLogBytes: 128 * 1024,
  maxManifestBytes: 8 * 1024,
  maxModelIdBytes: 128,
  maxStatusBytes: 512,
});

/** The files of one `/gpu/<id>/` node, as text. */
export interface BridgeNode {
  /** The GPU id (`/gpu/<id>`). */
  readonly id: string;
  /** `/gpu/<id>/info`. */
  readonly info: string;
  /** `/gpu/<id>/ctl`. */
  readonly ctl: string;
  /** `/gpu/<id>/lease`. */
  readonly lease: string;
  /** `/gpu/<id>/status`. */
  readonly status: string;
}

/** One model of the catalogue. */
export interface BridgeModel {
  /** The model id (`/gpu/models/available/<id>`). */
  readonly id: string;
  /** Its `manifest.toml`, verbatim. */
  readonly manifest: string;
}

/** What a snapshot carries. */
export interface BridgeSnapshotContent {
  /** GPU nodes in inventory order. */
  readonly nodes: readonly BridgeNode[];
  /** Models in catalogue order. */
  readonly models: readonly BridgeModel[];
  /** The active model id. */
  readonly active: string;
  /** The telemetry schema descriptor (`/gpu/telemetry/schema.json`). */
  readonly telemetrySchema: string;
}

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Standard padded base64 of `text`'s UTF-8 bytes. */
export function base64OfText(text: string): string {
  return base64OfBytes(encoder.encode(text));
}

/** Standard padded base64 of `bytes` (V8's native encoder: no byte-by-byte string). */
export function base64OfBytes(bytes: Uint8Array): string {
  return bytes.toBase64();
}

/** Decodes standard padded base64; `undefined` when it is not. */
export function bytesOfBase64(text: string): Uint8Array | undefined {
  // The native decoder skips whitespace and takes unpadded input: the shape is checked first.
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
    return undefined;
  }
  return Uint8Array.fromBase64(text);
}

/** The wire text of a snapshot (no checks: the caller validated the content). */
export function renderBridgeSnapshot(content: BridgeSnapshotContent): string {
  const lines = [`schema ${BRIDGE_SNAPSHOT_SCHEMA}`];
  for (const node of content.nodes) {
    lines.push(
      `node id=${node.id} info=${base64OfText(node.info)} ctl=${base64OfText(node.ctl)} ` +
        `lease=${base64OfText(node.lease)} status=${base64OfText(node.status)}`,
    );
  }
  for (const model of content.models) {
    lines.push(`model id=${model.id} manifest=${base64OfText(model.manifest)}`);
  }
  lines.push(`active id=${content.active}`);
  lines.push(`telemetry schema=${base64OfText(content.telemetrySchema)}`);
  lines.push("end");
  return lines.map((line) => `${line}\n`).join("");
}

/**
 * Parses snapshot bytes as the Queen does at `end`: UTF-8 lines, `schema` first, `end` last, an
 * `active` and a `telemetry` line required, every payload valid base64 of UTF-8 text. Anything
 * else is `invalid-payload`.
 */
export function parseBridgeSnapshot(
  bytes: Uint8Array,
  limits: BridgeLimits = BRIDGE_LIMITS,
): BridgeSnapshotContent {
  const bad = () => new NamespaceError("invalid-payload", { path: BRIDGE_CTL_PATH });
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw bad();
  }
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  if (lines[0] !== `schema ${BRIDGE_SNAPSHOT_SCHEMA}` || lines[lines.length - 1] !== "end") {
    throw bad();
  }
  const nodes: BridgeNode[] = [];
  const models: BridgeModel[] = [];
  let active: string | undefined;
  let telemetrySchema: string | undefined;
  const payload = (b64: string | undefined, max = Infinity): string => {
    const decoded = b64 === undefined ? undefined : bytesOfBase64(b64);
    if (decoded === undefined || decoded.length > max) throw bad();
    try {
      return strictUtf8.decode(decoded);
    } catch {
      throw bad();
    }
  };
  for (const line of lines.slice(1, -1)) {
    const fields = parseFields(line);
    if (fields === undefined) throw bad();
    const [kind, values] = fields;
    if (kind === "node" && isId(values.id, limits)) {
      nodes.push({
        id: values.id,
        info: payload(values.info),
        ctl: payload(values.ctl),
        lease: payload(values.lease),
        status: payload(values.status),
      });
    } else if (kind === "model" && isId(values.id, limits)) {
      models.push({ id: values.id, manifest: payload(values.manifest, limits.maxManifestBytes) });
    } else if (kind === "active" && isId(values.id, limits)) {
      active = values.id;
    } else if (kind === "telemetry" && values.schema !== undefined) {
      telemetrySchema = payload(values.schema);
    } else {
      throw bad();
    }
  }
  if (active === undefined || telemetrySchema === undefined) throw bad();
  return { nodes, models, active, telemetrySchema };
}

/** `kind k=v k=v…` → [kind, {k: v}]; `undefined` when a field has no `=`. */
function parseFields(line: string): [string, Record<string, string>] | undefined {
  const [kind, ...rest] = line.split(" ");
  const values: Record<string, string> = {};
  for (const field of rest) {
    const eq = field.indexOf("=");
    if (eq <= 0) return undefined;
    values[field.slice(0, eq)] = field.slice(eq + 1);
  }
  return [kind!, values];
}

function isId(id: string | undefined, limits: BridgeLimits): id is string {
  return id !== undefined && id.length > 0 && encoder.encode(id).length <= limits.maxModelIdBytes &&
    /^[\x21-\x7e]+$/.test(id) && !id.includes("/") && id !== "." && id !== "..";
}
