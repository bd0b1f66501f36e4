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
  LimitError,
  PermissionError,
  ProtocolError,
  ValidationError,
} from "../core/errors.ts";
import { utf8Length } from "../core/paths.ts";
import { maskSecrets } from "../core/display_text.ts";
import {
  formatHostPort,
  missingNetPermission,
  netNeed,
  requirePermissions,
} from "../core/permissions.ts";
import { type Ack, END_LINE, parseAck, serverErrorFields } from "../wire/ack.ts";
import { encodeCommandFrame, findUnsafeConsoleChar } from "../wire/command_line.ts";
import { encodeFrame } from "../wire/frame.ts";
import { LineReader } from "./line_reader.ts";
import { Deadline } from "./deadline.ts";
import { RequestQueue } from "./request_queue.ts";

export type { Ack } from "../wire/ack.ts";

/** Default console host (QEMU user-net forwards the guest's console here). */
export const DEFAULT_CONSOLE_HOST = "127.0.0.1";
/** Default console port (`crates/net-constants`). */
export const DEFAULT_CONSOLE_PORT = 31337;

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

/**
 * How a verb's response ends (PROTOCOL.md §4.6): `stream` = `OK <V>`, body lines, `END`
 * (LS, CAT, TAIL, LOG); `ack` = the first `OK|ERR <V>` (ECHO, ATTACH); `ping` = `OK PING` and
 * `PONG`, in either order.
 */
export type ResponseShape = "stream" | "ack" | "ping";

/** One console request. */
export interface ConsoleRequest {
  /** The exact command line to send (ASCII, ≤ `console.max_line_len`, no CR/LF). */
  readonly line: string;
  /** The ack label that answers it (`LS`, `CAT`, `ECHO`, `ATTACH`, `PING`, …). */
  readonly verb: string;
  /** How the response ends. */
  readonly shape: ResponseShape;
  /** The requested path: an `OK <V>` naming another `path=` is a stale line and is skipped. */
  readonly path?: string;
  /**
   * Ack fields this request's ack must carry with these values when it carries them at all
   * (e.g. ECHO's `bytes=`): an ack naming other values answers an earlier request, so it is a
   * stale line and is skipped, like one naming another `path=`.
   */
  readonly expect?: Readonly<Record<string, string>>;
  /**
   * Most body bytes (lines joined with `\n`) the caller will accept; default
   * `readCaps.maxDirListBytes`. A peer that sends more is cut off with a `LimitError` and the
   * connection is dropped, so a hostile server cannot make the client buffer without bound.
   */
  readonly maxBodyBytes?: number;
}

