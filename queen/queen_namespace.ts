/**
 * The Queen's namespace semantics in one place (PROTOCOL.md §4.2, §6, §7, §9; OPERATIONS.md
 * §4): what LS, CAT, TAIL, ECHO, SPAWN and KILL do to the node tree, workers, telemetry
 * segments, GPU leases, the log and the lifecycle state. `MockBackend` wraps it in memory and
 * the in-repo console server serves it over TCP, so both behave like the live Queen.
 *
 * Paths and payloads are taken as the console parser hands them over (the path is the first
 * token, the payload the trimmed rest); refusals are {@link NamespaceError}s.
 *
 * @module
 */

import { sha256Hex } from "../core/sha256.ts";
import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import { utf8Length } from "../core/paths.ts";
import { catSummary, splitNodeLines, truncateUtf8 } from "./cat_text.ts";
import { findObjectField, findStringField, findUintField, hasField } from "./ctl_fields.ts";
import { applyBridgeSnapshot } from "./bridge_apply.ts";
import {
  BRIDGE_CHUNK_PREFIX,
  BRIDGE_LIMITS,
  type BridgeSnapshotContent,
  bytesOfBase64,
  parseBridgeSnapshot,
} from "./bridge_wire.ts";
import { NamespaceError } from "./namespace_error.ts";
import { type FileNode, NamespaceTree, type TreeNodeSnapshot } from "./namespace_tree.ts";
import { QUEEN_NAMESPACE_LIMITS, type QueenNamespaceLimits } from "./queen_constants.ts";
import { seedDemo, seedQueen } from "./seed.ts";

export { NamespaceError, type NamespaceErrorTag } from "./namespace_error.ts";
export type { QueenNamespaceLimits } from "./queen_constants.ts";
export type { FileRole, TreeNodeSnapshot } from "./namespace_tree.ts";

/** Options of a {@link QueenNamespace}. */
export interface QueenNamespaceOptions {
  /** Starting content: `demo` (Python MockBackend over the live tree) or `queen` (live boot). */
  seed?: "demo" | "queen";
  /** Adds MIG-0 (info/status/lease/ctl) to the demo seed. */
  includeMig?: boolean;
  /** Server-millisecond clock; defaults to milliseconds since construction. */
  now?: () => number;
  /** Manifest bounds (telemetry ingest); defaults to {@link DEFAULTS}. */
  defaults?: CohesixDefaults;
  /** Queen-internal caps; defaults to {@link QUEEN_NAMESPACE_LIMITS}. */
  limits?: Partial<QueenNamespaceLimits>;
}

/** Body lines of a CAT and the `data=` summary of its ack. */
export interface CatResult {
  /** Body lines (none for `/log/queen.log`). */
  lines: string[];
  /** The `data=` summary, already cut to fit the ack. */
  data: string;
}

/** Lifecycle states (`lifecycle.rs`). */
export type LifecycleState =
  | "BOOTING"
  | "ONLINE"
  | "DEGRADED"
  | "DRAINING"
  | "QUIESCED"
  | "OFFLINE";

/** A live worker. */
export interface WorkerSnapshot {
  /** `worker-<n>`. */
  id: string;
  /** How it was spawned. */
  kind: "heartbeat" | "gpu";
  /** The leased GPU, for `gpu` workers. */
  gpuId?: string;
  /** Telemetry ring contents. */
  telemetry: string;
}

/** Plain JSON-serialisable state of a {@link QueenNamespace}. */
export interface QueenNamespaceSnapshot {
  /** Snapshot format version. */
  version: 1;
  /** The node tree. */
  tree: TreeNodeSnapshot;
  /** Number of the next worker id. */
  nextWorker: number;
  /** Live workers in spawn order. */
  workers: WorkerSnapshot[];
  /** Last segment number per telemetry device. */
  segmentCounters: Record<string, number>;
  /** Lifecycle state, reason and since (server ms). */
  lifecycle: { state: LifecycleState; reason: string; sinceMs: number };
  /** Root reachability (`/proc/root`). */
  root: { reachable: boolean; cutReason: string; lastSeenMs: number };
  /** Refusal counters (`/proc/pressure`). */
  pressure: { busy: number; quota: number; cut: number; policy: number };
  /** `/log/queen.log` ring and the user-line ring, with sequence numbers. */
  log: { nextSeq: number; lines: [number, string][]; user: [number, string][] };
  /** `/gpu/bridge/ctl` publish in progress, if any. */
  bridge?: { bytes: number; sha256: string; received: string };
  /** Server clock at snapshot time; a restored default clock continues from it. */
  nowMs: number;
}

