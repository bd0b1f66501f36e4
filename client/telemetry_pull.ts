/**
 * `telemetry pull` as coh does it (OPERATIONS.md §4.7): devices and segments in LS order, each
 * segment saved to `<out>/<device>/seg/<segment>` unless that file already exists (never
 * overwritten, never compared), written atomically.
 *
 * @module
 */

import type { Backend } from "../backends/backend.ts";
import type { CohesixDefaults } from "../core/defaults.ts";
import { LimitError } from "../core/errors.ts";
import { joinPath } from "../core/paths.ts";
import { ensureDir, joinLocal, writeFileIfAbsent } from "./local_files.ts";
import { OperationRun } from "./operation_run.ts";
import { listedName, type OperationOptions } from "./remote.ts";

/** What a pull saw. */
export interface TelemetryPullResult {
  /** Devices listed. */
  readonly devices: number;
  /** Segments read. */
  readonly segments: number;
  /** Bytes read from the Queen (also counted for segments already present locally). */
  readonly bytes: number;
}

/** Pulls every device's segments into `outDir`. */
export async function telemetryPull(
  backend: Backend,
  defaults: CohesixDefaults,
  outDir: string,
  options: OperationOptions = {},
): Promise<TelemetryPullResult> {
  using run = new OperationRun("telemetry pull", options);
  const { audit } = run;
  const policy = defaults.coh.telemetry;
  ensureDir(outDir, "telemetry output dir");
  const devices = await run.list(backend, policy.root, defaults);
  audit?.pushAck("OK", "LS", `path=${policy.root}`);
  if (devices.length > policy.maxDevices) {
    throw new LimitError(
      `telemetry devices ${devices.length} exceeds max_devices ${policy.maxDevices}`,
      "coh.telemetry.max_devices",
      policy.maxDevices,
    );
  }
  // Names become local file names: all are checked before anything is written.
  for (const device of devices) listedName(device, policy.root);
  let segmentCount = 0;
  let byteCount = 0;
  for (const device of devices) {
    const segRoot = joinPath(policy.root, device, "seg");
    const segments = await run.list(backend, segRoot, defaults);
    audit?.pushAck("OK", "LS", `path=${segRoot}`);
    if (segments.length > policy.maxSegmentsPerDevice) {
      throw new LimitError(
        `telemetry segments ${segments.length} exceeds max_segments_per_device ` +
          `${policy.maxSegmentsPerDevice} for device ${device}`,
        "coh.telemetry.max_segments_per_device",
        policy.maxSegmentsPerDevice,
      );
    }
    for (const segment of segments) listedName(segment, segRoot);
    let deviceBytes = 0;
    for (const segment of segments) {
      const path = joinPath(segRoot, segment);
      const data = await run.read(
        backend,
        path,
        policy.maxBytesPerSegment,
        "coh.telemetry.max_bytes_per_segment",
      );
      audit?.pushAck("OK", "CAT", `path=${path}`);
      deviceBytes += data.length;
      if (deviceBytes > policy.maxTotalBytesPerDevice) {
        throw new LimitError(
          `telemetry bytes ${deviceBytes} exceeds max_total_bytes_per_device ` +
            `${policy.maxTotalBytesPerDevice} for device ${device}`,
          "coh.telemetry.max_total_bytes_per_device",
          policy.maxTotalBytesPerDevice,
        );
      }
      const local = joinLocal(outDir, device, "seg", segment);
      await run.step(`saving ${local}`, () => writeFileIfAbsent(local, data));
      audit?.pushLine(
        `telemetry device=${device} segment=${segment} bytes=${data.length} ` +
          `saved=${device}/seg/${segment}`,
      );
      segmentCount += 1;
      byteCount += data.length;
    }
  }
  if (devices.length === 0) audit?.pushLine("telemetry: none");
  return { devices: devices.length, segments: segmentCount, bytes: byteCount };
}
