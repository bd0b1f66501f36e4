/**
 * The hive's state, read from the Queen over the ONE backend the UI holds (the Queen takes one
 * console client), on cohsh's tail poll interval. Each poll reads `/proc` (lifecycle, root,
 * sessions, pressure, ingest), `/gpu` (info once per GPU, lease, breadcrumbs), `/worker` and each
 * worker's telemetry ring, `/queen/telemetry`, the models, and the tail of `/log/queen.log`.
 * A section the Queen refuses (`ERR …`) shows its error; a transport failure ends the poll early
 * and keeps the last values, so a Queen that went away costs one failure per poll, not forty.
 *
 * @module
 */

import type { Backend } from "../../backends/backend.ts";
import { NON_GPU_ENTRIES, parseGpuInfo } from "../../client/gpu.ts";
import { loadState } from "../../client/registry_state.ts";
import { listDirBounded, listedName, readFileCapped } from "../../client/remote.ts";
import { lastNonEmptyLine, nonEmptyLines } from "../../client/text.ts";
import type { CohesixDefaults } from "../../core/defaults.ts";
import {
  CommandError,
  LimitError,
  LocalFileError,
  OperationError,
  ValidationError,
} from "../../core/errors.ts";
import { joinPath } from "../../core/paths.ts";
import type { HiveBudgets } from "./hive_budgets.ts";
import {
  budgetTelemetry,
  type DeviceView,
  type GpuView,
  type HiveSnapshot,
  isReadAudit,
  type ModelsView,
  type NodeStatus,
  parseKeyValues,
  parseLeaseLine,
  renderBreadcrumb,
  type Section,
  type WorkerView,
} from "./hive_snapshot.ts";
import { shownError } from "./shown_error.ts";
import { tailLines } from "./tail_reader.ts";

/** What a poll produces: everything the page shows except the audit pane. */
export type PolledState = Omit<HiveSnapshot, "audit">;

/** Options of a {@link StatePoller}. */
export interface StatePollerOptions {
  /** The backend, shared with the actions. */
  readonly backend: Backend;
  /** The bounds in force. */
  readonly defaults: CohesixDefaults;
  /** The hive budgets. */
  readonly budgets: HiveBudgets;
  /** Milliseconds between the end of one poll and the start of the next. */
  readonly pollMs: number;
  /** Where the Queen is, for the page header. */
  readonly target: string;
  /** The local model registry shown next to the Queen's models. */
  readonly registryRoot: string;
  /** Called with every new state. */
  readonly onState: (state: PolledState) => void;
}

/** A worker named by a lease line of a GPU. */
interface LeaseHolder {
  readonly workerId: string;
  readonly gpuId: string;
}

/** Breadcrumbs shown per GPU. */
const BREADCRUMBS_SHOWN = 5;
/** Log lines shown (a TAIL gives at most 64). */
const LOG_LINES_SHOWN = 64;
/**
 * Telemetry devices, models and ingest counters change slowly: read on every this-many-th poll
 * and right after an action, so a poll costs about 14 + 2·GPUs + workers console commands (the
 * Queen logs each one).
 */
export const SLOW_SECTIONS_EVERY = 5;

/** Errors that belong to one section; anything else (transport, auth, abort) ends the poll. */
function isSectionError(error: unknown): boolean {
  return error instanceof CommandError || error instanceof ValidationError ||
    error instanceof LimitError || error instanceof OperationError ||
    error instanceof LocalFileError;
}

/** Reads the hive on an interval; see the module doc. */
export class StatePoller {
  readonly #options: StatePollerOptions;
  readonly #infoCache = new Map<string, GpuView["info"]>();
  /** Ends the loop; a poll in progress finishes its current read (bounded by the timeout). */
  readonly #stop = new AbortController();
  /**
   * The requests' signal: never aborted by {@link stop}, so a read is not cut mid-reply (which
   * would drop the connection before the caller can send `quit`).
   */
  readonly #requests = new AbortController();
  #seq = 0;
  #last: PolledState;
  #wake: (() => void) | undefined;
  #slowDue = true;
  #loop: Promise<void> | undefined;