// Queen-side literals (ninedoor.rs `GPU_LEASE_SCHEMA`, `GPU_LEASE_ACTIVE_STATE`).
const GPU_LEASE_SCHEMA = "gpu-lease/v1";
const GPU_LEASE_ACTIVE_STATE = "ACTIVE";
// Largest u32/u8 the lease fields are parsed into (ninedoor.rs lease parser).
const U32_MAX = 0xffff_ffff;
const U8_MAX = 0xff;
// `/gpu` entries that are not GPUs.
const NOT_GPUS: ReadonlySet<string> = new Set(["bridge", "models", "telemetry"]);
// Lifecycle gates (lifecycle.rs `GATE_NEW_WORK`, `GATE_TELEMETRY_INGEST`/`WORKER_TELEMETRY`).
const NEW_WORK_STATES: ReadonlySet<LifecycleState> = new Set(["ONLINE", "DEGRADED"]);
const INGEST_STATES: ReadonlySet<LifecycleState> = new Set(["ONLINE", "DEGRADED", "DRAINING"]);

type LifecycleCommand = "cordon" | "drain" | "resume" | "quiesce" | "reset";

interface LogEntry {
  readonly seq: number;
  readonly text: string;
}

interface Worker {
  readonly id: string;
  readonly kind: "heartbeat" | "gpu";
  readonly gpuId: string | undefined;
  telemetry: string;
}

const encoder = new TextEncoder();
const lossyDecoder = new TextDecoder();

/** `xx` of `/shard/<xx>`: the first byte of SHA-256(worker id), lowercase hex. */
export function shardOf(workerId: string): string {
  return sha256Hex(workerId).slice(0, 2);
}

