/**
 * What the Queen does with a verified `gpu-bridge-snapshot/v1` (CLI.md §6.5, recording
 * `after_publish`): `/gpu` is rebuilt from it. `bridge` stays first; `models` follows when the
 * snapshot names models or an active one (`available/<id>/manifest.toml`, then `active` reset
 * to `<active>\n`); then `telemetry/schema.json`; then one directory per GPU node in snapshot
 * order, whose `info`, `ctl`, `lease` and `status` are replaced whole, so earlier lease and
 * status logs are gone.
 *
 * @module
 */

import type { BridgeSnapshotContent } from "./bridge_wire.ts";
import type { NamespaceTree } from "./namespace_tree.ts";

/** Replaces everything under `/gpu` but `bridge` with `snapshot`. */
export function applyBridgeSnapshot(tree: NamespaceTree, snapshot: BridgeSnapshotContent): void {
  const gpu = tree.mkdir(["gpu"]);
  const bridge = gpu.children.get("bridge");
  gpu.children.clear();
  if (bridge !== undefined) gpu.children.set("bridge", bridge);
  if (snapshot.models.length > 0 || snapshot.active.length > 0) {
    tree.mkdir(["gpu", "models", "available"]);
    for (const model of snapshot.models) {
      tree.put(["gpu", "models", "available", model.id, "manifest.toml"], model.manifest);
    }
    tree.put(["gpu", "models", "active"], `${snapshot.active}\n`);
  }
  tree.put(["gpu", "telemetry", "schema.json"], snapshot.telemetrySchema);
  for (const node of snapshot.nodes) {
    tree.put(["gpu", node.id, "info"], node.info);
    tree.put(["gpu", node.id, "ctl"], node.ctl);
    tree.put(["gpu", node.id, "lease"], node.lease);
    tree.put(["gpu", node.id, "status"], node.status);
  }
}
