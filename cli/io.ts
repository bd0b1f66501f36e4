/**
 * The CLI's streams behind one small interface, so a test can run any subcommand in-process and
 * read exactly what it printed, and so "is this a terminal" (progress lines, the interactive
 * shell) is decided in one place.
 *
 * @module
 */

/** Where a subcommand reads and prints. */
export interface CliIo {
  /** Writes `text` (as is, no newline added) to standard output. */
  out(text: string): Promise<void>;
  /** Writes `text` (as is, no newline added) to standard error. */
  err(text: string): Promise<void>;
  /** Standard input as bytes. */
  readonly stdin: ReadableStream<Uint8Array>;
  /** Whether stdin, stdout and stderr are terminals. */
  readonly isTerminal: {
    readonly stdin: boolean;
    readonly stdout: boolean;
    readonly stderr: boolean;
  };
  /**
   * An environment variable, or `undefined` when unset or when `--allow-env` does not cover it
   * (a missing optional variable is not an error).
   */
  env(name: string): string | undefined;
  /**
   * A signal aborted by Ctrl-C (SIGINT) until the returned handle is disposed; while it is held,
   * Ctrl-C does not kill the process, so the command can end cleanly (send `quit`, print a
   * summary).
   */
  trapInterrupt(): AbortSignal & Disposable;
}

const encoder = new TextEncoder();

async function writeAll(stream: { write(p: Uint8Array): Promise<number> }, text: string) {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) {
    const written = await stream.write(bytes);
    bytes = bytes.subarray(written);
  }
}

/** The process's real streams. */
export function denoIo(): CliIo {
  return {
    out: (text) => writeAll(Deno.stdout, text),
    err: (text) => writeAll(Deno.stderr, text),
    get stdin() {
      return Deno.stdin.readable;
    },
    isTerminal: {
      stdin: Deno.stdin.isTerminal(),
      stdout: Deno.stdout.isTerminal(),
      stderr: Deno.stderr.isTerminal(),
    },
    env(name) {
      // Querying first keeps an ungranted variable from prompting or throwing.
      if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
        return undefined;
      }
      return Deno.env.get(name);
    },
    trapInterrupt() {
      const controller = new AbortController();
      const listener = () => controller.abort(new DOMException("interrupted", "AbortError"));
      Deno.addSignalListener("SIGINT", listener);
      return Object.assign(controller.signal, {
        [Symbol.dispose]() {
          Deno.removeSignalListener("SIGINT", listener);
        },
      });
    },
  };
}
