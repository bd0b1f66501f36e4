/**
 * Example: push a telemetry segment to the Queen, then pull every device's segments — the Python
 * `telemetry_write_pull.py` flow (OPERATIONS.md §7.3) on cohsh's push and coh's pull. Works on a
 * device that already holds the maximum number of segments: the Queen evicts the oldest.
 *
 * Artifacts in `<out>/telemetry_write_pull/`: `pull/<device>/seg/<seg>` (Python names the
 * folder `pull_py`; segments already present locally are not fetched again) and `audit.txt`.
 * Python's `--coh-bin` (a second pull through the coh binary) is not offered: its invocation
 * was broken upstream.
 *
 * @module
 */

import { CohesixClient } from "../client/client.ts";
import { DEFAULTS } from "../core/defaults.ts";
import { readUserFile } from "./artifacts.ts";
import {
  type ExampleCli,
  type FlagValues,
  listFlag,
  openBackend,
  stringFlag,
  UsageError,
} from "./common.ts";
import { readNeed } from "../core/permissions.ts";
import { type ExampleContext, runExample } from "./run_example.ts";

/** The payload pushed when neither `--payload` nor `--payload-file` is given. */
export const DEFAULT_PAYLOAD = "telemetry demo line 1\ntelemetry demo line 2\n";

/** The default mime type. */
export const DEFAULT_MIME = "text/plain";

/** The folder under the example's output folder that the pull writes to. */
export const PULL_DIR = "pull";

/** The command line of `telemetry_write_pull`. */
export const TELEMETRY_WRITE_PULL_CLI: ExampleCli = {
  name: "telemetry_write_pull",
  summary: "push a telemetry segment for a device, then pull all segments",
  flags: {
    "device-id": {
      type: "string",
      value: "ID",
      help: `device to push to (${DEFAULTS.examples.deviceId})`,
    },
    mime: { type: "string", value: "TYPE", help: `mime type of the records (${DEFAULT_MIME})` },
    payload: {
      type: "string",
      multiple: true,
      value: "LINE",
      help: "a payload line (repeatable; joined with newlines)",
    },
    "payload-file": { type: "string", value: "PATH", help: "push the text of PATH instead" },
  },
};

/** Where the payload comes from: the default text, `--payload` lines, or a file. */
export type PayloadSource =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "file"; readonly path: string };

/** Reads the payload flags (`--payload` and `--payload-file` exclude each other). */
export function payloadSource(values: FlagValues): PayloadSource {
  const lines = listFlag(values, "payload");
  const file = stringFlag(values, "payload-file");
  if (file !== undefined && lines.length > 0) {
    throw new UsageError("give either --payload or --payload-file, not both");
  }
  if (file !== undefined) return { kind: "file", path: file };
  // Joined with newlines and no trailing newline, as the Python example does.
  return { kind: "text", text: lines.length > 0 ? lines.join("\n") : DEFAULT_PAYLOAD };
}

/** The example body. */
export async function telemetryWritePull(ctx: ExampleContext): Promise<void> {
  const { values } = ctx.args;
  const deviceId = stringFlag(values, "device-id") ?? ctx.defaults.examples.deviceId;
  const mime = stringFlag(values, "mime") ?? DEFAULT_MIME;
  const source = payloadSource(values);
  const payload = source.kind === "file"
    ? readUserFile(source.path, "--payload-file")
    : source.text;

  await using backend = await openBackend(ctx.backend, {
    defaults: ctx.defaults,
    signal: ctx.signal,
  });
  const client = new CohesixClient(backend, ctx.defaults);
  await client.telemetryPush(deviceId, payload, { ...ctx.operation(), mime });
  await client.telemetryPull(`${ctx.outDir}/${PULL_DIR}`, ctx.operation());
}

if (import.meta.main) {
  Deno.exit(
    await runExample(TELEMETRY_WRITE_PULL_CLI, Deno.args, telemetryWritePull, {
      needs: (ctx) => {
        const source = payloadSource(ctx.args.values);
        return source.kind === "file" ? [readNeed("reading --payload-file", source.path)] : [];
      },
    }),
  );
}
