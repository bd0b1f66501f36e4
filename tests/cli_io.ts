/**
 * An in-memory `CliIo` for running `cohesix` subcommands in-process: what they print is kept
 * as text, stdin is given up front, terminals and the environment are whatever the test says.
 */

import type { CliIo } from "../cli/io.ts";

/** A captured run's streams. */
export interface CapturedIo extends CliIo {
  /** Everything written to stdout. */
  readonly stdout: () => string;
  /** Everything written to stderr. */
  readonly stderr: () => string;
  /** Aborts the signals handed out by `trapInterrupt` (a simulated Ctrl-C). */
  interrupt(): void;
}

/** Options of {@link captureIo}. */
export interface CaptureOptions {
  /** Standard input (empty by default). */
  readonly stdin?: string;
  /** Which streams claim to be terminals (none by default). */
  readonly terminal?: { stdin?: boolean; stdout?: boolean; stderr?: boolean };
  /** The environment (empty by default). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A `CliIo` that records what is printed. */
export function captureIo(options: CaptureOptions = {}): CapturedIo {
  let out = "";
  let err = "";
  const controllers = new Set<AbortController>();
  const input = new TextEncoder().encode(options.stdin ?? "");
  return {
    out: (text) => {
      out += text;
      return Promise.resolve();
    },
    err: (text) => {
      err += text;
      return Promise.resolve();
    },
    stdin: new ReadableStream<Uint8Array>({
      start(controller) {
        if (input.length > 0) controller.enqueue(input);
        controller.close();
      },
    }),
    isTerminal: {
      stdin: options.terminal?.stdin ?? false,
      stdout: options.terminal?.stdout ?? false,
      stderr: options.terminal?.stderr ?? false,
    },
    env: (name) => options.env?.[name],
    trapInterrupt() {
      const controller = new AbortController();
      controllers.add(controller);
      return Object.assign(controller.signal, {
        [Symbol.dispose]() {
          controllers.delete(controller);
        },
      });
    },
    stdout: () => out,
    stderr: () => err,
    interrupt() {
      for (const controller of controllers) {
        controller.abort(new DOMException("interrupted", "AbortError"));
      }
    },
  };
}