/** A successful response: its ack and, for streams (and PING's `PONG`), its body lines. */
export interface ConsoleResponse {
  /** The `OK <V>` ack line, parsed. */
  readonly ack: Ack;
  /** Body lines in arrival order (streams: everything between the ack and `END`). */
  readonly lines: string[];
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
  /** What the current request saw that explains a later timeout (e.g. a short listing). */
  #stallNote: string | undefined;
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
    this.#stallNote = undefined;
    let cancelled: CohesixError | undefined;
    const onAbort = () => {
      cancelled ??= new AbortedError(`${what} aborted; the console connection was closed`);
      this.#shutdown(true);
    };
    this.#deadline.arm(timeoutMs, () => {
      const note = this.#stallNote === undefined ? "" : ` (${this.#stallNote})`;
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
    const { verb, shape } = request;
    let ack: Ack | undefined;
    let pong = false;
    const lines: string[] = [];
    const maxBodyBytes = request.maxBodyBytes ?? this.#defaults.readCaps.maxDirListBytes;
    let bodyBytes = -1; // Joined length: the first line adds no separator.
    // LS announces its entry count: with it, an entry named `END` is read as an entry, and a
    // listing longer than announced is caught instead of leaving stale lines behind.
    let entries: number | undefined;
    for (;;) {
      // Lines already buffered are taken without an await: a stream's body usually arrives in
      // one read, and one await per line is most of the client's cost on a fast console.
      const line = this.#reader.takeBuffered() ?? await this.#reader.next();
      if (line === undefined) {
        if (ack === undefined && !pong) {
          throw new ConnectionError(`the Queen closed the connection before answering ${verb}`);
        }
        throw new ProtocolError(
          `the Queen closed the connection in the middle of the ${verb} reply`,
        );
      }
      if (ack !== undefined && shape === "stream") {
        if (entries !== undefined && lines.length === entries && line !== END_LINE) {
          this.#outOfStep = true;
          throw new ProtocolError(
            `the ${describeRequest(request)} reply announced entries=${entries} but sent more ` +
              "lines; the connection was dropped",
            { hint: "the server is out of step or not a Cohesix console; retry" },
          );
        }
        if (line === END_LINE && (entries === undefined || lines.length >= entries)) {
          this.#ensureInStep(request, "END");
          return { ack, lines };
        }
        if (line === END_LINE) {
          this.#stallNote = `${describeRequest(request)} announced entries=${entries} and ` +
            `sent END after ${lines.length}; waiting for the rest`;
        }
        bodyBytes += 1 + utf8Length(line); // No copy: this runs once per body line.
        if (bodyBytes > maxBodyBytes) {
          throw new LimitError(
            `${describeRequest(request)} reply exceeds max bytes ${maxBodyBytes}`,
            "max_bytes",
            maxBodyBytes,
            {
              hint:
                "the connection was dropped; raise the read limit if the node really is that big",
            },
          );
        }
        lines.push(line); // Body lines are opaque, even ones that look like acks.
        continue;
      }
      if (shape === "ping" && line === "PONG") {
        pong = true;
        if (ack !== undefined) {
          this.#ensureInStep(request, "its ack");
          return { ack, lines: [line] };
        }
        continue;
      }
      const parsed = parseAck(line);
      if (parsed === undefined) continue; // A stray body line (e.g. a late PONG) before our ack.
      if (parsed.label === "CONSOLE") {
        throw new ConnectionError(`the Queen ended the console session: ${this.#mask(line)}`);
      }
      if (!answers(parsed, request)) continue;
      if (parsed.status === "ERR") throw commandError(verb, parseAck(this.#mask(line)) ?? parsed);
      ack = parsed;
      if (shape === "stream" && verb === "LS") entries = announcedEntries(parsed);
      if (shape === "ack" || (shape === "ping" && pong)) {
        this.#ensureInStep(request, "its ack");
        return { ack, lines: pong ? ["PONG"] : [] };
      }
    }
  }

  /**
   * One request in flight means nothing may follow a complete reply. Lines already received
   * after it are stale: content that looked like protocol lines (a line `END` cuts a CAT short
   * and leaves the rest behind, §4.4) or a server out of step. The reply cannot be trusted and
   * the connection would mis-attribute those lines to the next request, so both are refused.
   */
  #ensureInStep(request: ConsoleRequest, after: string): void {
    if (this.#reader.buffered === 0) return;
    this.#outOfStep = true;
    const what = describeRequest(request);
    throw new ProtocolError(
      request.shape === "stream"
        ? `the ${what} reply was followed by more lines after ${after}: the node's content ` +
          "holds lines that look like protocol lines (END, OK …, ERR …), so the reply cannot " +
          "be trusted; the connection was dropped"
        : `the ${what} reply was followed by unexpected lines after ${after}: the console is ` +
          "out of step (stale lines of an earlier reply?); the connection was dropped",
      {
        hint: request.shape === "stream"
          ? "read this node through a mounted namespace, or remove the offending lines"
          : "retry on a new connection",
      },
    );
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

function answers(ack: Ack, request: ConsoleRequest): boolean {
  if (ack.label === request.verb) {
    // A different path= (or bytes=, …) is a stale reply to an earlier request, not ours.
    const { path, expect } = request;
    if (path !== undefined && ack.fields.path !== undefined && ack.fields.path !== path) {
      return false;
    }
    for (const [key, value] of Object.entries(expect ?? {})) {
      const field = ack.fields[key];
      if (field !== undefined && field !== value) return false;
    }
    return true;
  }
  return ack.status === "ERR" && (ack.label === "PARSE" || ack.label === "FRAME");
}

/** `LS /x` (verb and path) for messages. */
function describeRequest(request: ConsoleRequest): string {
  return request.path === undefined ? request.verb : `${request.verb} ${request.path}`;
}

/** The `entries=` count of an `OK LS` ack, when it is a plain decimal. */
function announcedEntries(ack: Ack): number | undefined {
  const text = ack.fields.entries;
  if (text === undefined || !/^\d{1,9}$/.test(text)) return undefined;
  return Number(text);
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
