/**
 * What the page shows, as plain JSON: the snapshot the poller builds from the Queen's namespace
 * and pushes to every page. Also the pure helpers that turn namespace text into it (key=value
 * files, lease and breadcrumb lines, a worker's telemetry within the hive budgets). Nothing here
 * does I/O, and no field ever holds the console token or a ticket.
 *
 * @module
 */

import { truncateToBytes } from "../../client/breadcrumb.ts";
import { utf8Length } from "../../core/paths.ts";
import type { HiveBudgets } from "./hive_budgets.ts";

/** An error as the page shows it: the `CohesixError` message and hint, never a stack. */
export interface ShownError {
  /** What went wrong. */
  readonly message: string;
  /** What to do about it, or `null`. */
  readonly hint: string | null;
}

/** A section of the page: its data, or why it could not be read. */
export type Section<T> = { readonly ok: true; readonly value: T } | {
  readonly ok: false;
  readonly error: ShownError;
};

/** Lifecycle, root reachability and counters (`/proc/*`). */
export interface NodeStatus {
  /** `/proc/lifecycle/state`, e.g. `ONLINE`. */
  readonly lifecycle: string;
  /** `/proc/lifecycle/reason`. */
  readonly reason: string;
  /** `/proc/lifecycle/since` (server ms). */
  readonly sinceMs: string;
  /** `/proc/root/reachable` is `yes`. */
  readonly rootReachable: boolean;
  /** `/proc/root/cut_reason`. */
  readonly cutReason: string;
  /** `/proc/root/last_seen_ms`. */
  readonly lastSeenMs: string;
  /** `/proc/9p/session/active` fields (`active`, `draining`). */
  readonly sessions: Readonly<Record<string, string>>;
  /** `/proc/pressure/*` counters (`busy`, `quota`, `cut`, `policy`). */
  readonly pressure: Readonly<Record<string, string>>;
  /** `/proc/ingest/*` counters (`p50_ms`, `p95_ms`, `backpressure`, `dropped`, `queued`). */
  readonly ingest: Readonly<Record<string, string>>;
}

/** A GPU's lease line (`gpu-lease/v1`). */
export interface LeaseView {
  /** `state` (e.g. `ACTIVE`). */
  readonly state: string;
  /** `worker_id`. */
  readonly workerId: string;
  /** `mem_mb`. */
  readonly memMb: number | null;
  /** `streams`. */
  readonly streams: number | null;
  /** `ttl_s`. */
  readonly ttlS: number | null;
  /** `priority`. */
  readonly priority: number | null;
  /** Whether the leasing worker is still alive (the Queen keeps a killed worker's lease ACTIVE). */
  readonly workerAlive: boolean;
}

/** One GPU with its info, current lease and recent breadcrumbs. */
export interface GpuView {
  /** GPU id. */
  readonly id: string;
  /** `/gpu/<id>/info` fields (name, memory_mb, …), or why it could not be read. */
  readonly info: Section<Readonly<Record<string, string | number>>>;
  /** The last lease line, if any. */
  readonly lease: LeaseView | null;
  /** The last breadcrumbs of `/gpu/<id>/status`, oldest first (each capped to a line). */
  readonly breadcrumbs: readonly string[];
}

/** One worker of the hive. */
export interface WorkerView {
  /** `worker-<n>`. */
  readonly id: string;
  /** `gpu` when a lease names it, else `heartbeat`. */
  readonly role: "gpu" | "heartbeat";
  /** The leased GPU, for GPU workers. */
  readonly gpuId: string | null;
  /** The last telemetry lines within the budgets (detail), oldest first. */
  readonly telemetry: readonly string[];
  /** Why its telemetry could not be read, if so. */
  readonly telemetryError: ShownError | null;
}

/** A telemetry device and its segments. */
export interface DeviceView {
  /** Device id. */
  readonly id: string;
  /** Segment names, in the Queen's order. */
  readonly segments: readonly string[];
  /** `latest`, if readable. */
  readonly latest: string | null;
}

/** PEFT models: the Queen's view and the local registry's. */
export interface ModelsView {
  /** `/gpu/models/available` entries (`null` when the Queen publishes no models). */
  readonly queenAvailable: readonly string[] | null;
  /** Last line of `/gpu/models/active`, if any. */
  readonly queenActive: string | null;
  /** Models in the local registry (`<registry>/available`), or why they could not be listed. */
  readonly registry: Section<{
    readonly root: string;
    readonly available: readonly string[];
    readonly current: string;
    readonly previous: string | null;
  }>;
}

