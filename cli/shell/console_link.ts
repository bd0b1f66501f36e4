/**
 * The raw pipe under the shell: frame payloads out, console lines back, exactly as cohsh's
 * transport moves them (no client-side line limits, so an oversized `ECHO` reaches the Queen and
 * earns its `ERR FRAME`, as the self-tests expect). Two kinds: a TCP connection to a Queen
 * console, and the in-process console of the mock Queen (the console server's own code).
 * Interpreting the lines (which ack answers what, what to queue) is {@link CohshConsole}'s job.
 *
 * @module
 */

import { deadlineSignal } from "../../core/deadline_signal.ts";
import { type CohesixDefaults, DEFAULTS } from "../../core/defaults.ts";
import {
  AbortedError,
  AuthError,
  CohesixError,
  CohesixTimeoutError,
  ConnectionError,
  ConsoleBusyError,
  ValidationError,
} from "../../core/errors.ts";
import type { QueenNamespace } from "../../queen/queen_namespace.ts";
import { InProcessConsole } from "../../server/in_process_console.ts";
import { ensureNetPermission, formatHostPort } from "../../transport/console_connection.ts";
import { LineReader } from "../../transport/line_reader.ts";
import { findUnsafeConsoleChar } from "../../wire/command_line.ts";
import { encodeFrame } from "../../wire/frame.ts";

const encoder = new TextEncoder();

/** The link dropped (end of stream, reset, silence past the read timeout). */
export class LinkLostError extends ConnectionError {
  /** Machine-readable kind: `connection-lost`. */
  override readonly code = "connection-lost";
}

/** A connection to a Queen console that moves frames and lines. */
export interface ConsoleLink {
  /** What it connects to, for messages (`127.0.0.1:31337`, `the mock Queen`). */
  readonly where: string;
  /** Whether a connection is open. */
  readonly open: boolean;
  /**
   * Opens a new connection and authenticates; returns the lines received before `OK AUTH`
   * (informational) and `OK AUTH` itself. Throws {@link AuthError}, {@link ConnectionError}.
   */
  connect(signal?: AbortSignal): Promise<string[]>;
  /** Sends one frame with `payload`. Throws {@link LinkLostError} when the connection is gone. */
  send(payload: Uint8Array): Promise<void>;
  /**
   * The next line; throws {@link LinkLostError} at end of stream or after `timeoutMs` of silence
   * (the connection is closed then), {@link AbortedError} when `signal` aborts.
   */
  next(timeoutMs: number, signal?: AbortSignal): Promise<string>;
  /** Whether a line is already waiting (read without blocking). */
  readonly buffered: boolean;
  /** Closes the connection (no `quit`); idempotent. */
  close(): void;
}

/** Settings of a TCP link. */
export interface TcpLinkOptions {
  /** Console host. */
  readonly host: string;
  /** Console port. */
  readonly port: number;
  /** Auth token (never shown). */
  readonly authToken: string;
  /** Timeout of connect + AUTH, wall ms. */
  readonly timeoutMs: number;
  /** Bounds (msize caps a reply frame). */
  readonly defaults?: CohesixDefaults;
}

/** A TCP connection to a Queen console. */
export class TcpLink implements ConsoleLink {
  readonly where: string;
  readonly #options: TcpLinkOptions;
  #conn: Deno.TcpConn | undefined;
  #reader: LineReader | undefined;

  /** A link to `options.host:options.port`; nothing connects until {@link connect}. */
  constructor(options: TcpLinkOptions) {
    this.#options = options;
    this.where = formatHostPort(options.host, options.port);
  }

  get open(): boolean {
    return this.#conn !== undefined;
  }

