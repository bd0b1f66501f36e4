/**
 * The file of cohsh's `telemetry push <file> --device <id>` (OPERATIONS.md §4.6): it must exist,
 * be a regular file, be non-empty, fit one segment (`telemetry_ingest.max_bytes_per_segment`),
 * have an allow-listed extension (which gives the mime type), and be UTF-8 text. The checks run
 * in cohsh's order with cohsh's messages, before anything is sent.
 *
 * @module
 */

import type { CohesixDefaults } from "../core/defaults.ts";
import { LimitError, OperationError, ValidationError } from "../core/errors.ts";
import { readFileBounded, statOrUndefined } from "./local_files.ts";
import { decodeUtf8 } from "./text.ts";

/** The extensions cohsh accepts, and the mime type each is pushed as. */
export const TELEMETRY_SOURCE_MIMES: Readonly<Record<string, string>> = Object.freeze({
  txt: "text/plain",
  log: "text/plain",
  json: "application/json",
  ndjson: "application/x-ndjson",
  csv: "text/csv",
});

/** A checked telemetry source file. */
export interface TelemetrySource {
  /** The file's text. */
  readonly text: string;
  /** The mime type its extension gives. */
  readonly mime: string;
  /** Its size in bytes. */
  readonly bytes: number;
}

/** The mime type of `path`'s extension, or cohsh's refusal. */
export function telemetryMimeOf(path: string): string {
  const name = path.split(/[\\/]/).pop() ?? path;
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || dot === name.length - 1) {
    throw new ValidationError("telemetry push requires a file extension", {
      hint: `name the file with one of: ${Object.keys(TELEMETRY_SOURCE_MIMES).join(", ")}`,
    });
  }
  const extension = name.slice(dot + 1);
  const mime = Object.hasOwn(TELEMETRY_SOURCE_MIMES, extension)
    ? TELEMETRY_SOURCE_MIMES[extension]
    : undefined;
  if (mime === undefined) {
    throw new ValidationError(
      `telemetry push extension '${extension}' is not allowed (allowed: ${
        Object.keys(TELEMETRY_SOURCE_MIMES).join(", ")
      })`,
    );
  }
  return mime;
}

/** Reads and checks the source file of a push. */
export async function readTelemetrySource(
  path: string,
  defaults: CohesixDefaults,
): Promise<TelemetrySource> {
  const info = statOrUndefined(path);
  if (info === undefined) throw new OperationError(`telemetry push source not found: ${path}`);
  if (!info.isFile) throw new ValidationError("telemetry push source must be a file");
  if (info.size === 0) throw new ValidationError("telemetry push source is empty");
  const max = defaults.telemetryIngest.maxBytesPerSegment;
  if (info.size > max) {
    throw new LimitError(
      `telemetry push source exceeds max_bytes_per_segment ${max} bytes`,
      "telemetry_ingest.max_bytes_per_segment",
      max,
      { hint: "split the file into several pushes" },
    );
  }
  const mime = telemetryMimeOf(path);
  const bytes = await readFileBounded(path, max, "telemetry_ingest.max_bytes_per_segment");
  let text: string;
  try {
    text = decodeUtf8(bytes, path);
  } catch (cause) {
    throw new ValidationError("telemetry push source must be UTF-8 text", { cause });
  }
  return { text, mime, bytes: bytes.length };
}