  /** Creates a poller; nothing is read until {@link start}. */
  constructor(options: StatePollerOptions) {
    this.#options = options;
    this.#last = {
      seq: 0,
      target: options.target,
      pollMs: options.pollMs,
      budgets: options.budgets,
      polledAt: new Date().toISOString(),
      pollError: null,
      node: null,
      gpus: null,
      workers: null,
      telemetry: null,
      models: null,
      log: null,
      logHiddenReads: 0,
    };
  }

  /** The latest state. */
  get state(): PolledState {
    return this.#last;
  }

  /** Starts polling (the first poll at once). */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Polls again now instead of waiting out the interval (after an action). */
  pollSoon(): void {
    this.#slowDue = true;
    this.#wake?.();
  }

  /** Stops polling and waits for a poll in progress to end. */
  async stop(): Promise<void> {
    this.#stop.abort(new DOMException("ui stopped", "AbortError"));
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      await this.pollOnce();
      if (this.#stop.signal.aborted) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.#options.pollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#wake = done;
      });
      this.#wake = undefined;
    }
  }

  /** Reads everything once and publishes the result. */
  async pollOnce(): Promise<PolledState> {
    const signal = this.#requests.signal;
    const stopping = this.#stop.signal;
    const next: { -readonly [K in keyof PolledState]: PolledState[K] } = {
      ...this.#last,
      seq: ++this.#seq,
      polledAt: new Date().toISOString(),
      pollError: null,
    };
    const slow = this.#slowDue || next.seq % SLOW_SECTIONS_EVERY === 1;
    this.#slowDue = false;
    try {
      next.node = await this.#section(() => this.#readNode(signal, slow ? undefined : next.node));
      if (stopping.aborted) return this.#last;
      const gpus = await this.#section(() => this.#readGpus(signal));
      next.gpus = gpus;
      const leases = gpus.ok ? gpus.value.flatMap((gpu) => gpu.leaseHolders) : [];
      if (stopping.aborted) return this.#last;
      const workers = await this.#section(() => this.#readWorkers(leases, signal));
      next.workers = workers;
      if (stopping.aborted) return this.#last;
      const alive = new Set(workers.ok ? workers.value.map((worker) => worker.id) : []);
      if (gpus.ok) {
        next.gpus = {
          ok: true,
          value: gpus.value.map(({ leaseHolders: _, lease, ...gpu }) => ({
            ...gpu,
            lease: lease === null ? null : { ...lease, workerAlive: alive.has(lease.workerId) },
          })),
        };
      }
      if (slow) {
        next.telemetry = await this.#section(() => this.#readDevices(signal));
        next.models = await this.#readModels(signal);
        if (stopping.aborted) return this.#last;
      }
      const log = await this.#section(() =>
        tailLines(
          this.#options.backend,
          this.#options.defaults.paths.log,
          this.#options.defaults.readCaps.maxDirListBytes,
          { signal },
        )
      );
      next.log = log.ok
        ? {
          ok: true,
          value: log.value.filter((line) => !isReadAudit(line)).slice(-LOG_LINES_SHOWN),
        }
        : log;
      next.logHiddenReads = log.ok ? log.value.filter(isReadAudit).length : 0;
    } catch (error) {
      if (stopping.aborted) return this.#last;
      next.pollError = shownError(error);
    }
    this.#last = next;
    this.#options.onState(next);
    return next;
  }

  async #section<T>(read: () => Promise<T>): Promise<Section<T>> {
    try {
      return { ok: true, value: await read() };
    } catch (error) {
      if (!isSectionError(error)) throw error;
      return { ok: false, error: shownError(error) };
    }
  }

  async #readText(path: string, signal: AbortSignal, cap?: number): Promise<string> {
    const max = cap ?? this.#options.defaults.readCaps.maxDirListBytes;
    const bytes = await readFileCapped(this.#options.backend, path, max, "read cap", { signal });
    return new TextDecoder().decode(bytes);
  }

  /** `/proc`; the ingest counters are kept from `previous` unless given none. */
  async #readNode(
    signal: AbortSignal,
    previous?: Section<NodeStatus> | null,
  ): Promise<NodeStatus> {
    // The first file of each group is required; a Queen (or a mount) without the others still
    // shows what it has.
    const values = async (dir: string, names: readonly string[]) => {
      const out: Record<string, string> = {};
      for (const [index, name] of names.entries()) {
        try {
          Object.assign(out, parseKeyValues(await this.#readText(`${dir}/${name}`, signal)));
        } catch (error) {
          if (index === 0 || !isSectionError(error)) throw error;
        }
      }
      return out;
    };
    const lifecycle = await values("/proc/lifecycle", ["state", "reason", "since"]);
    const root = await values("/proc/root", ["reachable", "last_seen_ms", "cut_reason"]);
    const sessions = await values("/proc/9p/session", ["active"]).catch((error) => {
      if (!isSectionError(error)) throw error;
      return {};
    });
    const pressure = await values("/proc/pressure", ["busy", "quota", "cut", "policy"])
      .catch((error) => {
        if (!isSectionError(error)) throw error;
        return {};
      });
    let ingest: Readonly<Record<string, string>> = previous?.ok ? previous.value.ingest : {};
    if (previous === undefined || !previous?.ok) {
      try {
        ingest = await values("/proc/ingest", [
          "p50_ms",
          "p95_ms",
          "queued",
          "backpressure",
          "dropped",
        ]);
      } catch (error) {
        if (!isSectionError(error)) throw error;
      }
    }
    return {
      lifecycle: lifecycle.state ?? "UNKNOWN",
      reason: lifecycle.reason ?? "",
      sinceMs: lifecycle.since_ms ?? "",
      rootReachable: root.reachable === "yes",
      cutReason: root.cut_reason ?? "",
      lastSeenMs: root.last_seen_ms ?? "",
      sessions,
      pressure,
      ingest,
    };
  }

  async #readGpus(
    signal: AbortSignal,
  ): Promise<(GpuView & { leaseHolders: LeaseHolder[] })[]> {
    const { backend, defaults, budgets } = this.#options;
    const entries = await listDirBounded(backend, "/gpu", defaults, { signal });
    const ids = entries.filter((entry) => !NON_GPU_ENTRIES.has(entry))
      .map((entry) => listedName(entry, "/gpu"));
    const gpus = [];
    for (const id of ids) {
      let info = this.#infoCache.get(id);
      if (info === undefined || !info.ok) {
        const path = joinPath("/gpu", id, "info");
        info = await this.#section(async () => {
          const text = await this.#readText(path, signal, defaults.readCaps.maxGpuInfoBytes);
          const parsed = parseGpuInfo(text, path);
          return {
            name: parsed.name,
            memory_mb: parsed.memoryMb,
            sm_count: parsed.smCount,
            driver: parsed.driverVersion,
            runtime: parsed.runtimeVersion,
          };
        });
        this.#infoCache.set(id, info);
      }
      const leaseText = await this.#readText(
        joinPath("/gpu", id, "lease"),
        signal,
        defaults.coh.run.lease.maxBytes,
      );
      const leaseLines = nonEmptyLines(leaseText).map(parseLeaseLine)
        .filter((lease) => lease !== null);
      const statusText = await this.#readText(
        joinPath("/gpu", id, "status"),
        signal,
        defaults.readCaps.maxGpuStatusBytes,
      );
      const last = leaseLines[leaseLines.length - 1];
      gpus.push({
        id,
        info,
        lease: last === undefined ? null : { ...last, workerAlive: false },
        leaseHolders: leaseLines.map((lease) => ({ workerId: lease.workerId, gpuId: id })),
        breadcrumbs: nonEmptyLines(statusText).slice(-BREADCRUMBS_SHOWN)
          .map((line) => renderBreadcrumb(line, budgets.lineCapBytes)),
      });
    }
    for (const cached of [...this.#infoCache.keys()]) {
      if (!ids.includes(cached)) this.#infoCache.delete(cached);
    }
    return gpus;
  }

  async #readWorkers(leases: readonly LeaseHolder[], signal: AbortSignal): Promise<WorkerView[]> {
    const { backend, defaults, budgets } = this.#options;
    const ids = (await listDirBounded(backend, "/worker", defaults, { signal }))
      .map((entry) => listedName(entry, "/worker"));
    // Worker ids are never reused, so any lease line naming a live worker marks it a GPU worker.
    const gpuOf = new Map(leases.map((lease) => [lease.workerId, lease.gpuId]));
    const workers: WorkerView[] = [];
    for (const id of ids) {
      let telemetry: string[] = [];
      let telemetryError = null;
      try {
        const lines = await tailLines(
          backend,
          joinPath("/worker", id, "telemetry"),
          budgets.perWorkerBytes * 4,
          { signal },
        );
        telemetry = budgetTelemetry(lines, budgets);
      } catch (error) {
        if (!isSectionError(error)) throw error;
        telemetryError = shownError(error);
      }
      const gpuId = gpuOf.get(id) ?? null;
      workers.push({
        id,
        role: gpuId === null ? "heartbeat" : "gpu",
        gpuId,
        telemetry,
        telemetryError,
      });
    }
    return workers;
  }

  async #readDevices(signal: AbortSignal): Promise<DeviceView[]> {
    const { backend, defaults } = this.#options;
    const policy = defaults.coh.telemetry;
    const devices = (await listDirBounded(backend, policy.root, defaults, { signal }))
      .slice(0, policy.maxDevices)
      .map((entry) => listedName(entry, policy.root));
    const views: DeviceView[] = [];
    for (const device of devices) {
      const segRoot = joinPath(policy.root, device, "seg");
      const segments = await listDirBounded(backend, segRoot, defaults, { signal });
      let latest: string | null = null;
      try {
        latest = lastNonEmptyLine(
          await this.#readText(joinPath(policy.root, device, "latest"), signal),
        ) ?? null;
      } catch (error) {
        if (!isSectionError(error)) throw error;
      }
      views.push({ id: device, segments, latest });
    }
    return views;
  }

  async #readModels(signal: AbortSignal): Promise<ModelsView> {
    const { backend, defaults, registryRoot } = this.#options;
    let queenAvailable: string[] | null = null;
    let queenActive: string | null = null;
    try {
      queenAvailable = await listDirBounded(backend, "/gpu/models/available", defaults, {
        signal,
      });
      queenActive = lastNonEmptyLine(await this.#readText("/gpu/models/active", signal)) ?? null;
    } catch (error) {
      if (!isSectionError(error)) throw error;
    }
    return { queenAvailable, queenActive, registry: await readRegistry(registryRoot, defaults) };
  }
}

/** The local registry's models and state, when this run may read it. */
async function readRegistry(
  root: string,
  defaults: CohesixDefaults,
): Promise<ModelsView["registry"]> {
  const status = await Deno.permissions.query({ name: "read", path: root });
  if (status.state !== "granted") {
    return {
      ok: false,
      error: {
        message: `the local model registry ${root} is not readable by this run`,
        hint: `grant --allow-read=${root} --allow-write=${root} to see and activate models`,
      },
    };
  }
  try {
    const available: string[] = [];
    try {
      for await (const entry of Deno.readDir(`${root}/available`)) {
        if (entry.isDirectory) available.push(entry.name);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    available.sort();
    const state = await loadState(root, defaults);
    return {
      ok: true,
      value: { root, available, current: state.current, previous: state.previous ?? null },
    };
  } catch (error) {
    return { ok: false, error: shownError(error) };
  }
}
