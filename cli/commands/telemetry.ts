/**
 * `cohesix telemetry pull|push`: coh's `telemetry pull --out DIR` (OPERATIONS.md §4.7) and cohsh's
 * `telemetry push FILE --device ID` (§4.6) with their output lines. A progress line shows the
 * segments pulled or the records pushed when stderr is a terminal.
 *
 * @module
 */

import { buildTelemetryRecords } from "../../client/telemetry_records.ts";
import { normalizeDeviceId } from "../../client/telemetry_push.ts";
import { readTelemetrySource } from "../../client/telemetry_source.ts";
import { UsageError } from "../../core/errors.ts";
import { readNeed, writeNeed } from "../../core/permissions.ts";
import { flagHelp, type FlagSpec, parseArgs, requiredFlag, stringFlag } from "../args.ts";
import { cohFailureLine, runCohOperation } from "../coh_operation.ts";
import type { CliCommand, CommandContext } from "../command.ts";
import { commandGroup, printHelp } from "../command_group.ts";
import { formatBytes, ProgressAudit } from "../progress.ts";

const PULL_FLAGS: readonly FlagSpec[] = [
  { names: ["--out"], value: "DIR", help: "folder to save <device>/seg/<segment> files in" },
];
const PUSH_FLAGS: readonly FlagSpec[] = [
  { names: ["--device"], value: "ID", help: "device id (one path component)" },
];

/** `cohesix telemetry --help`. */
export const HELP = `cohesix telemetry: pull and push telemetry segments

usage:
  cohesix telemetry pull --out DIR          (coh telemetry pull)
  cohesix telemetry push FILE --device ID   (cohsh's telemetry push)

pull   LS /queen/telemetry and each device's seg/, CAT every segment and save it to
       DIR/<device>/seg/<segment> (a file already there is kept, never overwritten); prints
       coh's transcript
push   asks the Queen for a new segment of device ID and appends FILE to it as
       cohsh-telemetry-push/v1 records; FILE must be UTF-8 text named .txt, .log, .json,
       .ndjson or .csv (the mime type), at most one segment (32768 bytes); every record is
       checked against the console's limits before the segment is created. Prints cohsh's
       "OK TELEMETRY action=push device=... seg_id=... records=... bytes=..." line.

pull options:
${flagHelp(PULL_FLAGS)}

push options:
${flagHelp(PUSH_FLAGS)}

Permissions: pull --allow-read=DIR --allow-write=DIR, push --allow-read=FILE (besides the
backend's).
--json: pull {"out","devices","segments","bytes","transcript"}; push {"device_id","seg_id",
"records","bytes","mime","transcript"}.
`;

async function pull(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const args = parseArgs("telemetry pull", argv, PULL_FLAGS);
  if (args.help) return await printHelp(ctx, HELP);
  const out = requiredFlag(args, "telemetry pull", "out");
  let segments = 0;
  let bytes = 0;
  return await runCohOperation(ctx, {
    verb: "TELEMETRY",
    command: "telemetry pull",
    progress: true,
    needs: [
      readNeed(`checking what is already saved in ${out}`, out),
      writeNeed(`saving segments in ${out}`, out),
    ],
    onLine: (line, progress) => {
      const saved = /^telemetry device=(\S+) segment=\S+ bytes=(\d+) /.exec(line);
      if (saved === null) return;
      segments += 1;
      bytes += Number(saved[2]);
      progress.update(
        `telemetry pull: ${segments} segment(s), ${formatBytes(bytes)} (device ${saved[1]})`,
      );
    },
    run: ({ client, options }) => client.telemetryPull(out, options),
    json: (result) => ({
      out,
      devices: result.devices,
      segments: result.segments,
      bytes: result.bytes,
    }),
  });
}

async function push(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const args = parseArgs("telemetry push", argv, PUSH_FLAGS, 1);
  if (args.help) return await printHelp(ctx, HELP);
  const file = args.positionals[0];
  if (file === undefined) {
    throw new UsageError("telemetry push requires <src_file>", {
      hint: "usage: cohesix telemetry push FILE --device ID",
    });
  }
  const device = stringFlag(args, "device");
  if (device === undefined) {
    throw new UsageError("telemetry push requires --device <id>", {
      hint: "usage: cohesix telemetry push FILE --device ID",
    });
  }
  let mime = "";
  return await runCohOperation(ctx, {
    verb: "TELEMETRY",
    command: "telemetry push",
    progress: true,
    needs: [readNeed(`reading ${file}`, file)],
    failureLine: (error) =>
      cohFailureLine("TELEMETRY", error, `action=push device=${device.trim()}`),
    run: async ({ client, defaults, audit, options, progress }) => {
      // cohsh's order: the device id, then the file, then the Queen.
      normalizeDeviceId(device);
      const source = await readTelemetrySource(file, defaults);
      mime = source.mime;
      const total = buildTelemetryRecords(source.text, source.mime, defaults).length;
      let written = 0;
      // The record acks are drained silently, as cohsh does; they only drive the progress.
      const records = new ProgressAudit((line) => {
        if (!line.startsWith("OK ECHO ") || line.includes("/ctl ")) return;
        written += 1;
        progress.update(
          `telemetry push: record ${written}/${total} (${formatBytes(source.bytes)})`,
        );
      });
      const result = await client.telemetryPush(device, source.text, {
        ...options,
        audit: records,
        mime: source.mime,
      });
      audit.pushAck(
        "OK",
        "TELEMETRY",
        `action=push device=${result.deviceId} seg_id=${result.segId} records=${result.records} ` +
          `bytes=${result.bytes}`,
      );
      return result;
    },
    json: (result) => ({
      device_id: result.deviceId,
      seg_id: result.segId,
      records: result.records,
      bytes: result.bytes,
      mime,
    }),
  });
}

/** `cohesix telemetry`. */
export const command: CliCommand = commandGroup(
  "telemetry",
  "pull telemetry segments (coh), push a file as a segment (cohsh)",
  HELP,
  { pull, push },
);
