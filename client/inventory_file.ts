/**
 * A GPU inventory from a file in the shape `gpu-bridge-host --list` prints (CLI.md §6.1):
 * `{"nodes":[{"id","info_payload","ctl_payload","lease_payload","status_payload"}, …], …}`.
 * Only `nodes` is used (the models come from the registry being published); each node's files
 * are published verbatim, so a `--list` taken on a GPU host can be published from any host.
 *
 * @module
 */

import { InventoryError } from "../core/errors.ts";
import type { BridgeNode } from "../queen/bridge_wire.ts";
import { readFileBounded } from "./local_files.ts";
import { decodeUtf8 } from "./text.ts";

/** Largest inventory file read, bytes (a `--list` with 64 models of 8 KiB stays far below). */
export const MAX_INVENTORY_FILE_BYTES = 1024 * 1024;

const NODE_FIELDS = ["info_payload", "ctl_payload", "lease_payload", "status_payload"] as const;

/** Reads the GPU nodes of an inventory file (see the module notes). */
export async function loadInventoryFile(path: string): Promise<BridgeNode[]> {
  const text = decodeUtf8(
    await readFileBounded(path, MAX_INVENTORY_FILE_BYTES, "inventory.max_file_bytes"),
    path,
  );
  return parseInventoryJson(text, path);
}

/** Parses the text of an inventory file; `source` names it in errors. */
export function parseInventoryJson(text: string, source: string): BridgeNode[] {
  const bad = (why: string) =>
    new InventoryError(`inventory ${source} ${why}`, {
      hint: "give the JSON printed by 'gpu-bridge-host --list' (its nodes are published)",
    });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad("is not JSON");
  }
  const nodes = (value as { nodes?: unknown } | null)?.nodes;
  if (typeof value !== "object" || value === null || !Array.isArray(nodes)) {
    throw bad('has no "nodes" array');
  }
  if (nodes.length === 0) throw bad("lists no GPUs");
  return nodes.map((node: unknown, index: number) => {
    const record = (typeof node === "object" && node !== null ? node : {}) as Record<
      string,
      unknown
    >;
    for (const field of ["id", ...NODE_FIELDS]) {
      if (typeof record[field] !== "string") {
        throw bad(`node ${index}: "${field}" must be a string`);
      }
    }
    return {
      id: record.id as string,
      info: record.info_payload as string,
      ctl: record.ctl_payload as string,
      lease: record.lease_payload as string,
      status: record.status_payload as string,
    };
  });
}
