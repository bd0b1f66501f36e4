/**
 * Running `cohesix` in tests: in-process on a captured io ({@link runCli}), against the in-repo
 * console server ({@link tcpFlags}), and compared with coh's recorded output
 * ({@link recordedCohStdout}).
 */

import { main } from "../cli/main.ts";
import type { ConsoleServer } from "../server/console_server.ts";
import { type CapturedIo, captureIo, type CaptureOptions } from "./cli_io.ts";
import { readFixture } from "./fixtures.ts";

/** What a run printed and returned. */
export interface CliRun {
  /** Exit status. */
  readonly status: number;
  /** Everything on stdout. */
  readonly stdout: string;
  /** Everything on stderr. */
  readonly stderr: string;
  /** The io it ran on. */
  readonly io: CapturedIo;
}

/** Runs `cohesix <argv>` in-process. */
export async function runCli(
  argv: readonly string[],
  options: CaptureOptions = {},
): Promise<CliRun> {
  const io = captureIo(options);
  const status = await main(argv, io);
  return { status, stdout: io.stdout(), stderr: io.stderr(), io };
}

/** The global flags that point `cohesix` at `server` (token given, so no environment is read). */
export function tcpFlags(server: ConsoleServer): string[] {
  return [
    "--tcp-host",
    server.hostname,
    "--tcp-port",
    String(server.port),
    "--auth-token",
    "changeme",
  ];
}

/**
 * coh's stdout in a live recording (`live/<name>.stdout.txt`), without cohsh's `[cohsh][tcp]`
 * connection lines (stderr, merged into the recording) and without the child output of `run`.
 */
export function recordedCohStdout(name: string, drop: readonly string[] = []): string {
  const lines = readFixture(`live/${name}.stdout.txt`).split("\n")
    .filter((line) => line !== "" && !line.startsWith("[cohsh]") && !drop.includes(line));
  return lines.join("\n") + "\n";
}

/** A fresh temporary folder, removed by `await using`. */
export async function tempDir(
  prefix = "cohesix-cli-",
): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}
