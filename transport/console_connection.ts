/**
 * One TCP connection to the Queen's console (PROTOCOL.md §1, §2, §4.6, §10, §11): connect and
 * send `AUTH` at once, attach, then one request at a time, each read to the terminator of its
 * response shape. Any timeout, abort, protocol violation or end of stream inside a request
 * closes the connection and marks it broken, so a half-read response is never mistaken for the
 * next one.
 *
 * @module
 */

import { type CohesixDefaults, DEFAULTS } from "../core/defaults.ts";
import {
  AbortedError,
  AttachError,
  AuthError,
  CohesixError,
  CohesixTimeoutError,
  CommandError,
  ConnectionError,
  ConsoleBusyError,
  PermissionError,
  ProtocolError,
  ValidationError,
} from "../core/errors.ts";
import { maskSecrets } from "../core/display_text.ts";
import {
  formatHostPort,
  missingNetPermission,
  netNeed,
  requirePermissions,
} from "../core/permissions.ts";
import { type Ack, parseAck, serverErrorFields } from "../wire/ack.ts";
import { encodeCommandFrame, findUnsafeConsoleChar } from "../wire/command_line.ts";
import { encodeFrame } from "../wire/frame.ts";
import { LineReader } from "./line_reader.ts";
import { Deadline } from "./deadline.ts";
import { RequestQueue } from "./request_queue.ts";
import {
  type ConsoleRequest,
  type ConsoleResponse,
  ResponseReader,
  staleLinesError,
} from "./response_reader.ts";

export type { Ack } from "../wire/ack.ts";
export type { ConsoleRequest, ConsoleResponse, ResponseShape } from "./response_reader.ts";

/** Default console host (QEMU user-net forwards the guest's console here). */
export const DEFAULT_CONSOLE_HOST = "127.0.0.1";
/** Default console port (`crates/net-constants`). */
export const DEFAULT_CONSOLE_PORT = 31337;
/**
 * The console token of a Queen built without one (`changeme`): the client's last fallback
 * (OPERATIONS.md §1.5) and the in-repo console server's default. Defined here, once.
 */
export const DEFAULT_CONSOLE_TOKEN = "changeme";

/** How long `quit` waits for `OK QUIT` before closing anyway, in wall milliseconds. */
const QUIT_WAIT_MS = 1000;

const encoder = new TextEncoder();

/** Options of {@link ConsoleConnection.connect}. */
export interface ConsoleConnectOptions {
  /** Console host; default {@link DEFAULT_CONSOLE_HOST}. */
  readonly host?: string;
  /** Console port; default {@link DEFAULT_CONSOLE_PORT}. */
  readonly port?: number;
  /** The console auth token (never logged, never put in a message). */
  readonly authToken: string;
  /** Per-request timeout in wall ms (also bounds connect + AUTH); default `retry.timeout_ms`. */
  readonly timeoutMs?: number;
  /** Aborts connecting and authenticating. */
  readonly signal?: AbortSignal;
  /** Bounds to use; default {@link DEFAULTS}. */
  readonly defaults?: CohesixDefaults;
}

/** Per-request options. */
export interface RequestOptions {
  /** Aborts the request; the connection is closed if the request had started. */
  readonly signal?: AbortSignal;
  /** Overrides the connection's per-request timeout, in wall ms. */
  readonly timeoutMs?: number;
}

export { formatHostPort } from "../core/permissions.ts";

/**
 * Throws {@link PermissionError} naming exactly `--allow-net=HOST:PORT` unless that net
 * permission is already granted (never prompts).
 */
export async function ensureNetPermission(host: string, port: number): Promise<void> {
  const what = `connecting to the Queen console at ${formatHostPort(host, port)}`;
  await requirePermissions([netNeed(what, host, port)]);
}

function netPermissionError(hostPort: string, cause?: unknown): PermissionError {
  const what = `connecting to the Queen console at ${hostPort}`;
  return missingNetPermission(what, hostPort, cause);
}

/** An authenticated console connection. Create one with {@link ConsoleConnection.connect}. */
export class ConsoleConnection implements AsyncDisposable {
  readonly #conn: Deno.Conn;
  readonly #reader: LineReader;
  readonly #queue = new RequestQueue();
  readonly #deadline = new Deadline();
  readonly #defaults: CohesixDefaults;
  readonly #timeoutMs: number;
  readonly #where: string;
  /** Token and ticket: masked in any server text an error quotes. */
  readonly #secrets: string[] = [];
  /** The response being read: what it saw may explain a timeout (e.g. a short listing). */
  #reading: ResponseReader | undefined;
  /** Set when a reply was followed by stale lines: the socket works, so QUIT is still sent. */
  #outOfStep = false;
  #closed = false;
  #broken = false;
  #framesSent = 0;
  #lastReplyAt = performance.now();

