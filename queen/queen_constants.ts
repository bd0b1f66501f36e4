/**
 * Queen-side constants of the namespace model: buffer sizes and caps of the live Queen
 * (release 0.3.0-alpha2) that are not client bounds, so they are not in `CohesixDefaults`.
 * Each field names its upstream origin. Manifest-derived values (telemetry ingest) are read from
 * a `CohesixDefaults` instead.
 *
 * @module
 */

/** The Queen's internal namespace caps. */
export interface QueenNamespaceLimits {
  /** Most lines one LS/CAT/TAIL stream carries. Origin: `log_buffer::LOG_SNAPSHOT_LINES`. */
  readonly maxStreamLines: number;
  /** Longest streamed line in bytes. Origin: `serial::DEFAULT_LINE_CAPACITY`. */
  readonly maxStreamLineBytes: number;
  /** Ack detail buffer, bytes (PROTOCOL.md §4.3). Origin: `event/mod.rs` detail buffers. */
  readonly ackDetailBytes: number;
  /** Longest line the CAT `data=` summary picks (§6.1). Origin: `event/mod.rs` summary. */
  readonly summaryLineBytes: number;
  /** Budget of the joined CAT `data=` candidates (§6.1). Origin: `event/mod.rs` summary. */
  readonly summaryBytes: number;
  /** Lines kept in `/log/queen.log`. Origin: `log_buffer` ring (128 lines). */
  readonly logRingLines: number;
  /** ECHOed user lines kept for the `/log/queen.log` summary. Origin: `log_buffer` user ring. */
  readonly userRingLines: number;
  /** Most live workers. Origin: `ninedoor.rs` `MAX_WORKERS` (release build: 8). */
  readonly maxWorkers: number;
  /** Worker telemetry ring size. Origin: manifest `telemetry.ring_bytes_per_worker`. */
  readonly workerRingBytes: number;
  /** `/gpu/<id>/ctl` log cap. Origin: `ninedoor.rs` `GPU_CTL_MAX_BYTES`. */
  readonly gpuCtlBytes: number;
  /** `/gpu/<id>/lease` log cap. Origin: `ninedoor.rs` `GPU_LEASE_MAX_BYTES`. */
  readonly gpuLeaseBytes: number;
  /** `/gpu/<id>/status` log cap. Origin: `ninedoor.rs` `GPU_STATUS_MAX_BYTES` (32 KiB). */
  readonly gpuStatusBytes: number;
  /** `/gpu/models/active` log cap. Origin: `ninedoor.rs` `GPU_MODELS_ACTIVE_MAX_BYTES`. */
  readonly modelsActiveBytes: number;
  /** Longest model id accepted by `/gpu/models/active`. Origin: `GPU_MODEL_ID_MAX_BYTES`. */
  readonly modelIdBytes: number;
  /** Entries kept in `/proc/ingest/watch`. Origin: `observability.proc_ingest.watch_max_entries`. */
  readonly watchMaxEntries: number;
  /** Longest telemetry segment record. Origin: `TELEMETRY_INGEST_RECORD_MAX_BYTES`. */
  readonly telemetryRecordBytes: number;
}

/** The values of the live Queen, release 0.3.0-alpha2. */
export const QUEEN_NAMESPACE_LIMITS: QueenNamespaceLimits = Object.freeze({
  maxStreamLines: 64,
  maxStreamLineBytes: 256,
  ackDetailBytes: 128,
  summaryLineBytes: 64,
  summaryBytes: 128,
  logRingLines: 128,
  userRingLines: 16,
  maxWorkers: 8,
  workerRingBytes: 1024,
  gpuCtlBytes: 1024,
  gpuLeaseBytes: 1024,
  gpuStatusBytes: 32 * 1024,
  modelsActiveBytes: 4096,
  modelIdBytes: 128,
  watchMaxEntries: 16,
  telemetryRecordBytes: 4096,
});
