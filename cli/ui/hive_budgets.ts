/**
 * The bounds the hive view keeps, from the release manifest (`configs/root_task.toml`, manifest
 * SHA-256 `3a20adc5…`): SwarmUI's hive budgets (`swarmui.hive.*`, upstream
 * `docs/snippets/swarmui_defaults.md`). The poll interval follows cohsh's tail bounds
 * (`cli/shell/shell_policy.ts`).
 *
 * @module
 */

/** Budgets of the hive view. */
export interface HiveBudgets {
  /** Telemetry lines shown over a worker's dot (`swarmui.hive.overlay_lines`). */
  readonly overlayLines: number;
  /** Telemetry lines kept for the selected worker (`swarmui.hive.detail_lines`). */
  readonly detailLines: number;
  /** Bytes kept of one telemetry line (`swarmui.hive.line_cap_bytes`). */
  readonly lineCapBytes: number;
  /** Telemetry bytes kept per worker (`swarmui.hive.per_worker_bytes`). */
  readonly perWorkerBytes: number;
}

/** The release's hive budgets. */
export const HIVE_BUDGETS: HiveBudgets = {
  overlayLines: 3,
  detailLines: 50,
  lineCapBytes: 160,
  perWorkerBytes: 2048,
};