/** The Queen's namespace: node tree, workers, telemetry, log and lifecycle state. */
export class QueenNamespace {
  readonly #defaults: CohesixDefaults;
  readonly #limits: QueenNamespaceLimits;
  readonly #now: () => number;
  #tree: NamespaceTree;
  #nextWorker = 1;
  #workers = new Map<string, Worker>();
  #segmentCounters = new Map<string, number>();
  #lifecycle: { state: LifecycleState; reason: string; sinceMs: number } = {
    state: "ONLINE",
    reason: "boot-complete",
    sinceMs: 0,
  };
  #root = { reachable: true, cutReason: "none", lastSeenMs: 0 };
  #pressure = { busy: 0, quota: 0, cut: 0, policy: 0 };
  #logSeq = 0;
  #log: LogEntry[] = [];
  #userLines: LogEntry[] = [];
  #bridge: { bytes: number; sha256: string; received: string } | undefined;

  /** Creates a namespace with the `demo` (default) or `queen` seed. */
  constructor(options: QueenNamespaceOptions = {}) {
    this.#defaults = options.defaults ?? DEFAULTS;
    this.#limits = { ...QUEEN_NAMESPACE_LIMITS, ...options.limits };
    this.#now = options.now ?? elapsedClock(0);
    this.#tree = new NamespaceTree();
    const counters = options.seed === "queen"
      ? seedQueen(this.#tree, this.#defaults)
      : seedDemo(this.#tree, { includeMig: options.includeMig ?? false, defaults: this.#defaults });
    this.#segmentCounters = new Map(Object.entries(counters.segmentCounters));
  }

  /** Restores a namespace from {@link QueenNamespace.toJSON} output (seed options are ignored). */
  static fromJSON(
    snapshot: QueenNamespaceSnapshot,
    options: QueenNamespaceOptions = {},
  ): QueenNamespace {
    if (snapshot?.version !== 1) {
      throw new TypeError("unsupported namespace snapshot version (expected 1)");
    }
    const restoredOptions: QueenNamespaceOptions = {
      ...options,
      now: options.now ?? elapsedClock(snapshot.nowMs ?? 0),
    };
    const ns = new QueenNamespace({ ...restoredOptions, seed: "queen" });
    ns.#tree = new NamespaceTree(snapshot.tree);
    ns.#nextWorker = snapshot.nextWorker;
    ns.#workers = new Map(
      snapshot.workers.map((w) => [w.id, {
        id: w.id,
        kind: w.kind,
        gpuId: w.gpuId,
        telemetry: w.telemetry,
      }]),
    );
    ns.#segmentCounters = new Map(Object.entries(snapshot.segmentCounters));
    ns.#lifecycle = { ...snapshot.lifecycle };
    ns.#root = { ...snapshot.root };
    ns.#pressure = { ...snapshot.pressure };
    ns.#logSeq = snapshot.log.nextSeq;
    ns.#log = snapshot.log.lines.map(([seq, text]) => ({ seq, text }));
    ns.#userLines = snapshot.log.user.map(([seq, text]) => ({ seq, text }));
    ns.#bridge = snapshot.bridge === undefined ? undefined : { ...snapshot.bridge };
    return ns;
  }

  /** Plain JSON-serialisable state (tree, workers, counters, log, lifecycle). */
  toJSON(): QueenNamespaceSnapshot {
    const snapshot: QueenNamespaceSnapshot = {
      version: 1,
      tree: this.#tree.toJSON(),
      nextWorker: this.#nextWorker,
      workers: [...this.#workers.values()].map((w) => {
        const out: WorkerSnapshot = { id: w.id, kind: w.kind, telemetry: w.telemetry };
        if (w.gpuId !== undefined) out.gpuId = w.gpuId;
        return out;
      }),
      segmentCounters: Object.fromEntries(this.#segmentCounters),
      lifecycle: { ...this.#lifecycle },
      root: { ...this.#root },
      pressure: { ...this.#pressure },
      log: {
        nextSeq: this.#logSeq,
        lines: this.#log.map((e) => [e.seq, e.text]),
        user: this.#userLines.map((e) => [e.seq, e.text]),
      },
      nowMs: this.#now(),
    };
    if (this.#bridge !== undefined) snapshot.bridge = { ...this.#bridge };
    return snapshot;
  }

  /** Current lifecycle state (`ONLINE` after boot). */
  get lifecycleState(): string {
    return this.#lifecycle.state;
  }

  // ---------------------------------------------------------------------------------------
  // LS / CAT / TAIL

  /** LS: entry names in insertion order; more than 64 entries is `buffer-full`. */
  ls(path: string): string[] {
    const parts = this.#parse(path, true);
    let entries: string[];
    if (parts[0] === "worker" && this.#hasTop("worker")) {
      if (parts.length > 1) throw invalidPath(path);
      entries = [...this.#workers.keys()];
    } else if (parts[0] === "shard" && this.#hasTop("shard")) {
      entries = this.#lsShard(parts, path);
    } else {
      const node = this.#tree.lookup(parts);
      if (node?.kind !== "dir" || !node.listable) throw invalidPath(path);
      entries = [...node.children.keys()];
    }
    this.#checkStream(entries, path);
    return entries;
  }

  /**
   * CAT: body lines and the `data=` summary (§6.1). Directories, write-only control files,
   * worker telemetry and unreadable nodes are `invalid-path`; `/log/queen.log` has no body.
   */
  cat(path: string): CatResult {
    const parts = this.#parse(path, false);
    if (this.#isVirtual(parts)) throw invalidPath(path);
    const node = this.#tree.lookup(parts);
    if (node?.kind !== "file") throw invalidPath(path);
    switch (node.role) {
      case "queen-ctl":
      case "lifecycle-ctl":
      case "telemetry-ctl":
      case "unreadable":
        throw invalidPath(path);
      case "log":
        return { lines: [], data: catSummary(this.#logSummaryCandidates(), path, this.#limits) };
      default: {
        const lines = splitNodeLines(this.#readText(node, path));
        this.#checkStream(lines, path);
        return { lines, data: catSummary(lines, path, this.#limits) };
      }
    }
  }

  /**
   * TAIL: a one-shot snapshot of `/log/queen.log` (last ≤ 64 lines), `/proc/ingest/watch`
   * (adds one entry) or a worker telemetry ring; any other path is `invalid-path` without
   * `error=`.
   */
  tail(path: string): string[] {
    const parts = this.#parse(path, false);
    const ringOwner = this.#workerTelemetryTarget(parts, path);
    if (ringOwner !== undefined) {
      const lines = splitNodeLines(ringOwner.telemetry);
      this.#checkStream(lines, path);
      return lines;
    }
    const node = this.#isVirtual(parts) ? undefined : this.#tree.lookup(parts);
    if (node?.kind === "file" && node.role === "log") {
      const lines = this.#log.slice(-this.#limits.maxStreamLines).map((e) => e.text);
      this.#checkStream(lines, path);
      return lines;
    }
    if (node?.kind === "file" && node.role === "watch") {
      this.#recordWatch(node);
      const lines = splitNodeLines(node.content);
      this.#checkStream(lines, path);
      return lines;
    }
    throw new NamespaceError("invalid-path", { path, showError: false });
  }

  // ---------------------------------------------------------------------------------------
  // ECHO

  /**
   * ECHO as the Queen does it (§7): `payload` is the trimmed text the console parsed. Returns
   * the server's `bytes=` (the payload's length, before any newline the Queen adds).
   */
  echo(path: string, payload: string): number {
    const parts = this.#parse(path, false);
    const bytes = utf8Length(payload);
    const ringOwner = this.#workerTelemetryTarget(parts, path);
    if (ringOwner !== undefined) {
      this.#appendWorkerTelemetry(ringOwner, payload, path);
      return bytes;
    }
    if (this.#isVirtual(parts)) throw invalidPath(path);
    const node = this.#tree.lookup(parts);
    if (node === undefined && this.#isNewTelemetryDevice(parts)) {
      // The first ctl write for an unknown device creates it (`ensure_device_mut`).
      this.#telemetryCtl(parts, payload, path);
      return bytes;
    }
    if (node?.kind !== "file") throw invalidPath(path);
    switch (node.role) {
      case "log":
        this.#echoLog(payload);
        break;
      case "queen-ctl":
        try {
          this.#queenCtl(payload);
        } catch (error) {
          throw error instanceof NamespaceError ? error.withPath(path) : error;
        }
        break;
      case "lifecycle-ctl":
        this.#lifecycleCtl(payload, path);
        break;
      case "telemetry-ctl":
        this.#telemetryCtl(parts, payload, path);
        break;
      case "segment":
        this.#appendSegment(parts, node, payload, path);
        break;
      case "latest":
        throw new NamespaceError("denied", { path });
      case "gpu-ctl":
        appendCapped(node, withNewline(payload), this.#limits.gpuCtlBytes, path);
        break;
      case "gpu-lease":
      case "gpu-status":
        if (!looksLikeJsonObject(payload)) throw new NamespaceError("invalid-payload", { path });
        appendCapped(
          node,
          withNewline(payload),
          node.role === "gpu-lease" ? this.#limits.gpuLeaseBytes : this.#limits.gpuStatusBytes,
          path,
        );
        break;
      case "models-active":
        if (!this.#isModelId(payload)) throw new NamespaceError("invalid-payload", { path });
        appendCapped(node, withNewline(payload), this.#limits.modelsActiveBytes, path);
        break;
      case "bridge-ctl":
        this.#bridgeCtl(payload, path);
        break;
      case "host":
        node.content = payload;
        break;
      default:
        throw invalidPath(path);
    }
    return bytes;
  }

  /** Appends the server's own lines to `/log/queen.log` (a 128-line ring). */
  appendLog(line: string): void {
    for (const text of line.split("\n")) this.#pushLog(text);
  }

  // ---------------------------------------------------------------------------------------
  // Workers

  /** Live worker ids in spawn order. */
  workers(): string[] {
    return [...this.#workers.keys()];
  }

  /** KILL and `{"kill":…}`: removes the worker (its lease stays ACTIVE, as live). */
  killWorker(id: string): void {
    if (!this.#workers.delete(id)) throw new NamespaceError("invalid-path");
    this.#serverLog(`worker ${id} killed`);
  }

  /**
   * SPAWN and `/queen/ctl` spawn: `{"spawn":"heartbeat",…}` or `{"spawn":"gpu","lease":{…}}`.
   * Returns the new worker id; anything else is `invalid-payload`.
   */
  spawn(json: string): string {
    const role = findStringField(json, "spawn");
    if (role === "heartbeat") return this.#addWorker("heartbeat", undefined);
    if (role === "gpu") return this.#spawnGpu(json);
    throw new NamespaceError("invalid-payload");
  }

  // ---------------------------------------------------------------------------------------
  // Harness and server hooks

  /** Creates or replaces file `path` with raw `content` (no console limits; parents created). */
  put(path: string, content: string): void {
    this.#tree.put(this.#harnessParts(path), content);
  }

  /** Appends raw `content` to file `path`, creating it if needed (no console limits). */
  append(path: string, content: string): void {
    const parts = this.#harnessParts(path);
    const node = this.#tree.lookup(parts);
    if (node?.kind === "file") node.content += content;
    else this.#tree.put(parts, content);
  }

  /** Creates directory `path` and its parents (harness seeding). */
  mkdir(path: string): void {
    this.#tree.mkdir(this.#harnessParts(path));
  }

  /** Marks root reachable (a queen attached) or cut with `cutReason` (§2.6). */
  setRootReachable(reachable: boolean, cutReason = "network_unreachable"): void {
    this.#root = {
      reachable,
      cutReason: reachable ? "none" : cutReason,
      lastSeenMs: reachable ? this.#now() : this.#root.lastSeenMs,
    };
  }

  /** Whether root is reachable (lifecycle OFFLINE also cuts it). */
  get rootReachable(): boolean {
    return this.#root.reachable && this.#lifecycle.state !== "OFFLINE";
  }

  /** Counts a console refusal in `/proc/pressure/<reason>`. */
  countRefusal(reason: "busy" | "quota" | "cut" | "policy"): void {
    this.#pressure[reason]++;
  }

  // ---------------------------------------------------------------------------------------
  // Internals: paths

  #parse(path: string, allowTrailingSlash: boolean): string[] {
    if (!path.startsWith("/")) throw invalidPath(path);
    if (path === "/") return [];
    let body = path.slice(1);
    if (allowTrailingSlash && body.endsWith("/")) body = body.slice(0, -1);
    const parts = body.split("/");
    if (parts.some((p) => p.length === 0)) throw invalidPath(path);
    return parts;
  }

  #harnessParts(path: string): string[] {
    const parts = path.split("/").filter((p) => p.length > 0);
    if (!path.startsWith("/") || parts.some((p) => p === "." || p === "..")) {
      throw new TypeError(`harness path ${JSON.stringify(path)} must be absolute, without . or ..`);
    }
    return parts;
  }

  #hasTop(name: string): boolean {
    return this.#tree.root.children.get(name)?.kind === "dir";
  }

  /** `/worker/…` and `/shard/…` are computed from the worker table, not stored. */
  #isVirtual(parts: readonly string[]): boolean {
    return (parts[0] === "worker" || parts[0] === "shard") && this.#hasTop(parts[0]);
  }

  #lsShard(parts: readonly string[], path: string): string[] {
    if (parts.length === 1) {
      return Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
    }
    const label = parts[1]!;
    if (!/^[0-9a-f]{2}$/.test(label)) throw invalidPath(path);
    if (parts.length === 2) return ["worker"];
    if (parts.length === 3 && parts[2] === "worker") {
      return [...this.#workers.keys()].filter((id) => shardOf(id) === label);
    }
    throw invalidPath(path);
  }

  /**
   * The worker whose ring `parts` names (`/worker/<id>/telemetry` or
   * `/shard/<xx>/worker/<id>/telemetry`); `invalid-path` for an unknown worker; `undefined`
   * when the path is not a worker telemetry path at all.
   */
  #workerTelemetryTarget(parts: readonly string[], path: string): Worker | undefined {
    let id: string | undefined;
    let shard: string | undefined;
    if (parts.length === 3 && parts[0] === "worker" && parts[2] === "telemetry") {
      id = parts[1];
    } else if (
      parts.length === 5 && parts[0] === "shard" && parts[2] === "worker" &&
      parts[4] === "telemetry"
    ) {
      shard = parts[1];
      id = parts[3];
    } else {
      return undefined;
    }
    if (!this.#hasTop(parts[0]!)) return undefined;
    const worker = this.#workers.get(id!);
    if (worker === undefined || (shard !== undefined && shardOf(worker.id) !== shard)) {
      throw invalidPath(path);
    }
    return worker;
  }

  #checkStream(lines: readonly string[], path: string): void {
    if (
      lines.length > this.#limits.maxStreamLines ||
      lines.some((line) => utf8Length(line) > this.#limits.maxStreamLineBytes)
    ) {
      throw new NamespaceError("buffer-full", { path });
    }
  }

  #readText(node: FileNode, path: string): string {
    if (node.role !== "dynamic") return node.content;
    const { state, reason, sinceMs } = this.#lifecycle;
    const reachable = this.rootReachable;
    const cut = this.#lifecycle.state === "OFFLINE" ? "lifecycle_offline" : this.#root.cutReason;
    const lastSeen = this.#root.reachable ? this.#now() : this.#root.lastSeenMs;
    const values: Record<string, string> = {
      "/proc/lifecycle/state": `state=${state}`,
      "/proc/lifecycle/reason": `reason=${reason}`,
      "/proc/lifecycle/since": `since_ms=${sinceMs}`,
      "/proc/root/reachable": `reachable=${reachable ? "yes" : "no"}`,
      "/proc/root/last_seen_ms": `last_seen_ms=${Math.floor(lastSeen)}`,
      "/proc/root/cut_reason": `cut_reason=${reachable ? "none" : cut}`,
      "/proc/pressure/busy": `busy=${this.#pressure.busy}`,
      "/proc/pressure/quota": `quota=${this.#pressure.quota}`,
      "/proc/pressure/cut": `cut=${this.#pressure.cut}`,
      "/proc/pressure/policy": `policy=${this.#pressure.policy}`,
    };
    return values[path] ?? node.content;
  }

  // ---------------------------------------------------------------------------------------
  // Internals: log

  #pushLog(text: string): LogEntry {
    const entry = {
      seq: this.#logSeq++,
      text: truncateUtf8(text, this.#limits.maxStreamLineBytes),
    };
    this.#log.push(entry);
    if (this.#log.length > this.#limits.logRingLines) this.#log.shift();
    return entry;
  }

  /** The Queen's own log lines carry a `[LEVEL target]` prefix, so CAT's summary skips them. */
  #serverLog(text: string): void {
    this.#pushLog(`[INFO root_task::ninedoor] ${text}`);
  }

  #echoLog(payload: string): void {
    const entry = this.#pushLog(payload);
    this.#userLines.push(entry);
    if (this.#userLines.length > this.#limits.userRingLines) this.#userLines.shift();
  }

  /** §6.1 step 1: the last 16 user lines, then the non-`[` log lines after them. */
  #logSummaryCandidates(): string[] {
    const lastUser = this.#userLines[this.#userLines.length - 1]?.seq ?? -1;
    const after = this.#log.filter((e) => e.seq > lastUser && !e.text.startsWith("["));
    return [...this.#userLines.map((e) => e.text), ...after.map((e) => e.text)];
  }

  #recordWatch(node: FileNode): void {
    const line = `watch ts_ms=${Math.floor(this.#now())} p50_ms=0 p95_ms=0 queued=0 ` +
      "backpressure=0 dropped=0 ui_reads=0 ui_denies=0";
    const lines = [...splitNodeLines(node.content), line].slice(-this.#limits.watchMaxEntries);
    node.content = lines.map((l) => `${l}\n`).join("");
  }

  // ---------------------------------------------------------------------------------------
  // Internals: /queen/ctl, workers, leases

  #queenCtl(payload: string): void {
    const role = findStringField(payload, "spawn");
    if (role === "heartbeat" || role === "gpu") {
      this.spawn(payload);
      return;
    }
    const kill = findStringField(payload, "kill");
    if (kill !== undefined) {
      this.killWorker(kill);
      return;
    }
    const bind = findObjectField(payload, "bind");
    if (bind !== undefined) {
      // Binds are per-connection aliases; the server applies them. Here they are validated only.
      const from = findStringField(bind, "from");
      const to = findStringField(bind, "to");
      if (!isBindPath(from, this.#defaults) || !isBindPath(to, this.#defaults)) {
        throw new NamespaceError("invalid-payload");
      }
      return;
    }
    const mount = findObjectField(payload, "mount");
    if (mount !== undefined) {
      const service = findStringField(mount, "service");
      const at = findStringField(mount, "at");
      if (!isBindPath(at, this.#defaults)) throw new NamespaceError("invalid-payload");
      if (service !== "logs") throw new NamespaceError("invalid-path");
      return;
    }
    throw new NamespaceError("invalid-payload");
  }

  #addWorker(kind: "heartbeat" | "gpu", gpuId: string | undefined): string {
    this.#checkCanAddWorker();
    const id = `worker-${this.#nextWorker++}`;
    this.#workers.set(id, { id, kind, gpuId, telemetry: "" });
    this.#serverLog(`worker ${id} spawned role=${kind}`);
    return id;
  }

  #checkCanAddWorker(): void {
    if (!NEW_WORK_STATES.has(this.#lifecycle.state)) throw new NamespaceError("denied");
    if (this.#workers.size >= this.#limits.maxWorkers) throw new NamespaceError("buffer-full");
  }

  #spawnGpu(json: string): string {
    const lease = findObjectField(json, "lease") ?? json;
    const gpuId = findStringField(lease, "gpu_id");
    const memMb = findUintField(lease, "mem_mb");
    const streams = findUintField(lease, "streams");
    const ttlS = findUintField(lease, "ttl_s");
    const priority = hasField(lease, "priority") ? findUintField(lease, "priority") : 0;
    const leaseNode = gpuId === undefined || NOT_GPUS.has(gpuId)
      ? undefined
      : this.#tree.lookup(["gpu", gpuId, "lease"]);
    if (
      leaseNode?.kind !== "file" || !inRange(memMb, 1, U32_MAX) ||
      !inRange(streams, 1, U8_MAX) || !inRange(ttlS, 1, U32_MAX) || !inRange(priority, 0, U8_MAX)
    ) {
      throw new NamespaceError("invalid-payload");
    }
    this.#checkCanAddWorker();
    const workerId = `worker-${this.#nextWorker}`;
    const line = JSON.stringify({
      schema: GPU_LEASE_SCHEMA,
      state: GPU_LEASE_ACTIVE_STATE,
      gpu_id: gpuId,
      worker_id: workerId,
      mem_mb: memMb,
      streams,
      ttl_s: ttlS,
      priority,
    });
    appendCapped(leaseNode, `${line}\n`, this.#limits.gpuLeaseBytes, undefined);
    return this.#addWorker("gpu", gpuId);
  }

  #appendWorkerTelemetry(worker: Worker, payload: string, path: string): void {
    const max = this.#limits.workerRingBytes;
    const bytes = encoder.encode(worker.telemetry + payload);
    if (utf8Length(payload) > max) throw new NamespaceError("buffer-full", { path });
    if (!INGEST_STATES.has(this.#lifecycle.state)) throw new NamespaceError("denied", { path });
    // The ring drops its oldest bytes on wrap and adds no newline (live: `abc`+`def` → `abcdef`).
    worker.telemetry = lossyDecoder.decode(bytes.subarray(Math.max(0, bytes.length - max)));
  }

  // ---------------------------------------------------------------------------------------
  // Internals: lifecycle

  #lifecycleCtl(payload: string, path: string): void {
    const command = payload.trim().toLowerCase() as LifecycleCommand;
    const targets: Record<LifecycleCommand, LifecycleState> = {
      cordon: "DRAINING",
      drain: "QUIESCED",
      resume: "ONLINE",
      quiesce: "QUIESCED",
      reset: "BOOTING",
    };
    const to = Object.hasOwn(targets, command) ? targets[command] : undefined;
    if (to === undefined) throw new NamespaceError("invalid-payload", { path });
    const from = this.#lifecycle.state;
    // Transition table of lifecycle.rs `command_allowed` and the outstanding-lease check.
    const allowed = from !== to && {
      cordon: from === "ONLINE" || from === "DEGRADED",
      drain: from === "DRAINING",
      resume: from !== "ONLINE",
      quiesce: from === "ONLINE" || from === "DEGRADED" || from === "DRAINING",
      reset: from !== "BOOTING",
    }[command];
    const leases = [...this.#workers.values()].filter((w) => w.kind === "gpu").length;
    const needsNoLeases = command === "drain" || command === "quiesce" || command === "reset";
    if (!allowed || (needsNoLeases && leases > 0)) {
      this.#serverLog(`lifecycle denied action=${command} state=${from}`);
      throw new NamespaceError("denied", { path });
    }
    this.#lifecycle = { state: to, reason: command, sinceMs: Math.floor(this.#now()) };
    this.#serverLog(`lifecycle transition old=${from} new=${to} reason=${command}`);
  }

  // ---------------------------------------------------------------------------------------
  // Internals: telemetry ingest

  #isNewTelemetryDevice(parts: readonly string[]): boolean {
    return parts.length === 4 && parts[0] === "queen" && parts[1] === "telemetry" &&
      parts[3] === "ctl" && this.#tree.lookup(["queen", "telemetry"])?.kind === "dir";
  }

  #telemetryCtl(parts: readonly string[], payload: string, path: string): void {
    if (findStringField(payload, "new") !== "segment") {
      throw new NamespaceError("invalid-payload", { path });
    }
    if (!INGEST_STATES.has(this.#lifecycle.state)) throw new NamespaceError("denied", { path });
    const device = parts[2]!;
    const base = ["queen", "telemetry", device];
    if (this.#tree.lookup(base) === undefined) {
      this.#tree.put([...base, "ctl"], "");
      this.#tree.mkdir([...base, "seg"]);
      this.#tree.put([...base, "latest"], "");
    }
    const seg = this.#tree.mkdir([...base, "seg"]);
    const counter = (this.#segmentCounters.get(device) ?? 0) + 1;
    this.#segmentCounters.set(device, counter);
    const name = `seg-${String(counter).padStart(6, "0")}`;
    this.#tree.put([...base, "seg", name], "");
    // evict-oldest (manifest `telemetry_ingest.eviction_policy`): insertion order is age order.
    const max = this.#defaults.telemetryIngest.maxSegmentsPerDevice;
    while (seg.children.size > max) seg.children.delete(seg.children.keys().next().value!);
    this.#tree.put([...base, "latest"], `${name}\n`);
  }

  #appendSegment(parts: readonly string[], node: FileNode, payload: string, path: string): void {
    if (!INGEST_STATES.has(this.#lifecycle.state)) throw new NamespaceError("denied", { path });
    const record = withNewline(payload);
    const size = utf8Length(record);
    const ingest = this.#defaults.telemetryIngest;
    if (utf8Length(payload) > this.#limits.telemetryRecordBytes) {
      throw new NamespaceError("invalid-payload", { path });
    }
    const seg = this.#tree.lookup(parts.slice(0, -1));
    const deviceBytes = seg?.kind === "dir"
      ? [...seg.children.values()].reduce(
        (sum, s) => sum + (s.kind === "file" ? utf8Length(s.content) : 0),
        0,
      )
      : 0;
    if (
      utf8Length(node.content) + size > ingest.maxBytesPerSegment ||
      deviceBytes + size > ingest.maxTotalBytesPerDevice
    ) {
      throw new NamespaceError("buffer-full", { path });
    }
    node.content += record;
  }

  // ---------------------------------------------------------------------------------------
  // Internals: GPU models and bridge

  #isModelId(payload: string): boolean {
    return payload.length > 0 && utf8Length(payload) <= this.#limits.modelIdBytes &&
      !/[\s/"\\]/.test(payload);
  }

  /**
   * `/gpu/bridge/ctl` (CLI.md §6.5, recordings `bridge_publish_mock` and `bridge_publish_bad`):
   * `begin bytes=<n> sha256=<hex>` starts a publish (clearing the ctl log), `b64:<chunk>` lines
   * are kept undecoded and only measured against the announced size, `end` decodes, verifies,
   * parses and applies the snapshot. Every line is logged to the ctl file; a rejected line ends
   * the publish and leaves a plain `state=err`. Only ONLINE and DEGRADED accept a publish.
   */
  #bridgeCtl(payload: string, path: string): void {
    if (!NEW_WORK_STATES.has(this.#lifecycle.state)) throw new NamespaceError("denied", { path });
    const setStatus = (text: string) => this.#tree.put(["gpu", "bridge", "status"], `${text}\n`);
    const fail = (): NamespaceError => {
      this.#bridge = undefined;
      setStatus("state=err");
      return new NamespaceError("invalid-payload", { path });
    };
    const begin = /^begin bytes=(\d+) sha256=([0-9a-fA-F]{64})$/.exec(payload);
    const announced = begin ? Number(begin[1]) : 0;
    if (begin && announced >= 1 && announced <= BRIDGE_LIMITS.maxSnapshotBytes) {
      this.#tree.put(["gpu", "bridge", "ctl"], "");
      this.#logBridgeLine(payload);
      this.#bridge = { bytes: announced, sha256: begin[2]!.toLowerCase(), received: "" };
      setStatus(`state=receiving bytes=${announced}`);
      return;
    }
    this.#logBridgeLine(payload);
    const pending = this.#bridge;
    if (pending === undefined || begin) throw fail();
    if (payload.startsWith(BRIDGE_CHUNK_PREFIX)) {
      const received = pending.received + payload.slice(BRIDGE_CHUNK_PREFIX.length);
      // Chunks are not decoded until `end`: only their base64 length is held to the size.
      if (received.length > 4 * Math.ceil(pending.bytes / 3)) throw fail();
      pending.received = received;
      return;
    }
    if (payload !== "end") throw fail();
    const data = bytesOfBase64(pending.received);
    if (
      data === undefined || data.length !== pending.bytes ||
      sha256Hex(data) !== pending.sha256
    ) {
      throw fail();
    }
    let snapshot: BridgeSnapshotContent;
    try {
      snapshot = parseBridgeSnapshot(data);
    } catch {
      throw fail();
    }
    if (snapshot.nodes.some((node) => NOT_GPUS.has(node.id))) throw fail();
    this.#bridge = undefined;
    applyBridgeSnapshot(this.#tree, snapshot);
    setStatus(`state=ok bytes=${data.length} sha256=${pending.sha256}`);
  }

  /** Appends one line to the ctl log, which stops growing at its cap. */
  #logBridgeLine(payload: string): void {
    const ctl = this.#tree.lookup(["gpu", "bridge", "ctl"]);
    if (ctl?.kind !== "file") return;
    const line = `${payload}\n`;
    if (utf8Length(ctl.content) + utf8Length(line) <= BRIDGE_LIMITS.maxCtlLogBytes) {
      ctl.content += line;
    }
  }
}

function invalidPath(path: string): NamespaceError {
  return new NamespaceError("invalid-path", { path });
}

function withNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

function looksLikeJsonObject(payload: string): boolean {
  const trimmed = payload.trim();
  return trimmed.startsWith("{") && trimmed.endsWith("}");
}

function inRange(value: number | undefined, min: number, max: number): value is number {
  return value !== undefined && value >= min && value <= max;
}

/** Appends `text` unless the file would exceed `cap` bytes (the live logs never rotate). */
function appendCapped(node: FileNode, text: string, cap: number, path: string | undefined): void {
  if (utf8Length(node.content) + utf8Length(text) > cap) {
    throw new NamespaceError("buffer-full", { path });
  }
  node.content += text;
}

function isBindPath(path: string | undefined, defaults: CohesixDefaults): boolean {
  if (path === undefined || !path.startsWith("/")) return false;
  const parts = path.split("/").filter((p) => p.length > 0);
  return parts.length <= defaults.secure9p.walkDepth &&
    !parts.some((p) => p === ".." || p.includes("*"));
}

function elapsedClock(offsetMs: number): () => number {
  const start = performance.now();
  return () => offsetMs + Math.floor(performance.now() - start);
}