  private constructor(
    conn: Deno.Conn,
    where: string,
    defaults: CohesixDefaults,
    timeoutMs: number,
  ) {
    this.#conn = conn;
    this.#where = where;
    this.#defaults = defaults;
    this.#timeoutMs = timeoutMs;
    this.#reader = new LineReader(conn, defaults.secure9p.msize);
  }

  /**
   * Connects, sends `AUTH <token>` immediately (the live Queen drops a client silent for
   * ~25 ms), and waits for `OK AUTH`. Throws {@link AuthError} on EOF before `OK AUTH` or an
   * `ERR AUTH` line, {@link ConsoleBusyError} if the connection is reset before any reply (the
   * Queen takes one console client at a time), {@link PermissionError} without net permission,
   * {@link ConnectionError} if nothing listens, {@link CohesixTimeoutError} /
   * {@link AbortedError} on timeout / abort.
   */
  static async connect(options: ConsoleConnectOptions): Promise<ConsoleConnection> {
    const defaults = options.defaults ?? DEFAULTS;
    const host = options.host ?? DEFAULT_CONSOLE_HOST;
    const port = options.port ?? DEFAULT_CONSOLE_PORT;
    const timeoutMs = options.timeoutMs ?? defaults.retry.timeoutMs;
    const where = formatHostPort(host, port);
    // Built before connecting: nothing may be awaited between connect and AUTH.
    const authFrame = encodeAuthFrame(options.authToken, defaults);
    await ensureNetPermission(host, port);
    const conn = await connectTcp(host, port, where, timeoutMs, options.signal);
    conn.setNoDelay(true);
    const connection = new ConsoleConnection(conn, where, defaults, timeoutMs);
    connection.#secrets.push(options.authToken);
    await connection.#authenticate(authFrame, options.signal);
    return connection;
  }

  /** `host:port` of the peer. */
  get where(): string {
    return this.#where;
  }

  /** True once the connection is closed (by `close`, `quit`, or a failed request). */
  get closed(): boolean {
    return this.#closed;
  }

  /** True if a request failed mid-way and the connection was dropped; never reuse it. */
  get broken(): boolean {
    return this.#broken;
  }

  /** Command frames written so far (AUTH included); tells whether a failed request was sent. */
  get framesSent(): number {
    return this.#framesSent;
  }

  /** Wall milliseconds since the Queen last completed a reply on this connection. */
  get idleMs(): number {
    return performance.now() - this.#lastReplyAt;
  }