  get buffered(): boolean {
    return (this.#reader?.buffered ?? 0) > 0;
  }

  async connect(signal?: AbortSignal): Promise<string[]> {
    this.close();
    const { host, port, authToken, timeoutMs } = this.#options;
    if (authToken === "" || authToken.includes(" ") || findUnsafeConsoleChar(authToken)) {
      throw new ValidationError("auth token must be non-empty printable ASCII without spaces");
    }
    await ensureNetPermission(host, port);
    let conn: Deno.TcpConn;
    try {
      conn = await Deno.connect({
        hostname: host,
        port,
        transport: "tcp",
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      if (signal?.aborted) throw new AbortedError(`connecting to ${this.where} aborted`);
      throw new ConnectionError(`failed to connect to Cohesix TCP console at ${this.where}`, {
        cause: error,
        hint: `${describe(error)}; start the Queen or check --tcp-host/--tcp-port`,
      });
    }
    conn.setNoDelay(true);
    this.#conn = conn;
    this.#reader = new LineReader(conn, (this.#options.defaults ?? DEFAULTS).secure9p.msize);
    const greeting: string[] = [];
    try {
      await this.send(encoder.encode(`AUTH ${authToken}`));
      for (;;) {
        const line = await this.next(timeoutMs, signal);
        if (line.startsWith("ERR AUTH")) {
          this.close();
          throw new AuthError(`authentication failed: authentication rejected: ${line}`, {
            hint: "pass the right --auth-token (or set COHSH_AUTH_TOKEN)",
          });
        }
        greeting.push(line);
        if (line === "OK AUTH") return greeting;
      }
    } catch (error) {
      this.close();
      if (error instanceof LinkLostError) {
        if (this.#readerBytes === 0 && /reset/i.test(error.summary)) {
          throw new ConsoleBusyError(
            `the Queen console at ${this.where} reset the connection: it takes one client at a time`,
            { hint: "close the other console client (cohsh, coh, a script), then retry" },
          );
        }
        throw new AuthError(
          `authentication failed: the Queen at ${this.where} closed the connection before OK AUTH`,
          { hint: "pass the right --auth-token (or set COHSH_AUTH_TOKEN)" },
        );
      }
      throw error;
    }
  }

  #readerBytes = 0;

  async send(payload: Uint8Array): Promise<void> {
    const conn = this.#conn;
    if (conn === undefined) throw new LinkLostError("connection closed by peer");
    const frame = encodeFrame(payload);
    try {
      let offset = 0;
      while (offset < frame.length) offset += await conn.write(frame.subarray(offset));
    } catch (error) {
      this.close();
      throw new LinkLostError(`connection closed by peer (${describe(error)})`, { cause: error });
    }
  }

  async next(timeoutMs: number, signal?: AbortSignal): Promise<string> {
    const reader = this.#reader;
    if (reader === undefined) throw new LinkLostError("connection closed by peer");
    const ready = reader.takeBuffered();
    if (ready !== undefined) return ready;
    if (signal?.aborted) throw new AbortedError("interrupted");
    let timedOut = false;
    let aborted = false;
    // Not setTimeout: its first use costs a Deno process ~4 MiB (core/deadline_signal.ts).
    const deadline = deadlineSignal(timeoutMs);
    deadline.signal.addEventListener("abort", () => {
      timedOut = true;
      this.close();
    }, { once: true });
    const onAbort = () => {
      aborted = true;
      this.close();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const line = await reader.next();
      this.#readerBytes = reader.bytesRead;
      if (line === undefined) {
        this.close();
        throw new LinkLostError("connection closed by peer");
      }
      return line;
    } catch (error) {
      this.#readerBytes = reader.bytesRead;
      if (aborted) throw new AbortedError("interrupted; the console connection was closed");
      if (timedOut) {
        throw new LinkLostError(`no reply within ${timeoutMs} ms`, {
          cause: new CohesixTimeoutError(`no reply within ${timeoutMs} ms`),
        });
      }
      if (error instanceof LinkLostError) throw error;
      this.close();
      if (error instanceof CohesixError && !(error instanceof ConnectionError)) throw error;
      throw new LinkLostError(`connection closed by peer (${describe(error)})`, { cause: error });
    } finally {
      deadline[Symbol.dispose]();
      signal?.removeEventListener("abort", onAbort);
    }
  }

  close(): void {
    const conn = this.#conn;
    this.#conn = undefined;
    if (conn === undefined) return;
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }
}

/** The mock Queen's console, in process (the console server's session and output lanes). */
export class MockLink implements ConsoleLink {
  readonly where = "the mock Queen";
  readonly #console: InProcessConsole;
  #pending: string[] = [];
  #closedAfterPending = false;

  /** A link to a console over `namespace`. */
  constructor(namespace: QueenNamespace, defaults: CohesixDefaults = DEFAULTS) {
    this.#console = new InProcessConsole({ namespace, defaults });
  }

  get open(): boolean {
    return this.#console.connected || this.#pending.length > 0;
  }

  get buffered(): boolean {
    return this.#pending.length > 0;
  }

  connect(): Promise<string[]> {
    this.#pending = [];
    this.#closedAfterPending = false;
    return Promise.resolve(this.#console.connect());
  }

  send(payload: Uint8Array): Promise<void> {
    if (!this.#console.connected) {
      return Promise.reject(new LinkLostError("connection closed by peer"));
    }
    const { lines, closed } = this.#console.exchange(payload);
    this.#pending.push(...lines);
    this.#closedAfterPending = closed;
    return Promise.resolve();
  }

  next(_timeoutMs: number, signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) return Promise.reject(new AbortedError("interrupted"));
    const line = this.#pending.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.#closedAfterPending || !this.#console.connected) {
      return Promise.reject(new LinkLostError("connection closed by peer"));
    }
    // Nothing more will come: the in-process Queen answers synchronously.
    return Promise.reject(new LinkLostError("the mock Queen sent no further reply"));
  }

  close(): void {
    this.#pending = [];
    this.#console.disconnect();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
