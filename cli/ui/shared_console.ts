/**
 * One console connection for everything the UI does over TCP. The Queen takes one console
 * client, and the console panel must run `cohesix sh`'s own {@link ShellSession}, so the UI's
 * reads and writes ride that session's cohsh console too: {@link SharedConsole.backend} is a
 * `Backend` (plus TAIL) over it, and {@link SharedConsole.runner} runs panel lines on it. Every
 * call takes its turn in one queue (the Queen loses data when commands are pipelined); the acks
 * the UI's own calls queue in the console are taken back, so the panel prints only its own.
 * The panel cannot end or switch the session the UI stands on (`quit`, `detach`, `attach`), nor
 * reach past the Queen ({@link panelRefusal}). The mock and a mount use it for the panel alone.
 *
 * @module
 */

import type { Backend, CallOptions } from "../../backends/backend.ts";
import type { CohesixDefaults } from "../../core/defaults.ts";
import { AbortedError, LimitError, OperationError } from "../../core/errors.ts";
import { validatePath } from "../../core/paths.ts";
import { RequestQueue } from "../../transport/request_queue.ts";
import { parseAck } from "../../wire/ack.ts";
import { normalizeEchoPayload } from "../../wire/echo_payload.ts";
import type { ShellSession } from "../shell/shell_session.ts";
import type { ConsoleRunner } from "./console_runner.ts";

/** Panel commands that would end or replace the session the UI stands on. */
const SESSION_WORDS = new Set(["quit", "detach", "attach", "login", "tcp-diag"]);
/**
 * Panel commands that reach past the Queen: `telemetry push` reads a file of the host the UI
 * runs on (a page must not read that host's files), `pool bench` floods the console, `test` runs
 * the mutating self-tests.
 */
const HOST_WORDS = new Set(["telemetry", "pool", "test"]);

/** Why the console panel refuses `line`, or `undefined` when it runs it. */
export function panelRefusal(line: string): OperationError | undefined {
  const word = line.trim().split(/\s+/)[0] ?? "";
  if (SESSION_WORDS.has(word)) {
    return new OperationError(`'${word}' would end the session this UI stands on`, {
      hint: "stop cohesix ui and use cohesix sh to attach, detach or quit",
    });
  }
  if (HOST_WORDS.has(word)) {
    return new OperationError(`'${word}' is not offered from the page`, {
      hint: "it reads local files, floods the console or runs the self-tests: use cohesix sh",
    });
  }
  return undefined;
}

const encoder = new TextEncoder();

/** A `Backend` with TAIL, as the hive poller uses it. */
export interface TailingBackend extends Backend {
  /** One TAIL snapshot of `path`. */
  tail(path: string, options?: CallOptions): Promise<string[]>;
}

/** The UI's one console, shared by its backend and its console panel. */
export class SharedConsole {
  /** The backend the poller and the actions use. */
  readonly backend: TailingBackend;
  /** The console panel. */
  readonly runner: ConsoleRunner;
  readonly #session: ShellSession;
  readonly #defaults: CohesixDefaults;
  readonly #role: string;
  readonly #ticket: string | undefined;
  readonly #queue = new RequestQueue();
  readonly #closeShell: () => Promise<void>;
  #closing: Promise<void> | undefined;

  /**
   * Shares `session` (detached or attached); `closeShell` ends it (`quit`) and closes its link.
   * The UI attaches as `role` with `ticket` (the CLI's flags) whenever the session is detached.
   */
  constructor(
    session: ShellSession,
    options: {
      readonly defaults: CohesixDefaults;
      readonly role: string;
      readonly ticket?: string | undefined;
      readonly closeShell: () => Promise<void>;
    },
  ) {
    this.#session = session;
    this.#defaults = options.defaults;
    this.#role = options.role;
    this.#ticket = options.ticket;
    this.#closeShell = options.closeShell;
    this.backend = {
      kind: "tcp",
      listDir: (path, call) => this.#stream("LS", path, call).then((result) => result.lines),
      readFile: (path, maxBytes, call) => this.#readFile(path, maxBytes, call),
      tail: (path, call) => this.#stream("TAIL", path, call).then((result) => result.lines),
      writeAppend: (path, payload, call) => this.#writeAppend(path, payload, call),
      close: () => this.close(),
      [Symbol.asyncDispose]: () => this.close(),
    };
    this.runner = {
      execute: (line, call = {}) => this.#execute(line, call.signal),
      close: () => this.close(),
    };
  }

  /** Connects and attaches now, so a wrong token or a busy console fails at start. */
  connect(signal?: AbortSignal): Promise<void> {
    return this.#quietly(() => Promise.resolve(), signal);
  }

  /** Ends the session (`quit`) and closes the connection; idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#queue.run(() => this.#closeShell()).catch(() => {});
    return this.#closing;
  }

  /** Runs `body` on an attached session and takes back the acks it queued. */
  #quietly<T>(body: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.#queue.run(async () => {
      if (this.#closing !== undefined) {
        throw new AbortedError("the UI is stopping; its console is closed");
      }
      const console = this.#session.console;
      const from = console.queuedAcks;
      try {
        if (!this.#session.attached) {
          const words = ["attach", this.#role, ...(this.#ticket ? [this.#ticket] : [])];
          const outcome = await this.#session.run(words.join(" "), signal ? { signal } : {});
          if (outcome.error !== undefined) throw new OperationError(outcome.error);
        }
        return await body();
      } finally {
        console.dropAcksAfter(from);
      }
    }, signal);
  }

  #stream(verb: "LS" | "CAT" | "TAIL", path: string, call: CallOptions = {}) {
    validatePath(path, this.#defaults);
    return this.#quietly(
      () => this.#session.console.stream(verb, path, call.signal),
      call.signal,
    );
  }

  async #readFile(path: string, maxBytes: number, call: CallOptions = {}): Promise<Uint8Array> {
    const { ack, lines } = await this.#stream("CAT", path, call);
    // As TcpBackend: the body joined, else the ack's data= (the only CAT output of the log).
    const text = lines.length > 0 ? lines.join("\n") : (parseAck(ack)?.fields.data ?? "");
    const bytes = encoder.encode(text);
    if (bytes.length > maxBytes) {
      throw new LimitError(`read ${path} exceeds max bytes ${maxBytes}`, "max_bytes", maxBytes);
    }
    return bytes;
  }

  async #writeAppend(path: string, payload: Uint8Array, call: CallOptions = {}): Promise<number> {
    validatePath(path, this.#defaults);
    const text = normalizeEchoPayload(payload, this.#defaults);
    await this.#quietly(() => this.#session.console.echo(path, text, call.signal), call.signal);
    return payload.length;
  }

  #execute(line: string, signal?: AbortSignal): Promise<string[]> {
    const refusal = panelRefusal(line);
    if (refusal !== undefined) return Promise.reject(refusal);
    return this.#queue.run(async () => {
      if (!this.#session.attached) {
        const words = ["attach", this.#role, ...(this.#ticket ? [this.#ticket] : [])];
        await this.#session.execute(words.join(" "), signal ? { signal } : {});
      }
      return await this.#session.execute(line, signal ? { signal } : {});
    }, signal);
  }
}