  /**
   * Sends `ATTACH <role> <ticket>`, or `ATTACH <role> ` (trailing space, as cohsh) without a
   * ticket, and waits for `OK ATTACH`. Throws {@link AttachError} on `ERR ATTACH` (with
   * `delayMs` for throttled / rate-limited refusals), `ERR PARSE` or `ERR FRAME`.
   */
  attach(role: string, ticket?: string, options: RequestOptions = {}): Promise<ConsoleResponse> {
    const line = ticket === undefined ? `ATTACH ${role} ` : `ATTACH ${role} ${ticket}`;
    if (ticket !== undefined && !this.#secrets.includes(ticket)) this.#secrets.push(ticket);
    return this.request({ line, verb: "ATTACH", shape: "ack" }, options);
  }

  /**
   * Sends one command and reads its response (see {@link ResponseShape}); waits its turn behind
   * earlier requests. An `ERR <V>`, `ERR PARSE` or `ERR FRAME` reply rejects at once with
   * {@link CommandError} (`AttachError` for ATTACH) and leaves the connection usable.
   */
  async request(request: ConsoleRequest, options: RequestOptions = {}): Promise<ConsoleResponse> {
    const frame = encodeCommandFrame(request.line, this.#defaults);
    return await this.#queue.run(
      () =>
        this.#guarded(request.verb, options, async () => {
          await this.#write(frame);
          return await this.#readResponse(request);
        }),
      options.signal,
    );
  }

  /** Sends `PING` and waits for `OK PING` and `PONG`. */
  ping(options: RequestOptions = {}): Promise<ConsoleResponse> {
    return this.request({ line: "PING", verb: "PING", shape: "ping" }, options);
  }

  /**
   * Ends the session politely: sends `quit` (lowercase, as cohsh), waits briefly for `OK QUIT`,
   * then closes. Never throws; a no-op once closed. A queen session that ends without QUIT cuts
   * root for workers (PROTOCOL.md §2.6), so prefer this over {@link close}.
   */
  async quit(): Promise<void> {
    if (this.#closed) return;
    try {
      const frame = encodeCommandFrame("quit", this.#defaults);
      const timeoutMs = Math.min(this.#timeoutMs, QUIT_WAIT_MS);
      await this.#queue.run(() =>
        this.#guarded("QUIT", { timeoutMs }, async () => {
          await this.#write(frame);
          for (;;) {
            const line = await this.#reader.next();
            if (line === undefined) return;
            const ack = parseAck(line);
            if (ack !== undefined && ack.label === "QUIT") return;
          }
        })
      );
    } catch {
      // Best effort: the server closes after OK QUIT anyway.
    } finally {
      this.#shutdown(false);
    }
  }

  /** Closes the socket at once (no QUIT); idempotent. A request in flight fails. */
  close(): void {
    this.#shutdown(false);
  }

  /** Same as {@link quit}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.quit();
  }

  async #authenticate(frame: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    const options: RequestOptions = signal === undefined ? {} : { signal };
    await this.#guarded("AUTH", options, async () => {
      try {
        await this.#write(frame);
        for (;;) {
          const line = await this.#reader.next();
          if (line === undefined) {
            throw this.#authRefused("it closed the connection before OK AUTH");
          }
          if (line === "OK AUTH") return;
          if (line.startsWith("ERR AUTH")) {
            const ack = parseAck(line);
            const reason = ack?.fields.reason;
            throw this.#authRefused(
              reason ? `ERR AUTH reason=${this.#mask(reason)}` : "ERR AUTH",
            );
          }
          // Anything else (an `OK AUTH detail=…` greeting, buffered log lines) is informational.
        }
      } catch (error) {
        if (isResetLike(error) && this.#reader.bytesRead === 0) {
          throw consoleBusy(this.#where, error);
        }
        throw error;
      }
    });
  }

  #authRefused(how: string): AuthError {
    return new AuthError(`the Queen at ${this.#where} refused the auth token (${how})`, {
      hint: "set COHSH_AUTH_TOKEN (or COH_AUTH_TOKEN) or pass the right token",
    });
  }

  /**
   * Runs `body` under the request's timeout and abort signal. On timeout or abort the socket is
   * closed, which settles any pending read or write, and the typed error is thrown; on any other
   * failure except a server `ERR` reply the connection is closed and marked broken.
   */
  async #guarded<T>(what: string, options: RequestOptions, body: () => Promise<T>): Promise<T> {
    if (this.#closed) {
      throw new ConnectionError(
        `cannot send ${what}: the console connection to ${this.#where} is closed`,
        { hint: "open a new connection" },
      );
    }
    const signal = options.signal;
    if (signal?.aborted) throw new AbortedError(`${what} aborted before it was sent`);
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    this.#reading = undefined;
    let cancelled: CohesixError | undefined;
    const onAbort = () => {
      cancelled ??= new AbortedError(`${what} aborted; the console connection was closed`);
      this.#shutdown(true);
    };
    this.#deadline.arm(timeoutMs, () => {
      const stall = this.#reading?.stallNote;
      const note = stall === undefined ? "" : ` (${stall})`;
      cancelled ??= new CohesixTimeoutError(
        `${what} got no complete reply from ${this.#where} within ${timeoutMs} ms${note}`,
        { hint: "check that the Queen is running and responsive, or raise the timeout" },
      );
      this.#shutdown(true);
    });
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const result = await body();
      this.#lastReplyAt = performance.now();
      return result;
    } catch (error) {
      if (error instanceof CommandError) throw error;
      if (this.#outOfStep && !this.#closed) {
        // The socket still works: say QUIT so a queen session does not cut root (§2.6).
        await this.#write(encodeCommandFrame("quit", this.#defaults)).catch(() => {});
      }
      // Anything else (LimitError mid-stream included) leaves unread lines: never reuse.
      this.#shutdown(true);
      if (cancelled !== undefined) throw cancelled;
      throw classifyIoError(error, what, this.#where);
    } finally {
      this.#deadline.disarm();
      signal?.removeEventListener("abort", onAbort);
    }
  }

  async #write(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    this.#framesSent++;
    while (offset < bytes.length) offset += await this.#conn.write(bytes.subarray(offset));
  }

  async #readResponse(request: ConsoleRequest): Promise<ConsoleResponse> {
    const reader = new ResponseReader(request, this.#defaults.readCaps.maxDirListBytes);
    this.#reading = reader;
    try {
      for (;;) {
        // Lines already buffered are taken without an await: a stream's body usually arrives
        // in one read, and one await per line is most of the client's cost on a fast console.
        const line = this.#reader.takeBuffered() ?? await this.#reader.next();
        if (line === undefined) throw reader.end();
        const step = reader.push(line);
        switch (step.kind) {
          case "more":
            continue;
          case "done":
            // One request in flight: lines already received after a complete reply are stale.
            if (this.#reader.buffered > 0) {
              this.#outOfStep = true;
              throw staleLinesError(request, step.after);
            }
            return step.response;
          case "refused":
            throw commandError(request.verb, parseAck(this.#mask(step.ack.line)) ?? step.ack);
          case "console-ended":
            throw new ConnectionError(
              `the Queen ended the console session: ${this.#mask(step.line)}`,
            );
        }
      }
    } finally {
      if (reader.outOfStep) this.#outOfStep = true;
    }
  }

  /** `text` with every piece of the token or ticket replaced by `<redacted>`. */
  #mask(text: string): string {
    return maskSecrets(text, this.#secrets);
  }

  #shutdown(broken: boolean): void {
    if (broken && !this.#closed) this.#broken = true;
    if (this.#closed) return;
    this.#closed = true;
    this.#deadline.stop();
    try {
      this.#conn.close();
    } catch {
      // Already closed by the runtime.
    }
  }
}

function encodeAuthFrame(token: string, defaults: CohesixDefaults): Uint8Array {
  // Messages here never quote the token.
  if (typeof token !== "string" || token.length === 0) {
    throw new ValidationError("auth token must not be empty", {
      hint: "set COHSH_AUTH_TOKEN (or COH_AUTH_TOKEN) or pass the token",
    });
  }
  const unsafe = findUnsafeConsoleChar(token);
  if (unsafe !== undefined || token.includes(" ")) {
    throw new ValidationError(
      "auth token must be printable ASCII without spaces (it contains " +
        (unsafe === undefined ? "a space" : unsafe.startsWith("non-ASCII") ? "non-ASCII" : unsafe) +
        ")",
    );
  }
  const line = `AUTH ${token}`;
  if (line.length > defaults.console.maxLineLen) {
    throw new ValidationError(`auth token is longer than the console line allows`);
  }
  return encodeFrame(encoder.encode(line));
}

async function connectTcp(
  host: string,
  port: number,
  where: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Deno.TcpConn> {
  if (signal?.aborted) throw new AbortedError(`connecting to ${where} aborted`);
  // A private controller: aborting the caller's signal later must not touch a live socket.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    return await Deno.connect({
      hostname: host,
      port,
      transport: "tcp",
      signal: controller.signal,
    });
  } catch (error) {
    if (signal?.aborted) throw new AbortedError(`connecting to ${where} aborted`, { cause: error });
    if (timedOut) {
      throw new CohesixTimeoutError(`connecting to ${where} took more than ${timeoutMs} ms`, {
        cause: error,
        hint: "check the host and port, and that the Queen is running",
      });
    }
    if (error instanceof Deno.errors.NotCapable) throw netPermissionError(where, error);
    // The busy Queen resets a second client at once; that can surface as early as connect().
    if (error instanceof Deno.errors.ConnectionReset) throw consoleBusy(where, error);
    if (error instanceof Deno.errors.ConnectionRefused) {
      throw new ConnectionError(`nothing is listening on ${where} (connection refused)`, {
        cause: error,
        hint: "start the Queen (or its QEMU port forward), or check the host and port",
      });
    }
    throw new ConnectionError(`could not connect to ${where}: ${describe(error)}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

function consoleBusy(where: string, cause: unknown): ConsoleBusyError {
  return new ConsoleBusyError(
    `the Queen console at ${where} reset the connection: it takes one console client at a ` +
      "time (cohsh, coh, SwarmUI or another script is attached)",
    { cause, hint: "close the other console client, then retry" },
  );
}

function commandError(verb: string, ack: Ack): CommandError {
  const fields = serverErrorFields(ack);
  if (verb !== "ATTACH") return new CommandError(verb, fields);
  const delay = ack.fields.delay_ms === undefined ? undefined : Number(ack.fields.delay_ms);
  return new AttachError(fields, Number.isFinite(delay) ? delay : undefined);
}

function isResetLike(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.ConnectionAborted;
}

function classifyIoError(error: unknown, what: string, where: string): CohesixError {
  if (error instanceof ProtocolError && error.hint === undefined) {
    // The wire layer knows neither peer nor command; say both, and what to check.
    return new ProtocolError(`${error.summary}, from ${where} during ${what}`, {
      cause: error,
      hint: "the peer is not a Cohesix console or misbehaved; check the host and port, " +
        "then retry on a new connection",
    });
  }
  if (error instanceof CohesixError) return error;
  if (error instanceof Deno.errors.NotCapable) return netPermissionError(where, error);
  if (error instanceof Deno.errors.ConnectionReset) {
    return new ConnectionError(`the Queen at ${where} reset the connection during ${what}`, {
      cause: error,
    });
  }
  if (
    isResetLike(error) || error instanceof Deno.errors.BadResource ||
    error instanceof Deno.errors.Interrupted || error instanceof Deno.errors.UnexpectedEof
  ) {
    return new ConnectionError(`the connection to ${where} was closed during ${what}`, {
      cause: error,
    });
  }
  return new ConnectionError(
    `console I/O with ${where} failed during ${what}: ${describe(error)}`,
    {
      cause: error,
    },
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