/** Everything the page shows. */
export interface HiveSnapshot {
  /** Increases with every poll. */
  readonly seq: number;
  /** Where the Queen is (`the Queen at H:P`, `the mock Queen`, …). */
  readonly target: string;
  /** Poll interval in ms. */
  readonly pollMs: number;
  /** The budgets the page applies (overlay lines). */
  readonly budgets: HiveBudgets;
  /** Wall time of the poll (ISO 8601). */
  readonly polledAt: string;
  /** Set when the whole poll failed (the sections keep their last values). */
  readonly pollError: ShownError | null;
  /** `/proc`. */
  readonly node: Section<NodeStatus> | null;
  /** `/gpu`. */
  readonly gpus: Section<readonly GpuView[]> | null;
  /** `/worker`. */
  readonly workers: Section<readonly WorkerView[]> | null;
  /** `/queen/telemetry`. */
  readonly telemetry: Section<readonly DeviceView[]> | null;
  /** Models. */
  readonly models: ModelsView | null;
  /** The last lines of `/log/queen.log`, without the audit lines of console reads. */
  readonly log: Section<readonly string[]> | null;
  /** How many `[INFO audit] console: ls|cat|tail …` lines were left out of {@link log}. */
  readonly logHiddenReads: number;
  /** The audit lines of the actions taken from the page, oldest first. */
  readonly audit: readonly string[];
}

/** The `key=value` pairs of a `/proc` file (`active=1 draining=0`). */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const token of text.split(/\s+/)) {
    const eq = token.indexOf("=");
    if (eq > 0) out[token.slice(0, eq)] = token.slice(eq + 1);
  }
  return out;
}

/**
 * A worker's telemetry within the hive budgets: each line capped to `lineCapBytes`, the last
 * `detailLines` lines, and the oldest dropped until they total at most `perWorkerBytes`.
 */
export function budgetTelemetry(lines: readonly string[], budgets: HiveBudgets): string[] {
  const kept = lines.filter((line) => line.trim().length > 0)
    .slice(-budgets.detailLines)
    .map((line) => truncateToBytes(line, budgets.lineCapBytes));
  let total = kept.reduce((sum, line) => sum + utf8Length(line), 0);
  while (total > budgets.perWorkerBytes && kept.length > 0) {
    total -= utf8Length(kept.shift()!);
  }
  return kept;
}

/** A lease line parsed leniently (a hostile or odd line yields `null`). */
export function parseLeaseLine(line: string): Omit<LeaseView, "workerAlive"> | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const text = (key: string) => typeof record[key] === "string" ? record[key] as string : "";
  const count = (key: string) =>
    typeof record[key] === "number" && Number.isFinite(record[key]) ? record[key] as number : null;
  if (text("worker_id") === "") return null;
  return {
    state: text("state"),
    workerId: text("worker_id"),
    memMb: count("mem_mb"),
    streams: count("streams"),
    ttlS: count("ttl_s"),
    priority: count("priority"),
  };
}

/**
 * A `gpu-breadcrumb/v1` line as the page shows it (`START echo ok RUNNING`, `EXIT echo ok OK
 * exit=0`); anything else is shown as it came, capped like a telemetry line.
 */
export function renderBreadcrumb(line: string, maxBytes: number): string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return truncateToBytes(line, maxBytes);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return truncateToBytes(line, maxBytes);
  }
  const record = value as Record<string, unknown>;
  const words = ["event", "command", "status"]
    .map((key) => record[key])
    .filter((field): field is string => typeof field === "string");
  if (typeof record.exit_code === "number") words.push(`exit=${record.exit_code}`);
  return truncateToBytes(words.length > 0 ? words.join(" ") : line, maxBytes);
}

/**
 * The Queen logs every console command as `[INFO audit] console: <verb> <path>` in its 128-line
 * log ring; the UI's own polling is most of them. Reads (`ls`, `cat`, `tail`) are left out of
 * the log view; writes and everything else stay.
 */
export function isReadAudit(line: string): boolean {
  return /^\[INFO audit\] console: (ls|cat|tail) /.test(line);
}
