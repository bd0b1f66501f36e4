/**
 * `telemetry push` with cohsh's wire sequence (OPERATIONS.md §4.6): ECHO the ctl request,
 * `CAT latest` for the new segment id, ECHO each record to THAT segment. Everything is checked
 * before the ctl write, so a refused push never leaves an empty segment on the Queen. There is
 * no segment-count pre-check: the Queen evicts the oldest segment itself.
 *
 * @module
 */

import type { Backend } from "../backends/backend.ts";
import type { CohesixDefaults } from "../core/defaults.ts";
import { CohesixError, LimitError, OperationError, ValidationError } from "../core/errors.ts";
import { ensureJsonString, joinPath, validateComponent, validatePath } from "../core/paths.ts";
import { normalizeEchoPayload } from "../wire/echo_payload.ts";
import { OperationRun } from "./operation_run.ts";
import type { OperationOptions } from "./remote.ts";
import {
  buildTelemetryCtlPayload,
  buildTelemetryRecords,
  DEFAULT_TELEMETRY_MIME,
} from "./telemetry_records.ts";
import { decodeUtf8, encodeUtf8, lastNonEmptyLine } from "./text.ts";

/** Options of a telemetry push. */
export interface TelemetryPushOptions extends OperationOptions {
  /** Mime type recorded in the ctl request and each record (default `text/plain`). */
  readonly mime?: string;
}

/** What a push wrote. */
export interface TelemetryPushResult {
  /** The device id (trimmed). */
  readonly deviceId: string;
  /** The segment the Queen created and the records went to. */
  readonly segId: string;
  /** Number of records written. */
  readonly records: number;
  /** Sum of the record bytes, newlines included. */
  readonly bytes: number;
}

/** Trims and checks a device id (cohsh's rules, then the path-component rules). */
export function normalizeDeviceId(deviceId: string): string {
  const id = String(deviceId ?? "").trim();
  if (id.length === 0) throw new ValidationError("telemetry device id must not be empty");
  if (id.includes("/")) throw new ValidationError("telemetry device id must not contain '/'");
  ensureJsonString(id, "telemetry device id");
  return validateComponent(id);
}

function ingestEnabled(defaults: CohesixDefaults): boolean {
  const ingest = defaults.telemetryIngest;
  return ingest.maxSegmentsPerDevice > 0 && ingest.maxBytesPerSegment > 0 &&
    ingest.maxTotalBytesPerDevice > 0;
}

/** Pushes `payload` (text, or UTF-8 bytes) as a new segment of device `deviceId`. */
export async function telemetryPush(
  backend: Backend,
  defaults: CohesixDefaults,
  deviceId: string,
  payload: string | Uint8Array,
  options: TelemetryPushOptions = {},
): Promise<TelemetryPushResult> {
  using run = new OperationRun("telemetry push", options);
  const { mime = DEFAULT_TELEMETRY_MIME } = options;
  const { audit } = run;
  if (!ingestEnabled(defaults)) {
    throw new OperationError("telemetry ingest is disabled in the manifest");
  }
  const id = normalizeDeviceId(deviceId);
  const text = typeof payload === "string" ? payload : decodeUtf8(payload, "telemetry payload");
  if (text.length === 0) throw new ValidationError("telemetry payload is empty");

  // Everything is validated before the ctl write creates a segment.
  const ctlPayload = encodeUtf8(buildTelemetryCtlPayload(mime));
  normalizeEchoPayload(ctlPayload, defaults);
  const records = buildTelemetryRecords(text, mime, defaults).map(encodeUtf8);
  let total = 0;
  for (const record of records) {
    normalizeEchoPayload(record, defaults);
    total += record.length;
  }
  const maxSegment = defaults.telemetryIngest.maxBytesPerSegment;
  if (total > maxSegment) {
    throw new LimitError(
      `telemetry push payload exceeds max_bytes_per_segment ${maxSegment} bytes ` +
        `(records total ${total} bytes)`,
      "telemetry_ingest.max_bytes_per_segment",
      maxSegment,
      { hint: "split the payload into several pushes" },
    );
  }
  const deviceRoot = joinPath(defaults.coh.telemetry.root, id);
  const ctlPath = joinPath(deviceRoot, "ctl");
  const latestPath = joinPath(deviceRoot, "latest");
  validatePath(ctlPath, defaults);
  validatePath(latestPath, defaults);
  validatePath(joinPath(deviceRoot, "seg", "seg-000000"), defaults);

  run.plan(2 + records.length);
  const ctlBytes = await run.append(backend, ctlPath, ctlPayload);
  audit?.pushAck("OK", "ECHO", `path=${ctlPath} bytes=${ctlBytes}`);
  // Python reads `latest` without an ack line; so does this transcript.
  const latest = await run.read(
    backend,
    latestPath,
    defaults.readCaps.maxDirListBytes,
    "read_caps.max_dir_list_bytes",
  );
  const segId = lastNonEmptyLine(decodeUtf8(latest, `${latestPath}`));
  if (segId === undefined) {
    throw new OperationError("telemetry push could not resolve latest segment id");
  }
  const segPath = segmentPath(deviceRoot, segId, latestPath, defaults);
  let bytes = 0;
  for (const record of records) {
    const written = await run.append(backend, segPath, record);
    audit?.pushAck("OK", "ECHO", `path=${segPath} bytes=${written}`);
    bytes += written;
  }
  audit?.pushLine(
    `telemetry push device=${id} seg_id=${segId} records=${records.length} bytes=${bytes}`,
  );
  return { deviceId: id, segId, records: records.length, bytes };
}

/**
 * `<device>/seg/<segId>` for the id the Queen's `latest` named; an id that is not a path
 * component (`../../evil`, `seg 1`) or makes the path too long is the Queen's fault, not the
 * caller's: `OperationError`, and no record is sent.
 */
function segmentPath(
  deviceRoot: string,
  segId: string,
  latestPath: string,
  defaults: CohesixDefaults,
): string {
  try {
    const path = joinPath(deviceRoot, "seg", validateComponent(segId));
    validatePath(path, defaults);
    return path;
  } catch (error) {
    const why = error instanceof CohesixError ? error.summary : String(error);
    throw new OperationError(
      `telemetry push: ${latestPath} names segment ${JSON.stringify(segId)}, which is not a ` +
        `valid segment id (${why})`,
      { cause: error, hint: "no record was sent; the Queen's latest file is corrupt" },
    );
  }
}
