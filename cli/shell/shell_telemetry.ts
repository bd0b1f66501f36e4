/**
 * The shell's `telemetry push <file> --device <id>` (CLI.md §2.4, OPERATIONS.md §4.6): cohsh's
 * checks of the device, the session and the source file, then the client's push over the shell's
 * own console, printed as one `[console] OK|ERR TELEMETRY …` line. The intermediate ECHO acks
 * are drained silently; a failed ECHO's `ERR` ack stays queued and shows at the next command, as
 * with cohsh. A relative file resolves against the working directory.
 *
 * @module
 */

import type { Backend } from "../../backends/backend.ts";
import { telemetryPush } from "../../client/telemetry_push.ts";
import type { CohesixDefaults } from "../../core/defaults.ts";
import { CohesixError, LimitError } from "../../core/errors.ts";
import { type CohshConsole, ShellError } from "./cohsh_console.ts";
import type { ResponseRecorder } from "./response_recorder.ts";

const ALLOWED_EXTENSIONS = ["txt", "log", "json", "ndjson", "csv"];
const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** What {@link pushTelemetryFile} needs. */
export interface TelemetryPushRequest {
  /** The shell's console. */
  readonly console: CohshConsole;
  /** The source file as typed. */
  readonly file: string;
  /** The device id as typed. */
  readonly device: string;
  /** Working directory for a relative file (default the process's). */
  readonly cwd: string | undefined;
  /** Bounds. */
  readonly defaults: CohesixDefaults;
  /** Throws unless attached as queen. */
  readonly requireQueen: () => void;
  /** Where the result line goes. */
  readonly recorder: ResponseRecorder;
  /** Aborts the push. */
  readonly signal: AbortSignal | undefined;
}

/** The shell's console seen as a {@link Backend}, for the client's push. */
function consoleBackend(console: CohshConsole, signal: AbortSignal | undefined): Backend {
  return {
    kind: "console",
    listDir: async (path) => (await console.stream("LS", path, signal)).lines,
    readFile: async (path) =>
      encoder.encode((await console.stream("CAT", path, signal)).lines.join("\n")),
    writeAppend: async (path, payload) => {
      const text = new TextDecoder().decode(payload).replace(/\n$/, "");
      await console.echo(path, text, signal);
      return payload.length;
    },
    close: () => Promise.resolve(),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
}

/** Pushes `request.file` and records cohsh's result line; throws the error text on failure. */
export async function pushTelemetryFile(request: TelemetryPushRequest): Promise<void> {
  const { console, recorder, defaults } = request;
  const device = request.device.trim();
  for (const ack of console.drainAcks()) recorder.ack(ack);
  const queued = console.queuedAcks;
  try {
    if (device === "") throw new ShellError("telemetry push requires a device id");
    if (device.includes("/")) throw new ShellError("telemetry device id must not contain '/'");
    request.requireQueen();
    const text = await readSource(request.file, request.cwd, defaults);
    // cohsh's records are up to max_record_bytes each, whatever the console line allows: a
    // record the Queen cannot take fails the push with its ERR, as with cohsh.
    const cohshDefaults = {
      ...defaults,
      console: { ...defaults.console, maxEchoLen: defaults.telemetryPush.maxRecordBytes },
    };
    const result = await telemetryPush(
      consoleBackend(console, request.signal),
      cohshDefaults,
      device,
      text,
      request.signal === undefined ? {} : { signal: request.signal },
    );
    console.dropAcksAfter(queued);
    recorder.ack(
      `OK TELEMETRY action=push device=${device} seg_id=${result.segId} ` +
        `records=${result.records} bytes=${result.bytes}`,
    );
  } catch (error) {
    if (!(error instanceof CohesixError)) throw error;
    console.dropAcksAfter(queued, (ack) => ack.startsWith("ERR "));
    const reason = error.summary.replace(/[\r\n]/g, " ");
    recorder.ack(`ERR TELEMETRY action=push device=${device} reason=${reason}`);
    throw error instanceof ShellError ? error : new ShellError(error.summary);
  }
}

async function readSource(file: string, cwd: string | undefined, defaults: CohesixDefaults) {
  const path = file.startsWith("/") || cwd === undefined ? file : `${cwd}/${file}`;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ShellError(`telemetry push source not found: ${file}`);
    }
    if (error instanceof Deno.errors.NotCapable) {
      throw new ShellError(
        `telemetry push cannot read ${file}: run with --allow-read=${path} (or -A)`,
      );
    }
    throw new ShellError(`telemetry push cannot read ${file}: ${(error as Error).message}`);
  }
  if (!info.isFile) throw new ShellError("telemetry push source must be a file");
  if (info.size === 0) throw new ShellError("telemetry push source is empty");
  const max = defaults.telemetryIngest.maxBytesPerSegment;
  if (info.size > max) {
    throw new LimitError(
      `telemetry push source exceeds max_bytes_per_segment ${max} bytes`,
      "telemetry_ingest.max_bytes_per_segment",
      max,
    );
  }
  const name = file.split("/").pop() ?? "";
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || dot === name.length - 1) {
    throw new ShellError("telemetry push requires a file extension");
  }
  const extension = name.slice(dot + 1).toLowerCase();
  if (!ALLOWED_EXTENSIONS.includes(extension)) {
    throw new ShellError(
      `telemetry push extension '${extension}' is not allowed (allowed: ${
        ALLOWED_EXTENSIONS.join(", ")
      })`,
    );
  }
  try {
    return strictUtf8.decode(await Deno.readFile(path));
  } catch (error) {
    if (error instanceof TypeError) {
      throw new ShellError("telemetry push source must be UTF-8 text");
    }
    throw new ShellError(`telemetry push cannot read ${file}: ${(error as Error).message}`);
  }
}
